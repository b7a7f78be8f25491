import { InvalidArgumentError, Option, type Command } from 'commander';
import { ADAPTER_METHODS, type AdapterModelConfig } from '@smoa/adapters';
import { floatArg, intArg, listArg } from '../options/parse';

export interface AdapterFlags {
  method: string;
  r: number;
  alpha?: number;
  dropout: number;
  numBlocks: number;
  targetModules: string[];
  rslora?: boolean;
  init?: 'kaiming' | 'gaussian' | 'pissa';
  partition?: 'blocks' | 'subspaces';
  branchRanks?: number[];
}

export const DEFAULT_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];

/** Which methods take each variant flag (a flag given for another method is an error, not ignored). */
const VARIANTS = {
  rslora: { flag: '--rslora', methods: ['lora', 'dora'] },
  init: { flag: '--init', methods: ['lora'] },
  partition: { flag: '--partition', methods: ['smoa'] },
  branchRanks: { flag: '--branch-ranks', methods: ['smoa'] },
} as const;

function ranksArg(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const ranks = parts.map(Number);
  if (parts.length === 0 || parts.some((p) => p === '') || ranks.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new InvalidArgumentError(`expected comma-separated non-negative integers (one rank per block, summing to --r), got "${value}"`);
  }
  return ranks;
}

/** --method, --r, --alpha, --dropout, --num-blocks, --target-modules and the variants (--rslora, --init, --partition, --branch-ranks). */
export function withAdapterOptions(cmd: Command, methods: readonly string[]): Command {
  return cmd
    .addOption(new Option('--method <name>', 'what to train: an adapter method, or full fine-tuning').choices([...methods]).default('smoa'))
    .option('--r <n>', 'adapter rank budget r', intArg(1), 8)
    .option('--alpha <n>', 'scaling numerator, the update is scaled by alpha / r (default: r)', floatArg(0))
    .option('--dropout <p>', 'adapter input dropout while training', floatArg(0, 1, false), 0)
    .option('--num-blocks <k>', 'SMoA / MELoRA: number of blocks K', intArg(1), 2)
    .option('--target-modules <list>', 'comma-separated projection names, or all-linear', listArg, DEFAULT_TARGETS)
    .option('--rslora', 'LoRA / DoRA: scale by alpha / sqrt(r) (rank-stabilised) instead of alpha / r')
    .addOption(new Option('--init <kind>', 'LoRA: initialisation (kaiming: A kaiming-uniform, B zero; gaussian; pissa: top-r singular triplets of W)').choices(['kaiming', 'gaussian', 'pissa']))
    .addOption(new Option('--partition <kind>', 'SMoA: split into blocks (the authors\' code) or subspaces (the earlier paper)').choices(['blocks', 'subspaces']))
    .option('--branch-ranks <list>', 'SMoA: rank of each block, comma-separated, summing to --r (e.g. 3,2,2 with --num-blocks 3 --r 7)', ranksArg);
}

export const TRAIN_METHODS = [...ADAPTER_METHODS, 'full'] as const;

export function adapterConfigFrom(f: AdapterFlags): AdapterModelConfig {
  for (const [key, v] of Object.entries(VARIANTS)) {
    const given = f[key as keyof typeof VARIANTS];
    if (given !== undefined && !(v.methods as readonly string[]).includes(f.method)) {
      throw new Error(`${v.flag} applies to --method ${v.methods.join(' or ')}, not ${f.method}`);
    }
  }
  const targetModules = f.targetModules.length === 1 && f.targetModules[0] === 'all-linear' ? 'all-linear' : f.targetModules;
  const common = { r: f.r, ...(f.alpha !== undefined ? { alpha: f.alpha } : {}), dropout: f.dropout, targetModules };
  const withBlocks = f.method === 'smoa' || f.method === 'melora' ? { numBlocks: f.numBlocks } : {};
  const variants = {
    ...(f.rslora !== undefined ? { rslora: f.rslora } : {}),
    ...(f.init !== undefined ? { init: f.init === 'kaiming' ? 'default' : f.init } : {}),
    ...(f.partition !== undefined ? { partition: f.partition } : {}),
    ...(f.branchRanks !== undefined ? { branchRanks: f.branchRanks } : {}),
  };
  if (f.branchRanks !== undefined) {
    const sum = f.branchRanks.reduce((a, b) => a + b, 0);
    if (f.branchRanks.length !== f.numBlocks) throw new Error(`--branch-ranks has ${f.branchRanks.length} ranks but --num-blocks is ${f.numBlocks}`);
    if (sum !== f.r) throw new Error(`--branch-ranks ${f.branchRanks.join(',')} sums to ${sum} but --r is ${f.r}`);
  }
  return { method: f.method, ...common, ...withBlocks, ...variants } as AdapterModelConfig;
}
