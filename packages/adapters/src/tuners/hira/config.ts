import { optional, readCommonPeft } from '../shared/peft';
import { resolveCommon } from '../shared/validate';
import type { CommonAdapterOptions } from '../types';

export interface HiRAConfig extends CommonAdapterOptions {
  method: 'hira';
}

export type ResolvedHiRAConfig = Required<HiRAConfig>;

export const resolveHiRAConfig = (c: HiRAConfig): ResolvedHiRAConfig => ({ method: 'hira', ...resolveCommon('HiRA config', c) });

/** PEFT's HiraConfig: hira_dropout and init_weights, no lora_alpha (folded into hira_B, see HiRALayer.peftState). */
export const hiraToPeft = (config: HiRAConfig): Record<string, unknown> => ({
  hira_dropout: resolveHiRAConfig(config).dropout,
  init_weights: true,
  lora_alpha: undefined,
  lora_dropout: undefined,
});

/** PEFT's layout has hira_dropout; our 0.1 files had lora_alpha / lora_dropout (read as they were). */
export function hiraFromPeft(p: Record<string, unknown>, used: Set<string>): HiRAConfig {
  const c: HiRAConfig = { method: 'hira', ...readCommonPeft(p, used) };
  const dropout = optional<number>(p, 'hira_dropout', used);
  if (dropout !== undefined) c.dropout = dropout;
  used.add('init_weights');
  return c;
}
