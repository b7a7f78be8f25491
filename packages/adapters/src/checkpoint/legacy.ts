import { HIRA_LEGACY_KEYS } from '../tuners/hira';

/**
 * Files written by @smoa/adapters 0.1 stored HiRA under LoRA's keys (lora_A.weight / lora_B.weight)
 * while claiming peft_type "HIRA"; PEFT's HiRA uses hira_A / hira_B. Such files are still read (with
 * their lora_alpha, as then), the keys renamed in place, with one warning.
 */
export function migrateLegacyKeys<T>(method: string, tensors: Map<string, T>, where: string, warn: (message: string) => void): void {
  if (method !== 'hira') return;
  let renamed = 0;
  for (const [key, value] of [...tensors]) {
    const suffix = Object.keys(HIRA_LEGACY_KEYS).find((s) => key.endsWith(`.${s}`));
    if (!suffix) continue;
    tensors.delete(key);
    tensors.set(`${key.slice(0, -suffix.length)}${HIRA_LEGACY_KEYS[suffix]}`, value);
    renamed++;
  }
  if (renamed) {
    warn(`${where}: HiRA weights in the old lora_A / lora_B layout of @smoa/adapters 0.1 (${renamed} tensors), read as PEFT's hira_A / hira_B; save the adapter again to write PEFT's layout`);
  }
}
