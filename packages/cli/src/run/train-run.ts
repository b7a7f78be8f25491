import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AdapterModelConfig } from '@smoa/adapters';
import { loadLlama } from '@smoa/llama/node';
import { prepareModel, train, type TrainConfig, type TrainResult, type TrainingMode } from '@smoa/train';
import { DirectoryCheckpointStore, interruptOnSigint } from '@smoa/train/node';
import { prepareTaskData } from '../data/task-data';
import { saveAdapterDir } from '../model/adapter';
import { TrainProgress } from '../progress/train-progress';
import { MetricsLog } from './metrics-log';
import { prepareOutputDir } from './run-dir';

export interface TrainRunOptions {
  modelDir: string;
  task: string;
  dataDir?: string;
  /** An adapter config, or 'full' / 'none'. */
  mode: { kind: 'adapter'; adapter: AdapterModelConfig } | { kind: 'full' } | { kind: 'none' };
  train: Partial<TrainConfig>;
  cutoffLength: number;
  validationSize: number;
  maxTrainExamples?: number;
  output: string;
  overwrite?: boolean;
  resume?: boolean;
  /** Where progress goes (default stderr). */
  progressStream?: NodeJS.WriteStream;
}

export interface TrainRunResult extends TrainResult {
  runDir: string;
  numTrainable: number;
  /** The best (or, without validation, the last) adapter in PEFT layout. */
  adapterDir?: string;
  plotPath: string;
  metricsPath: string;
}

/**
 * What `smoa train` does, callable from code (the demo uses it): loads the model and task, attaches
 * the adapter, trains with checkpoints, metrics.jsonl and loss.svg in the run directory, and leaves
 * the best adapter in <run>/adapter.
 */
export async function runTraining(o: TrainRunOptions): Promise<TrainRunResult> {
  if (o.mode.kind === 'none') throw new Error('--method none trains nothing; use `smoa eval` to evaluate the base model');
  const runDir = prepareOutputDir(o.output, { overwrite: o.overwrite, resume: o.resume });
  const { model, tokenizer } = await loadLlama(o.modelDir);
  if (!tokenizer) throw new Error(`--model ${o.modelDir}: has no tokenizer.json; training needs the tokenizer`);
  const data = await prepareTaskData(o.task, tokenizer, {
    cutoffLength: o.cutoffLength,
    validationSize: o.validationSize,
    seed: o.train.seed ?? 0,
    ...(o.maxTrainExamples !== undefined ? { maxTrainExamples: o.maxTrainExamples } : {}),
    ...(o.dataDir ? { dataDir: o.dataDir } : {}),
  });
  // The run's seed also fixes the adapter's initialisation, so the same command repeats.
  const mode: TrainingMode = o.mode.kind === 'adapter' ? { ...o.mode, seed: o.train.seed ?? 0 } : o.mode;
  const prepared = prepareModel(model, mode);
  const numTrainable = prepared.numTrainable;
  await writeFile(
    join(runDir, o.resume ? 'run.resumed.json' : 'run.json'),
    JSON.stringify({ ...o, progressStream: undefined, numTrainable, trainExamples: data.train.length, validationExamples: data.validation.length }, null, 2) + '\n',
  );
  const metrics = new MetricsLog(runDir, !!o.resume);
  const exportModel = prepared.adapters ? (dir: string) => saveAdapterDir(prepared.adapters!, join(dir, 'adapter')) : undefined;
  const store = new DirectoryCheckpointStore(join(runDir, 'checkpoints'), exportModel ? { exportModel } : {});
  const maxSteps = o.train.maxSteps ?? 100;
  const progress = new TrainProgress(maxSteps, 0, o.progressStream ?? process.stderr);
  progress.log(`${data.task.name}: ${data.train.length} training and ${data.validation.length} validation sequences; ${numTrainable.toLocaleString('en-US')} trainable parameters`);
  const interrupt = interruptOnSigint(() => progress.log('Ctrl-C: finishing this step and saving a checkpoint (press again to quit at once)'));
  let result: TrainResult;
  try {
    result = await train({
      model: prepared,
      train: data.train,
      validation: data.validation,
      config: o.train,
      store,
      resume: !!o.resume,
      signal: interrupt.signal,
      onEvent: async (e) => {
        metrics.write(e as unknown as Record<string, unknown>);
        if (e.type === 'step') progress.step(e.step, e.loss, e.inputTokens, e.elapsedMs);
        if (e.type === 'eval') {
          progress.log(`step ${e.step}: validation loss ${e.loss.toFixed(4)} (perplexity ${e.perplexity.toFixed(2)})${e.isBest ? ' best so far' : ''}`);
          await metrics.plot(`${data.task.name}: ${o.mode.kind === 'adapter' ? o.mode.adapter.method : o.mode.kind}`);
        }
      },
    });
  } finally {
    interrupt.dispose();
    progress.stop();
  }
  const plotPath = await metrics.plot(`${data.task.name}: ${o.mode.kind === 'adapter' ? o.mode.adapter.method : o.mode.kind}`);
  let adapterDir: string | undefined;
  if (exportModel) {
    const from = (await store.dirFor('best')) ?? (await store.dirFor('last'));
    if (from) {
      adapterDir = join(runDir, 'adapter');
      await cp(join(from, 'adapter'), adapterDir, { recursive: true, force: true });
    }
  }
  return { ...result, runDir, numTrainable, ...(adapterDir ? { adapterDir } : {}), plotPath, metricsPath: metrics.path };
}
