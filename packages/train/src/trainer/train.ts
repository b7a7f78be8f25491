import * as tf from '@tensorflow/tfjs-core';
import { batchTensors, disposeBatch } from '../data/batch';
import { DataCursor } from '../data/cursor';
import { validateExamples, type MaskedExample, type TrainExample } from '../data/example';
import { causalLmLossSum, scoredTokenCount } from '../loss/causal-lm-loss';
import { AdamW } from '../optim/adamw';
import { clipByGlobalNormAsync } from '../optim/clip';
import { SeededRng } from '../rng/seeded-rng';
import { learningRateAt } from '../schedule/lr-schedule';
import { captureCheckpointAsync, readVariables, restoreCheckpoint, TRAINER_STATE_FORMAT, type TrainerState, type TrainingCheckpoint } from '../checkpoint/payload';
import type { CheckpointStore, CheckpointTag } from '../checkpoint/store';
import { resolveTrainConfig, resumeChanges, RESUME_INVARIANT_FIELDS, type TrainConfig } from './config';
import { evaluateLossAsync, type LossReport } from './evaluate-loss';
import type { TrainEvent, TrainStopReason } from './events';
import type { TrainableCausalLM } from './model';

export interface TrainOptions {
  model: TrainableCausalLM;
  train: readonly TrainExample[];
  /** Validation split: evaluated every evalEvery steps; picks the best checkpoint. Never pass the test split. */
  validation?: readonly TrainExample[];
  config?: Partial<TrainConfig>;
  /** Where checkpoints go; without one the run keeps nothing on disk. */
  store?: CheckpointStore;
  /** true: continue from the store's "last" checkpoint; or a checkpoint to continue from. */
  resume?: boolean | TrainingCheckpoint;
  /** Computes the metric named in config.selectBy (on the validation split, never on test). */
  metric?: (model: TrainableCausalLM) => number | Promise<number>;
  /** Aborting stops the run after the current step and saves a "last" checkpoint. */
  signal?: AbortSignal;
  onEvent?: (event: TrainEvent) => void | Promise<void>;
}

