/** The adapter_config.json fields every method shares: r, lora_alpha, lora_dropout. */
export function readCommonPeft(p: Record<string, unknown>, used: Set<string>): { r: number; alpha?: number; dropout?: number } {
  for (const k of ['r', 'lora_alpha', 'lora_dropout']) used.add(k);
  const c: { r: number; alpha?: number; dropout?: number } = { r: p.r as number };
  if (p.lora_alpha !== undefined && p.lora_alpha !== null) c.alpha = p.lora_alpha as number;
  if (p.lora_dropout !== undefined && p.lora_dropout !== null) c.dropout = p.lora_dropout as number;
  return c;
}

/** Optional field: undefined when absent or null (PEFT writes null for unset options). */
export function optional<T>(p: Record<string, unknown>, key: string, used: Set<string>): T | undefined {
  used.add(key);
  const v = p[key];
  return v === undefined || v === null ? undefined : (v as T);
}
