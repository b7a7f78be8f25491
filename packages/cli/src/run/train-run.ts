import type { AdapterModelConfig } from '@smoa/adapters';
import { loadLlama } from '@smoa/llama/node';
import type { ConfigChange, TrainConfig, TrainResult } from '@smoa/train';
import { fineTune, interruptOnSignals, METRICS_FILE, signalExitCode } from '@smoa/train/node';
import { join } from 'node:path';
import { prepareTaskData } from '@smoa/datasets/node';
import { plotRun } from '../plot/metrics-plot';
import { TrainProgress } from '../progress/train-progress';
import { downloadProgress } from '../progress/download-progress';
import { checkTrainOutput } from './run-dir';

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
  /** How a changed setting is named in the resume warning (the CLI: its flag). */
  flagOf?: (field: string) => string;
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
  /** Process exit code: 0 completed, 130/143 interrupted by SIGINT/SIGTERM, 1 a failed run. */
  exitCode: number;
}

/**
 * What `smoa train` does around the library's fineTune: checks --output before anything slow, loads
 * the model and the task data, shows progress, warns about settings a --resume changed, stops cleanly
 * on Ctrl-C or SIGTERM, and draws loss.svg.
 */
export async function runTraining(o: TrainRunOptions): Promise<TrainRunResult> {
  if (o.mode.kind === 'none') throw new Error('--method none trains nothing; use `smoa eval` to evaluate the base model');
  const mode = o.mode;
  const runDir = await checkTrainOutput(o.output, { overwrite: !!o.overwrite, resume: !!o.resume });
  const { model, tokenizer } = await loadLlama(o.modelDir, { onProgress: downloadProgress() });
  if (!tokenizer) throw new Error(`--model ${o.modelDir}: has no tokenizer.json; training needs the tokenizer`);
  const data = await prepareTaskData(o.task, tokenizer, {
    cutoffLength: o.cutoffLength,
    validationSize: o.validationSize,
    seed: o.train.seed ?? 0,
    ...(o.maxTrainExamples !== undefined ? { maxTrainExamples: o.maxTrainExamples } : {}),
    ...(o.dataDir ? { dataDir: o.dataDir } : {}),
  });
  const title = `${data.task.name}: ${mode.kind === 'adapter' ? mode.adapter.method : mode.kind}`;
  const metricsPath = join(runDir, METRICS_FILE);
  const progress = new TrainProgress(o.train.maxSteps ?? 100, 0, o.progressStream ?? process.stderr);
  progress.log(`${data.task.name}: ${data.train.length} training and ${data.validation.length} validation sequences`);
  const interrupt = interruptOnSignals((signal) => progress.log(`${signal === 'SIGINT' ? 'Ctrl-C' : signal}: finishing this step and saving a checkpoint (send it again to quit at once)`));
  try {
    const result = await fineTune({
      model,
      data,
      mode,
      config: o.train,
      runDir,
      overwrite: !!o.overwrite,
      resume: !!o.resume,
      names: { dir: '--output', overwrite: '--overwrite', resume: '--resume' },
      info: {
        model: o.modelDir,
        task: data.task.name,
        cutoffLength: o.cutoffLength,
        validationSize: o.validationSize,
        ...(o.maxTrainExamples !== undefined ? { maxTrainExamples: o.maxTrainExamples } : {}),
        ...(o.dataDir ? { dataDir: o.dataDir } : {}),
      },
      signal: interrupt.signal,
      onEvent: async (e) => {
        if (e.type === 'resume') {
          progress.log(`resuming from step ${e.step}`);
          if (e.changed.length > 0) progress.log(`warning: --resume with changed settings: ${describeChanges(e.changed, o.flagOf)}; recorded in run.json`);
        }
        if (e.type === 'step') progress.step(e.step, e.loss, e.inputTokens, e.elapsedMs);
        if (e.type === 'eval') {
          progress.log(`step ${e.step}: validation loss ${e.loss.toFixed(4)} (perplexity ${e.perplexity.toFixed(2)})${e.isBest ? ' best so far' : ''}`);
          await plotRun(runDir, metricsPath, title);
        }
      },
    });
    const plotPath = await plotRun(runDir, metricsPath, title);
    const received = interrupt.received();
    const exitCode = result.reason === 'completed' ? 0 : result.reason === 'interrupted' ? signalExitCode(received ?? 'SIGINT') : 1;
    const { model: trained, ...rest } = result;
    trained.adapters?.dispose();
    return { ...rest, plotPath, exitCode };
  } finally {
    interrupt.dispose();
    progress.stop();
    model.dispose();
  }
}

function describeChanges(changes: ConfigChange[], flagOf: (field: string) => string = (f) => f): string {
  return changes.map((c) => `${flagOf(c.field)} ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`).join(', ');
}