export interface TrainResult {
  reason: TrainStopReason;
  message: string;
  /** Optimizer steps completed (counting those before a resume). */
  step: number;
  lastValidation?: LossReport & { step: number; metric?: number };
  best?: { step: number; score: number };
  /** Step of the newest "last" checkpoint this run wrote or resumed from, if any. */
  lastCheckpointStep?: number;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

// Every read of a tensor in the loop is asynchronous: on a GPU backend a synchronous read stalls the
// device, tfjs-backend-webgpu cannot do one under Node, and in Chromium on SwiftShader it lost the device.
function allFinite(values: readonly Float32Array[]): boolean {
  for (const data of values) {
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return false;
  }
  return true;
}

/**
 * Fine-tunes model.trainableVariables() with AdamW on the masked causal-LM loss: warmup and decay,
 * gradient accumulation, global-norm clipping, periodic validation, best and last checkpoints, resume,
 * and a clean stop on abort or on a non-finite loss (the last good checkpoint is never overwritten).
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const config = resolveTrainConfig(options.config);
  const { model, store } = options;
  const variables = model.trainableVariables();
  if (variables.length === 0) throw new Error('the model has no trainable variables: inject an adapter or choose full fine-tuning');
  if (config.checkpointActivations && !model.setActivationCheckpointing) {
    throw new Error('train config: checkpointActivations needs a model with setActivationCheckpointing() (@smoa/llama models have it)');
  }
  const trainSet = validateExamples(options.train, 'train', model.config.vocabSize);
  const validation = options.validation ? validateExamples(options.validation, 'validation', model.config.vocabSize) : undefined;
  if (config.selectBy !== 'loss' && !options.metric) {
    throw new Error(`train: selectBy names metric "${config.selectBy.metric}" but no metric function was given`);
  }
  const emit = async (e: TrainEvent) => {
    await options.onEvent?.(e);
  };

  const optimizer = new AdamW({
    learningRate: config.learningRate,
    beta1: config.beta1,
    beta2: config.beta2,
    epsilon: config.epsilon,
    weightDecay: config.weightDecay,
  });
  let rng = SeededRng.fromSeed(config.seed);
  const cursor = new DataCursor(options.train.length, config.seed, config.shuffle);
  let step = 0;
  let best: TrainResult['best'];
  let lastCheckpointStep: number | undefined;
  let lastValidation: TrainResult['lastValidation'];

  if (options.resume) {
    const checkpoint = options.resume === true ? await options.store?.load('last') : options.resume;
    if (!checkpoint) throw new Error('resume: no "last" checkpoint in the store to resume from');
    checkResumable(checkpoint.state, config, options.train.length);
    await restoreCheckpoint(checkpoint, variables, optimizer);
    step = checkpoint.state.step;
    cursor.position = { ...checkpoint.state.data };
    rng = SeededRng.fromState(checkpoint.state.rng);
    best = checkpoint.state.best;
    lastCheckpointStep = step;
    await emit({ type: 'resume', step, changed: resumeChanges(checkpoint.state.config, config) });
  }

  const state = (): TrainerState => ({
    format: TRAINER_STATE_FORMAT,
    version: 1,
    step,
    data: { ...cursor.position },
    rng: rng.state(),
    ...(best ? { best } : {}),
    config,
    trainExamples: options.train.length,
    variableNames: variables.map((v) => v.name),
  });
  const save = async (tag: CheckpointTag): Promise<boolean> => {
    if (!store) return true;
    // One readback of the variables serves both the finiteness check and the checkpoint.
    const values = await readVariables(variables);
    if (!allFinite(values)) return false;
    await store.save(await captureCheckpointAsync(variables, optimizer, state(), values), tag);
    if (tag === 'last') lastCheckpointStep = step;
    await emit({ type: 'checkpoint', step, tag });
    return true;
  };
  const finish = async (reason: TrainStopReason, message: string): Promise<TrainResult> => {
    await emit({ type: 'stop', step, reason, message });
    return { reason, message, step, ...(lastValidation ? { lastValidation } : {}), ...(best ? { best } : {}), ...(lastCheckpointStep !== undefined ? { lastCheckpointStep } : {}) };
  };
  const uniformLoss = Math.log(model.config.vocabSize);
  let firstLoss: number | undefined;
  const divergence = (loss: number): string | undefined => {
    if (!config.stopOnDivergence) return undefined;
    if (firstLoss === undefined) {
      firstLoss = loss;
      return undefined;
    }
    if (loss > 3 * firstLoss && loss > firstLoss + 1) return `the training loss ${loss.toFixed(4)} is over 3x this run's first loss (${firstLoss.toFixed(4)})`;
    if (firstLoss < 0.9 * uniformLoss && loss >= uniformLoss * 0.999) {
      return `the training loss ${loss.toFixed(4)} has risen to a uniform guess over the vocabulary (ln ${model.config.vocabSize} = ${uniformLoss.toFixed(4)}) from ${firstLoss.toFixed(4)}`;
    }
    return undefined;
  };
  const keptMessage = () =>
    lastCheckpointStep !== undefined ? `the last good checkpoint (step ${lastCheckpointStep}) is kept` : 'no checkpoint had been saved yet';

  if (config.checkpointActivations) model.setActivationCheckpointing?.(true);
  try {
    while (step < config.maxSteps) {
      if (options.signal?.aborted) {
        await save('last');
        return finish('interrupted', `interrupted at step ${step}${store ? `; checkpoint saved at step ${step}` : ''}`);
      }
      const started = Date.now();
      optimizer.learningRate = learningRateAt(step, {
        learningRate: config.learningRate,
        warmupSteps: config.warmupSteps,
        totalSteps: config.maxSteps,
        decay: config.decay,
        minRatio: config.minLearningRateRatio,
      });
      const micro: MaskedExample[][] = [];
      for (let k = 0; k < config.gradientAccumulationSteps; k++) micro.push(cursor.next(config.batchSize).map((i) => trainSet[i]));
      const tokens = micro.reduce((n, group) => n + scoredTokenCount(group.map((e) => e.lossMask)), 0);
      const inputTokens = micro.reduce((n, group) => n + group.reduce((m, e) => m + e.inputIds.length, 0), 0);

      let loss = 0;
      let summed: tf.Tensor[] | undefined;
      for (const group of micro) {
        const batch = batchTensors(group);
        model.setTrainingMode?.(true, rng.seed());
        const { value, grads } = tf.variableGrads(
          () => tf.div(causalLmLossSum(model, batch), tokens) as tf.Scalar,
          variables,
        );
        disposeBatch(batch);
        loss += (await value.data())[0];
        value.dispose();
        const ordered = variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
        if (summed) {
          const prev = summed;
          summed = prev.map((g, i) => tf.add(g, ordered[i]));
          tf.dispose([...prev, ...ordered]);
        } else {
          summed = ordered;
        }
      }
      model.setTrainingMode?.(false);
      const gradsSum = summed ?? [];
      if (!Number.isFinite(loss)) {
        tf.dispose(gradsSum);
        return finish('non-finite', `step ${step + 1}: the training loss is ${loss}; stopped without updating, ${keptMessage()}`);
      }
      const diverged = divergence(loss);
      if (diverged) {
        tf.dispose(gradsSum);
        return finish('diverged', `step ${step + 1}: ${diverged}; the run diverged (is the learning rate ${config.learningRate} too high?). Stopped without updating, ${keptMessage()}`);
      }
      const { grads: clipped, norm } = await clipByGlobalNormAsync(gradsSum, config.maxGradNorm);
      tf.dispose(gradsSum);
      if (!Number.isFinite(norm)) {
        tf.dispose(clipped);
        return finish('non-finite', `step ${step + 1}: the gradient norm is ${norm}; stopped without updating, ${keptMessage()}`);
      }
      optimizer.applyGradients(Object.fromEntries(variables.map((v, i) => [v.name, clipped[i]])));
      tf.dispose(clipped);
      step++;
      await emit({ type: 'step', step, epoch: cursor.position.epoch, loss, learningRate: optimizer.learningRate, gradNorm: norm, tokens, inputTokens, elapsedMs: Date.now() - started });

      const atEnd = step === config.maxSteps;
      if (validation && validation.length > 0 && ((config.evalEvery > 0 && step % config.evalEvery === 0) || atEnd)) {
        const report = await evaluateLossAsync(model, validation, config.evalBatchSize);
        const metric = options.metric ? await options.metric(model) : undefined;
        const selectBy = config.selectBy;
        const score = selectBy === 'loss' ? report.loss : metric;
        const higher = selectBy !== 'loss' && selectBy.higherIsBetter;
        const isBest = score !== undefined && Number.isFinite(score) && (!best || (higher ? score > best.score : score < best.score));
        lastValidation = { ...report, step, ...(metric !== undefined ? { metric } : {}) };
        await emit({
          type: 'eval',
          step,
          loss: report.loss,
          perplexity: report.perplexity,
          tokens: report.tokens,
          ...(metric !== undefined && selectBy !== 'loss' ? { metric: { name: selectBy.metric, value: metric } } : {}),
          isBest,
        });
        if (isBest) {
          best = { step, score: score as number };
          if (!(await save('best'))) return finish('non-finite', `step ${step}: the weights are no longer finite; not saved, ${keptMessage()}`);
        }
      }
      if ((config.checkpointEvery > 0 && step % config.checkpointEvery === 0) || atEnd) {
        if (!(await save('last'))) return finish('non-finite', `step ${step}: the weights are no longer finite; not saved, ${keptMessage()}`);
      }
      await yieldToEventLoop();
    }
    return finish('completed', `completed ${step} steps`);
  } finally {
    model.setTrainingMode?.(false);
    if (config.checkpointActivations) model.setActivationCheckpointing?.(false);
    optimizer.dispose();
  }
}

function checkResumable(state: TrainerState, config: TrainConfig, trainSize: number): void {
  if (state.format !== TRAINER_STATE_FORMAT) throw new Error(`resume: the checkpoint's trainer state has format "${state.format}", expected "${TRAINER_STATE_FORMAT}"`);
  for (const field of RESUME_INVARIANT_FIELDS) {
    if (state.config[field] !== config[field]) {
      throw new Error(`resume: the checkpoint was made with ${field} = ${state.config[field]}, this run has ${config[field]}; use the same value to continue the same run`);
    }
  }
  if (state.trainExamples !== trainSize) {
    throw new Error(`resume: the checkpoint was made on ${state.trainExamples} training examples, this run has ${trainSize}`);
  }
}
