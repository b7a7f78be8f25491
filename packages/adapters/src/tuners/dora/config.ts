import { checkBoolean, resolveCommon } from '../shared/validate';
import type { CommonAdapterOptions } from '../types';
import { readLoRAFields } from '../lora/config';

export interface DoRAConfig extends CommonAdapterOptions {
  method: 'dora';
  rslora?: boolean;
}

export type ResolvedDoRAConfig = Required<DoRAConfig>;

export function resolveDoRAConfig(c: DoRAConfig): ResolvedDoRAConfig {
  const where = 'DoRA config';
  return { method: 'dora', ...resolveCommon(where, c), rslora: c.rslora === undefined ? false : checkBoolean(where, 'rslora', c.rslora) };
}

/** PEFT stores DoRA as a LoRA config with use_dora. */
export function doraToPeft(c: ResolvedDoRAConfig): Record<string, unknown> {
  return { use_rslora: c.rslora, use_dora: true, init_lora_weights: true };
}

export function doraFromPeft(p: Record<string, unknown>, used: Set<string>): DoRAConfig {
  return { method: 'dora', ...readLoRAFields(p, used) };
}
