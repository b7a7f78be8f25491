import { Option, type Command } from 'commander';
import { ADAPTER_METHODS, type AdapterModelConfig } from '@smoa/adapters';
import { floatArg, intArg, listArg } from '../options/parse';

export interface AdapterFlags {
  method: string;
  r: number;
  alpha?: number;
  dropout: number;
  numBlocks: number;
  targetModules: string[];
}

export const DEFAULT_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];

/** --method, --r, --alpha, --dropout, --num-blocks, --target-modules. */
export function withAdapterOptions(cmd: Command, methods: readonly string[]): Command {
  return cmd
    .addOption(new Option('--method <name>', 'what to train: an adapter method, or full fine-tuning').choices([...methods]).default('smoa'))
    .option('--r <n>', 'adapter rank budget r', intArg(1), 8)
    .option('--alpha <n>', 'scaling numerator, the update is scaled by alpha / r (default: r)', floatArg(0))
    .option('--dropout <p>', 'adapter input dropout while training', floatArg(0, 1, false), 0)
    .option('--num-blocks <k>', 'SMoA / MELoRA: number of blocks K', intArg(1), 2)
    .option('--target-modules <list>', 'comma-separated projection names, or all-linear', listArg, DEFAULT_TARGETS);
}

export const TRAIN_METHODS = [...ADAPTER_METHODS, 'full'] as const;

export function adapterConfigFrom(f: AdapterFlags): AdapterModelConfig {
  const targetModules = f.targetModules.length === 1 && f.targetModules[0] === 'all-linear' ? 'all-linear' : f.targetModules;
  const common = { r: f.r, ...(f.alpha !== undefined ? { alpha: f.alpha } : {}), dropout: f.dropout, targetModules };
  const withBlocks = f.method === 'smoa' || f.method === 'melora' ? { numBlocks: f.numBlocks } : {};
  return { method: f.method, ...common, ...withBlocks } as AdapterModelConfig;
}
