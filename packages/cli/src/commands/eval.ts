import { Option, type Command } from 'commander';
import { SPLITS } from '@smoa/datasets';
import { runEvaluation } from '@smoa/eval/node';
import { floatArg, intArg } from '../options/parse';
import { prepareOutputDir } from '../run/run-dir';
import { attachAdapters } from '../model/adapter';
import { configHook, describeBackend, loadModel, startBackend, withModelOptions } from './shared';

interface EvalOpts {
  model?: string;
  backend?: string;
  adapter: string[];
  adapterWeights?: string;
  validationSize: number;
  seed: number;
  task: string;
  split: 'train' | 'validation' | 'test';
  mode?: 'generate' | 'loglikelihood' | 'perplexity';
  limit?: number;
  batchSize: number;
  blockSize: number;
  maxNewTokens?: number;
  dataDir?: string;
  output?: string;
  overwrite: boolean;
}

export function registerEval(program: Command): void {
  const cmd = withModelOptions(program.command('eval').description('evaluate the model (with an adapter) on a task split'))
    .option('--adapter <dir>', 'adapter directory in PEFT layout (e.g. <run>/adapter); repeat it to apply several at once (their updates add up)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--adapter-weights <list>', 'not supported: several adapters are applied at weight 1 each (merge weighted adapters with your own code)')
    .requiredOption('--task <name>', 'task from @smoa/datasets (e.g. tinyshakespeare, boolq, piqa, gsm8k)')
    .addOption(new Option('--split <name>', 'split to evaluate').choices([...SPLITS]).default('test'))
    .addOption(new Option('--mode <mode>', 'how to score (default: perplexity for text corpora, else generate)').choices(['generate', 'loglikelihood', 'perplexity']))
    .option('--limit <n>', 'evaluate the first n examples only', intArg(1))
    .option('--batch-size <n>', 'sequences per forward pass', intArg(1), 8)
    .option('--block-size <n>', 'perplexity: tokens per block', intArg(2), 128)
    .option('--max-new-tokens <n>', 'generate: new tokens per example', intArg(1))
    .option('--data-dir <dir>', 'directory holding task files (files it lacks come from @smoa/data)')
    .option('--validation-size <n>', '--split validation: examples carved from the training split, as `smoa train` carved them', floatArg(0), 64)
    .option('--seed <n>', '--split validation: the seed `smoa train` carved with', intArg(0), 0)
    .option('--output <dir>', 'write predictions.jsonl and summary.json here')
    .option('--overwrite', 'replace --output if it exists', false);
  configHook(cmd).action(async (opts: EvalOpts) => {
    if (opts.adapterWeights !== undefined) {
      throw new Error('--adapter-weights is not supported: several --adapter flags are applied at weight 1 each (their updates add up); to weight them, scale and merge them in code with @smoa/adapters');
    }
    const out = opts.output ? await prepareOutputDir(opts.output, { overwrite: opts.overwrite, flag: '--output' }) : undefined;
    const info = await startBackend(opts.backend);
    process.stderr.write(describeBackend(info) + '\n');
    const { model, tokenizerRequired, dir } = await loadModel(opts.model);
    const evaluated = opts.adapter.length > 0 ? await attachAdapters(model, opts.adapter, dir) : undefined;
    const result = await runEvaluation({
      model,
      tokenizer: tokenizerRequired,
      task: opts.task,
      split: opts.split,
      validationSplit: { size: opts.validationSize, seed: opts.seed },
      ...(opts.mode ? { mode: opts.mode } : {}),
      ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
      ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
      ...(out ? { outDir: out } : {}),
      batchSize: opts.batchSize,
      blockSize: opts.blockSize,
      ...(opts.maxNewTokens !== undefined ? { generation: { maxNewTokens: opts.maxNewTokens } } : {}),
    });
    const s = result.summary;
    const metrics = Object.entries(s.metrics)
      .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`)
      .join(', ');
    process.stdout.write(
      `${s.task} ${s.split ?? ''} (${s.mode}, ${s.numExamples} examples${evaluated ? `, adapter ${opts.adapter.join(' + ')}` : ', base model'}): ${metrics}\n` +
        (out ? `results: ${out}\n` : ''),
    );
  });
}
