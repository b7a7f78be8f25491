import { parseJsonBounded } from '@smoa/safetensors';
import type { AdapterModelConfig } from '../peft-model/adapter-model';
import type { TargetOptions } from '../peft-model/match';
import { compileTargetPattern } from '../peft-model/target-pattern';
import { tunerFor, tunerForPeft, type AdapterConfig } from '../tuners/registry';

/**
 * PEFT fields we accept without acting on them, with the value that means "nothing to do"
 * (undefined: any value is fine). A different value gets a warning, never a crash.
 */
const INERT_FIELDS: Record<string, unknown> = {
  base_model_name_or_path: undefined,
  revision: undefined,
  task_type: undefined,
  inference_mode: undefined,
  auto_mapping: undefined,
  peft_version: undefined,
  bias: 'none',
  fan_in_fan_out: false,
  modules_to_save: null,
  rank_pattern: {},
  alpha_pattern: {},
  megatron_config: null,
  megatron_core: 'megatron.core',
  loftq_config: {},
  layer_replication: null,
  runtime_config: { ephemeral_gpu_offload: false },
  exclude_modules: null,
  lora_bias: false,
  use_qalora: false,
  qalora_group_size: 16,
  trainable_token_indices: null,
  eva_config: null,
  corda_config: null,
  target_parameters: null,
};

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** adapter_config.json contents for one adapter (PEFT's snake_case names). */
export function toPeftConfig(config: AdapterModelConfig): Record<string, unknown> {
  const tuner = tunerFor(config.method);
  const c = config as AdapterModelConfig & { alpha?: number; dropout?: number };
  const out: Record<string, unknown> = {
    peft_type: tuner.peftType,
    r: c.r,
    lora_alpha: c.alpha ?? c.r,
    lora_dropout: c.dropout ?? 0,
    target_modules: config.targetModules,
    layers_to_transform: config.layersToTransform ?? null,
    layers_pattern: config.layersPattern ?? null,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    base_model_name_or_path: null,
    task_type: null,
    ...tuner.toPeft(config),
  };
  // A method drops shared fields PEFT's config for it does not have (HiRA: lora_alpha) by mapping them to undefined.
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}

/**
 * Reads adapter_config.json text. Not JSON, not an object or no peft_type is an error naming the file;
 * unknown keys and PEFT options we do not implement are reported through `warn`.
 */
export function fromPeftConfig(text: string, where: string, warn: (message: string) => void): AdapterModelConfig {
  // Bounded: a config nested thousands deep is an error naming the file, not a stack overflow.
  const raw: unknown = parseJsonBounded(text, { file: where, maxBytes: 10_000_000 });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where}: expected a JSON object`);
  const p = raw as Record<string, unknown>;
  if (!('peft_type' in p)) throw new Error(`${where}: missing "peft_type" (expected e.g. "LORA" or "SMOA")`);
  const tuner = tunerForPeft(p, where);
  const used = new Set<string>(['peft_type', 'target_modules', 'layers_to_transform', 'layers_pattern']);
  const method: AdapterConfig = tuner.fromPeft(p, used);
  if (p.target_modules === undefined || p.target_modules === null) throw new Error(`${where}: missing "target_modules"`);
  // A pattern from a file is checked here so that the error names the file.
  if (typeof p.target_modules === 'string' && p.target_modules !== 'all-linear') compileTargetPattern(p.target_modules, where, 'target_modules');
  const target: TargetOptions = { targetModules: p.target_modules as string[] | string };
  if (p.layers_to_transform !== undefined && p.layers_to_transform !== null) target.layersToTransform = p.layers_to_transform as number | number[];
  if (p.layers_pattern !== undefined && p.layers_pattern !== null) target.layersPattern = p.layers_pattern as string | string[];
  for (const [key, value] of Object.entries(p)) {
    if (used.has(key)) continue;
    if (key in INERT_FIELDS) {
      const neutral = INERT_FIELDS[key];
      if (neutral !== undefined && !sameJson(value, neutral)) warn(`${where}: "${key}" = ${JSON.stringify(value)} is not supported and is ignored`);
    } else {
      warn(`${where}: unknown key "${key}" ignored`);
    }
  }
  try {
    tuner.resolve(method);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
  return { ...method, ...target } as AdapterModelConfig;
}
