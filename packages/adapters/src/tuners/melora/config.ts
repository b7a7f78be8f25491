import { optional, readCommonPeft } from '../shared/peft';
import { checkPositiveInt, resolveCommon } from '../shared/validate';
import type { CommonAdapterOptions } from '../types';

export interface MELoRAConfig extends CommonAdapterOptions {
  method: 'melora';
  /** Number of mini LoRAs on the diagonal (required). */
  numBlocks: number;
}

export type ResolvedMELoRAConfig = Required<MELoRAConfig>;

const WHERE = 'MELoRA config';

export function resolveMELoRAConfig(c: MELoRAConfig): ResolvedMELoRAConfig {
  return { method: 'melora', ...resolveCommon(WHERE, c), numBlocks: checkPositiveInt(WHERE, 'numBlocks', c.numBlocks) };
}

export const meloraToPeft = (c: MELoRAConfig): Record<string, unknown> => ({ num_blocks: c.numBlocks });

export function meloraFromPeft(p: Record<string, unknown>, used: Set<string>): MELoRAConfig {
  return { method: 'melora', ...readCommonPeft(p, used), numBlocks: optional<number>(p, 'num_blocks', used) as number };
}
