import { Option, type Command } from 'commander';
import { SPLITS } from '@smoa/datasets';
import { runEvaluation } from '@smoa/eval/node';
import { intArg } from '../options/parse';
import { prepareOutputDir } from '../run/run-dir';
import { attachAdapter } from '../model/adapter';
import { configHook, describeBackend, loadModel, startBackend, withModelOptions } from './shared';

interface EvalOpts {
  model?: string;
  backend?: string;
  adapter?: string;
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
    .option('--adapter <dir>', 'adapter directory in PEFT layout (e.g. <run>/adapter)')
    .requiredOption('--task <name>', 'task from @smoa/datasets (e.g. tinyshakespeare, boolq, piqa, gsm8k)')
    .addOption(new Option('--split <name>', 'split to evaluate').choices([...SPLITS]).default('test'))
    .addOption(new Option('--mode <mode>', 'how to score (default: perplexity for text corpora, else generate)').choices(['generate', 'loglikelihood', 'perplexity']))
    .option('--limit <n>', 'evaluate the first n examples only', intArg(1))
    .option('--batch-size <n>', 'sequences per forward pass', intArg(1), 8)
    .option('--block-size <n>', 'perplexity: tokens per block', intArg(2), 128)
    .option('--max-new-tokens <n>', 'generate: new tokens per example', intArg(1))
    .option('--data-dir <dir>', 'directory holding the task files instead of the vendored data')
    .option('--output <dir>', 'write predictions.jsonl and summary.json here')
    .option('--overwrite', 'replace --output if it exists', false);
  configHook(cmd).action(async (opts: EvalOpts) => {
    const out = opts.output ? await prepareOutputDir(opts.output, { overwrite: opts.overwrite, flag: '--output' }) : undefined;
    const info = await startBackend(opts.backend);
    process.stderr.write(describeBackend(info) + '\n');
    const { model, tokenizerRequired, dir } = await loadModel(opts.model);
    const evaluated = opts.adapter ? await attachAdapter(model, opts.adapter, dir) : undefined;
    const result = await runEvaluation({
      model,
      tokenizer: tokenizerRequired,
      task: opts.task,
      split: opts.split,
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
      `${s.task} ${s.split ?? ''} (${s.mode}, ${s.numExamples} examples${evaluated ? `, adapter ${opts.adapter}` : ', base model'}): ${metrics}\n` +
        (out ? `results: ${out}\n` : ''),
    );
  });
}
