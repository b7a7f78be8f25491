import { checkOneOf, checkPositiveInt, resolveCommon } from '../shared/validate';
import { optional, readCommonPeft } from '../shared/peft';
import type { CommonAdapterOptions } from '../types';

export const SMOA_PARTITIONS = ['blocks', 'subspaces'] as const;

export interface SMoAConfig extends CommonAdapterOptions {
  method: 'smoa';
  /** Number of blocks / subspaces K (default 2). */
  numBlocks?: number;
  /** Rank of each block, K non-negative integers summing to r (default: r split as evenly as possible). */
  branchRanks?: number[];
  /** 'blocks' (default, the authors' code) or 'subspaces' (the earlier paper). */
  partition?: 'blocks' | 'subspaces';
}

export type ResolvedSMoAConfig = Required<Omit<SMoAConfig, 'branchRanks'>> & { branchRanks?: number[] };

const WHERE = 'SMoA config';

/** Shape-free checks; numBlocks against the weight's size and branchRanks happen when the layer is built. */
export function resolveSMoAConfig(c: SMoAConfig): ResolvedSMoAConfig {
  const common = resolveCommon(WHERE, c);
  const numBlocks = c.numBlocks === undefined ? 2 : checkPositiveInt(WHERE, 'numBlocks', c.numBlocks);
  const partition = c.partition === undefined ? 'blocks' : checkOneOf(WHERE, 'partition', c.partition, SMOA_PARTITIONS);
  return { method: 'smoa', ...common, numBlocks, partition, ...(c.branchRanks === undefined || c.branchRanks === null ? {} : { branchRanks: c.branchRanks }) };
}

export function smoaToPeft(c: ResolvedSMoAConfig): Record<string, unknown> {
  return { num_blocks: c.numBlocks, branch_ranks: c.branchRanks ?? null, partition: c.partition };
}

export function smoaFromPeft(p: Record<string, unknown>, used: Set<string>): SMoAConfig {
  const c: SMoAConfig = { method: 'smoa', ...readCommonPeft(p, used) };
  const numBlocks = optional<number>(p, 'num_blocks', used);
  const branchRanks = optional<number[]>(p, 'branch_ranks', used);
  const partition = optional<'blocks' | 'subspaces'>(p, 'partition', used);
  if (numBlocks !== undefined) c.numBlocks = numBlocks;
  if (branchRanks !== undefined) c.branchRanks = branchRanks;
  if (partition !== undefined) c.partition = partition;
  return c;
}

