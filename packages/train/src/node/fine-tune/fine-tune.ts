import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { saveAdapter } from '@smoa/adapters/node';
import type { TrainExample } from '../../data/example';
import { prepareModel, type AdaptableCausalLM, type PreparedModel, type TrainingMode } from '../../modes/prepare';
import { resolveTrainConfig, type TrainConfig } from '../../trainer/config';
import type { TrainEvent } from '../../trainer/events';
import { train, type TrainResult } from '../../trainer/train';
import type { TrainableCausalLM } from '../../trainer/model';
import { DirectoryCheckpointStore } from '../directory-store';
import { createStagingDir, recoverDirectory, replaceDirectory } from '../fs/swap';
import { MetricsFile } from './metrics-file';
import { prepareRunDir, type RunDirOptions } from './run-dir';
import { readRunRecord, RUN_FORMAT, writeRunRecord, type RunRecord } from './run-record';

export const CHECKPOINTS_DIR = 'checkpoints';
export const ADAPTER_DIR = 'adapter';

export interface FineTuneOptions {
  /** The base model (e.g. @smoa/llama's LlamaForCausalLM); `mode` decides what of it is trained. */
  model: AdaptableCausalLM;
  /** Token sequences; validation picks the best checkpoint (never pass the test split). */
  data: { train: readonly TrainExample[]; validation?: readonly TrainExample[] };
  /** An adapter (any @smoa/adapters method) or full fine-tuning. Its seed defaults to config.seed. */
  mode: Exclude<TrainingMode, { kind: 'none' }>;
  /** Trainer settings over DEFAULT_TRAIN_CONFIG. */
  config?: Partial<TrainConfig>;
  /** The run directory: run.json, metrics.jsonl, checkpoints/ and, with an adapter, adapter/ (the best). */
  runDir: string;
  /** Replace a run directory that is not empty. */
  overwrite?: boolean;
  /** Continue the run in runDir from its last checkpoint (changed settings are reported and recorded). */
  resume?: boolean;
  /** How errors about runDir name it and the two switches (the CLI: --output, --overwrite, --resume). */
  names?: RunDirOptions['names'];
  /** Recorded in run.json as `info` (e.g. the task, the model's path). */
  info?: Record<string, unknown>;
  /** Computes the metric named in config.selectBy on the validation data. */
  metric?: (model: TrainableCausalLM) => number | Promise<number>;
  /** Aborting stops after the current step with a checkpoint (interruptOnSignals gives one for Ctrl-C and SIGTERM). */
  signal?: AbortSignal;
  /** Every trainer event, after it is written to metrics.jsonl. */
  onEvent?: (event: TrainEvent) => void | Promise<void>;
}

export interface FineTuneResult extends TrainResult {
  runDir: string;
  /** The trained model (adapter attached, in evaluation mode). */
  model: PreparedModel;
  numTrainable: number;
  metricsPath: string;
  checkpointsDir: string;
  /** <runDir>/adapter in PEFT layout: the best checkpoint's adapter (the last without validation). */
  adapterDir?: string;
}

/**
 * The fine-tuning pipeline: prepares `model` for `mode`, trains it on `data` and keeps everything in
 * `runDir`. Checkpoints are durable (fsynced before they count), a resume continues metrics.jsonl
 * without repeating steps, and <runDir>/adapter is replaced as a whole (a kill leaves the old or the
 * new folder, which the next run repairs). Leftovers of killed runs are cleaned when it starts.
 */
export async function fineTune(options: FineTuneOptions): Promise<FineTuneResult> {
  const mode = options.mode;
  if ((mode as TrainingMode).kind === 'none') throw new Error('fineTune: mode "none" trains nothing; evaluate the base model instead');
  const config = resolveTrainConfig(options.config);
  const runDir = await prepareRunDir(options.runDir, { overwrite: !!options.overwrite, resume: !!options.resume, ...(options.names ? { names: options.names } : {}) });
  const adapterDir = join(runDir, ADAPTER_DIR);
  await recoverDirectory(adapterDir);

  const prepared = prepareModel(options.model, mode.kind === 'adapter' ? { ...mode, seed: mode.seed ?? config.seed } : mode);
  const adapters = prepared.adapters;
  const exportModel = adapters
    ? async (dir: string) => {
        await saveAdapter(adapters, join(dir, ADAPTER_DIR));
      }
    : undefined;
  const checkpointsDir = join(runDir, CHECKPOINTS_DIR);
  const store = new DirectoryCheckpointStore(checkpointsDir, exportModel ? { exportModel } : {});
  await store.removeStale();

  const metrics = new MetricsFile(runDir);
  const info = options.info ?? {};
  let record: RunRecord | undefined;
  if (options.resume) {
    if (!(await store.dirFor('last'))) throw new Error(`${options.names?.dir ?? 'runDir'} ${runDir}: has no checkpoint to resume from (${checkpointsDir}/last is missing)`);
    record = await readRunRecord(runDir);
  } else {
    record = newRecord(config, prepared, options, new Date().toISOString());
    await writeRunRecord(runDir, record);
    await metrics.reset();
  }

  const result = await train({
    model: prepared,
    train: options.data.train,
    ...(options.data.validation ? { validation: options.data.validation } : {}),
    config,
    store,
    resume: !!options.resume,
    ...(options.metric ? { metric: options.metric } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onEvent: async (e) => {
      if (e.type === 'resume') {
        // Reached only once the checkpoint was accepted: a refused resume leaves the directory as it was.
        await metrics.truncateAfter(e.step);
        const resume = { time: new Date().toISOString(), step: e.step, changed: e.changed, config, info };
        // A run directory from an older version has no run.json: start one.
        const base = record ?? newRecord(config, prepared, options, resume.time);
        await writeRunRecord(runDir, { ...base, resumes: [...base.resumes, resume] });
      }
      await metrics.write(e as unknown as Record<string, unknown>);
      await options.onEvent?.(e);
    },
  });
  prepared.setTrainingMode?.(false);

  let written: string | undefined;
  if (exportModel) {
    const from = (await store.dirFor('best')) ?? (await store.dirFor('last'));
    if (from) {
      const staging = await createStagingDir(adapterDir);
      await cp(join(from, ADAPTER_DIR), staging, { recursive: true });
      await replaceDirectory(staging, adapterDir);
      written = adapterDir;
    }
  }
  return { ...result, runDir, model: prepared, numTrainable: prepared.numTrainable, metricsPath: metrics.path, checkpointsDir, ...(written ? { adapterDir: written } : {}) };
}

function newRecord(config: TrainConfig, prepared: PreparedModel, options: FineTuneOptions, created: string): RunRecord {
  return {
    format: RUN_FORMAT,
    version: 1,
    created,
    mode: options.mode,
    config,
    numTrainable: prepared.numTrainable,
    trainExamples: options.data.train.length,
    validationExamples: options.data.validation?.length ?? 0,
    info: options.info ?? {},
    resumes: [],
  };
}
