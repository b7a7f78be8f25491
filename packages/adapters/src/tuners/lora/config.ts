import { checkBoolean, checkOneOf, resolveCommon } from '../shared/validate';
import { optional, readCommonPeft } from '../shared/peft';
import type { CommonAdapterOptions } from '../types';

export const LORA_INITS = ['default', 'gaussian', 'pissa'] as const;

export interface LoRAConfig extends CommonAdapterOptions {
  method: 'lora';
  /** Scale by alpha / sqrt(r) instead of alpha / r. */
  rslora?: boolean;
  /** 'default' (A kaiming-uniform, B zero), 'gaussian' (A ~ N(0, 1/r)), 'pissa' (top-r singular triplets of W). */
  init?: 'default' | 'gaussian' | 'pissa';
}

export type ResolvedLoRAConfig = Required<LoRAConfig>;

export function resolveLoRAConfig(c: LoRAConfig): ResolvedLoRAConfig {
  const where = 'LoRA config';
  return {
    method: 'lora',
    ...resolveCommon(where, c),
    rslora: c.rslora === undefined ? false : checkBoolean(where, 'rslora', c.rslora),
    init: c.init === undefined ? 'default' : checkOneOf(where, 'init', c.init, LORA_INITS),
  };
}

/** PEFT writes init_lora_weights as true (default), "gaussian" or "pissa". */
export function loraToPeft(c: ResolvedLoRAConfig): Record<string, unknown> {
  return { use_rslora: c.rslora, use_dora: false, init_lora_weights: c.init === 'default' ? true : c.init };
}

/** The r / alpha / dropout / rsLoRA fields LoRA and DoRA share. */
export function readLoRAFields(p: Record<string, unknown>, used: Set<string>): { r: number; alpha?: number; dropout?: number; rslora?: boolean } {
  for (const k of ['use_dora', 'init_lora_weights']) used.add(k);
  const rslora = optional<boolean>(p, 'use_rslora', used);
  return { ...readCommonPeft(p, used), ...(rslora === undefined ? {} : { rslora }) };
}

export function loraFromPeft(p: Record<string, unknown>, used: Set<string>): LoRAConfig {
  const init = p.init_lora_weights;
  const c: LoRAConfig = { method: 'lora', ...readLoRAFields(p, used) };
  if (init === 'gaussian' || init === 'pissa') c.init = init;
  else if (typeof init === 'string' && init.startsWith('pissa')) c.init = 'pissa';
  return c;
}
