import { Option, type Command } from 'commander';
import { DECAY_KINDS, type TrainConfig } from '@smoa/train';
import { floatArg, intArg } from '../options/parse';
import { CLI_DATA_DEFAULTS, CLI_TRAIN_DEFAULTS } from '../run/train-defaults';
import { runTraining } from '../run/train-run';
import { adapterConfigFrom, TRAIN_METHODS, withAdapterOptions, type AdapterFlags } from './adapter-options';
import { configHook, describeBackend, modelDirFrom, startBackend, withModelOptions } from './shared';

interface TrainOpts extends AdapterFlags {
  model?: string;
  backend?: string;
  task: string;
  dataDir?: string;
  output: string;
  overwrite: boolean;
  resume: boolean;
  maxSteps: number;
  batchSize: number;
  gradAccum: number;
  lr: number;
  warmupSteps: number;
  decay: 'linear' | 'cosine' | 'constant';
  weightDecay: number;
  maxGradNorm: number;
  evalEvery: number;
  checkpointEvery: number;
  checkpointActivations: boolean;
  seed: number;
  cutoffLength: number;
  validationSize: number;
  maxTrainExamples?: number;
}

/** The flag of each trainer setting `smoa train` exposes (the resume warning names changes by flag). */
const FLAG_OF: Partial<Record<keyof TrainConfig, string>> = {
  maxSteps: '--max-steps',
  batchSize: '--batch-size',
  gradientAccumulationSteps: '--grad-accum',
  learningRate: '--lr',
  warmupSteps: '--warmup-steps',
  decay: '--decay',
  weightDecay: '--weight-decay',
  maxGradNorm: '--max-grad-norm',
  evalEvery: '--eval-every',
  checkpointEvery: '--checkpoint-every',
  checkpointActivations: '--checkpoint-activations',
  seed: '--seed',
};

export function registerTrain(program: Command): void {
  const d = CLI_TRAIN_DEFAULTS;
  let cmd = withModelOptions(program.command('train').description('fine-tune the model on a task with an adapter (or fully); writes a run directory'));
  cmd = withAdapterOptions(cmd, TRAIN_METHODS)
    .option('--task <name>', 'task from @smoa/datasets (e.g. tinyshakespeare, boolq, ARC-Easy, gsm8k)', 'tinyshakespeare')
    .option('--data-dir <dir>', 'directory holding the task files instead of the vendored data')
    .requiredOption('--output <dir>', 'run directory (metrics.jsonl, loss.svg, checkpoints/, adapter/)')
    .option('--overwrite', 'replace --output if it exists', false)
    .option('--resume', 'continue the run in --output from its last checkpoint (changed settings such as --lr are warned about and recorded in run.json)', false)
    .option('--max-steps <n>', 'optimizer steps', intArg(1), d.maxSteps)
    .option('--batch-size <n>', 'sequences per micro-batch', intArg(1), d.batchSize)
    .option('--grad-accum <n>', 'micro-batches per optimizer step', intArg(1), d.gradientAccumulationSteps)
    .option('--lr <x>', 'peak learning rate', floatArg(0), d.learningRate)
    .option('--warmup-steps <n>', 'linear warmup steps', intArg(0), d.warmupSteps)
    .addOption(new Option('--decay <kind>', 'learning-rate decay after warmup').choices([...DECAY_KINDS]).default(d.decay))
    .option('--weight-decay <x>', 'AdamW decoupled weight decay', floatArg(0), d.weightDecay)
    .option('--max-grad-norm <x>', 'clip gradients to this global norm (0: off)', floatArg(0), d.maxGradNorm)
    .option('--eval-every <n>', 'validate every n steps (0: only at the end)', intArg(0), d.evalEvery)
    .option('--checkpoint-every <n>', 'save a resumable checkpoint every n steps (0: only at the end)', intArg(0), d.checkpointEvery)
    .option('--checkpoint-activations', 'recompute each decoder layer in backward instead of keeping its activations (real model sizes on wasm; slower)', false)
    .option('--seed <n>', 'seed for data order, validation split, adapter init and dropout (a --resume must keep it)', intArg(0), d.seed)
    .option('--cutoff-length <n>', 'tokens per training sequence (block size for text corpora)', intArg(2), CLI_DATA_DEFAULTS.cutoffLength)
    .option('--validation-size <n>', 'validation examples carved from the training split (count, or a fraction < 1)', floatArg(0), CLI_DATA_DEFAULTS.validationSize)
    .option('--max-train-examples <n>', 'use only the first n training sequences', intArg(1));
  configHook(cmd).action(async (opts: TrainOpts) => {
    const info = await startBackend(opts.backend);
    process.stderr.write(describeBackend(info) + '\n');
    const r = await runTraining({
      modelDir: modelDirFrom(opts.model),
      task: opts.task,
      ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
      mode: opts.method === 'full' ? { kind: 'full' } : { kind: 'adapter', adapter: adapterConfigFrom(opts) },
      train: {
        maxSteps: opts.maxSteps,
        batchSize: opts.batchSize,
        gradientAccumulationSteps: opts.gradAccum,
        learningRate: opts.lr,
        warmupSteps: opts.warmupSteps,
        decay: opts.decay,
        weightDecay: opts.weightDecay,
        maxGradNorm: opts.maxGradNorm,
        evalEvery: opts.evalEvery,
        checkpointEvery: opts.checkpointEvery,
        checkpointActivations: opts.checkpointActivations,
        seed: opts.seed,
      },
      cutoffLength: opts.cutoffLength,
      validationSize: opts.validationSize,
      ...(opts.maxTrainExamples !== undefined ? { maxTrainExamples: opts.maxTrainExamples } : {}),
      output: opts.output,
      overwrite: opts.overwrite,
      resume: opts.resume,
      flagOf: (field) => FLAG_OF[field as keyof TrainConfig] ?? field,
    });
    const lines = [
      `${r.reason}: ${r.message}`,
      `${r.numTrainable.toLocaleString('en-US')} trainable parameters`,
      r.lastValidation ? `validation loss ${r.lastValidation.loss.toFixed(4)}, perplexity ${r.lastValidation.perplexity.toFixed(2)} at step ${r.lastValidation.step}` : undefined,
      r.best ? `best checkpoint: step ${r.best.step} (validation loss ${r.best.score.toFixed(4)})` : undefined,
      r.adapterDir ? `adapter (PEFT layout): ${r.adapterDir}` : undefined,
      `metrics: ${r.metricsPath}`,
      `loss plot: ${r.plotPath}`,
    ].filter(Boolean);
    process.stdout.write(lines.join('\n') + '\n');
    process.exitCode = r.exitCode;
  });
}
