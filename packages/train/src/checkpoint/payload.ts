import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors, serializeSafetensors, type TensorToWrite } from '@smoa/safetensors';
import type { AdamW, AdamWState } from '../optim/adamw';
import type { DataPosition } from '../data/cursor';
import type { TrainConfig } from '../trainer/config';

export const TRAINER_STATE_FORMAT = 'smoa-trainer-state';

/** Everything besides tensors that a resumed run needs; stored as JSON. */
export interface TrainerState {
  format: typeof TRAINER_STATE_FORMAT;
  version: 1;
  /** Optimizer steps completed. */
  step: number;
  data: DataPosition;
  /** State of the trainer's random stream (dropout seeds). */
  rng: number[];
  best?: { step: number; score: number };
  config: TrainConfig;
  /** Size of the training set the data position refers to. */
  trainExamples: number;
  /** tfjs names of the trainable variables, in the order weights and moments are stored. */
  variableNames: string[];
}

/** A resumable checkpoint in memory: JSON state plus two safetensors files as bytes. */
export interface TrainingCheckpoint {
  state: TrainerState;
  /** safetensors bytes: trainable variable i as "param.<i>". */
  weights: Uint8Array;
  /** safetensors bytes: AdamW moments as "m.<i>" and "v.<i>", step count in the metadata. */
  optimizer: Uint8Array;
}

/**
 * The trainer's variables, AdamW's moments and `state` as a checkpoint, read back synchronously (CPU
 * backends). The trainer itself uses captureCheckpointAsync, which works on every backend.
 */
export function captureCheckpoint(variables: readonly tf.Variable[], optimizer: AdamW, state: TrainerState): TrainingCheckpoint {
  const values = variables.map((v) => (v.dataSync() as Float32Array).slice());
  return serializeCheckpoint(variables, values, optimizer.exportState(variables), state);
}

/** The values of `variables`, read back asynchronously (all reads issued before any is awaited). */
export function readVariables(variables: readonly tf.Variable[]): Promise<Float32Array[]> {
  return Promise.all(variables.map((v) => v.data() as Promise<Float32Array>));
}

/**
 * captureCheckpoint with asynchronous readbacks: webgpu under Node cannot read synchronously at all.
 * `values`, when given, are the variables as the caller already read them with readVariables (the
 * trainer checks them for finiteness first), so they are not read a second time.
 */
export async function captureCheckpointAsync(
  variables: readonly tf.Variable[],
  optimizer: AdamW,
  state: TrainerState,
  values?: readonly Float32Array[],
): Promise<TrainingCheckpoint> {
  if (values !== undefined) {
    if (values.length !== variables.length) throw new Error(`captureCheckpointAsync: got ${values.length} value arrays for ${variables.length} variables`);
    const bad = variables.findIndex((v, i) => values[i]?.length !== v.size);
    if (bad >= 0) throw new Error(`captureCheckpointAsync: values[${bad}] holds ${values[bad]?.length} numbers but variable "${variables[bad].name}" has ${variables[bad].size}`);
  }
  // Both reads are issued before either is awaited, so a GPU backend can overlap the copies.
  const [read, exported] = await Promise.all([values ?? readVariables(variables), optimizer.exportStateAsync(variables)]);
  return serializeCheckpoint(variables, read, exported, state);
}

function serializeCheckpoint(variables: readonly tf.Variable[], values: readonly Float32Array[], exported: AdamWState, state: TrainerState): TrainingCheckpoint {
  const weights: Record<string, TensorToWrite> = {};
  variables.forEach((v, i) => {
    weights[`param.${i}`] = { shape: [...v.shape], data: values[i] };
  });
  const moments: Record<string, TensorToWrite> = {};
  exported.moments.forEach(({ m, v, shape }, i) => {
    moments[`m.${i}`] = { shape, data: m };
    moments[`v.${i}`] = { shape, data: v };
  });
  return {
    state,
    weights: serializeSafetensors(weights, { format: 'smoa-trainable-variables', names: JSON.stringify(state.variableNames) }),
    optimizer: serializeSafetensors(moments, { format: 'smoa-adamw', step: String(exported.step) }),
  };
}

/** Loads weights and optimizer moments into the model's variables; checks count and shapes first. */
export async function restoreCheckpoint(checkpoint: TrainingCheckpoint, variables: readonly tf.Variable[], optimizer: AdamW, where = 'checkpoint'): Promise<void> {
  const { state } = checkpoint;
  if (state.format !== TRAINER_STATE_FORMAT || state.version !== 1) {
    throw new Error(`${where}: trainer state has format "${state.format}" version ${state.version}; expected "${TRAINER_STATE_FORMAT}" version 1`);
  }
  const weights = await readSafetensors(checkpoint.weights, `${where} weights`);
  const count = weights.keys().length;
  if (count !== variables.length) {
    throw new Error(`${where}: holds ${count} trainable tensors but the model has ${variables.length} trainable variables (was it made with another adapter or mode?)`);
  }
  const values: Float32Array[] = [];
  for (let i = 0; i < variables.length; i++) {
    const { shape, data } = await weights.readFloat32(`param.${i}`);
    const v = variables[i];
    if (shape.join(',') !== v.shape.join(',')) {
      throw new Error(`${where}: trainable tensor ${i} ("${state.variableNames[i]}") has shape [${shape}] but the model's variable "${v.name}" has [${v.shape}]`);
    }
    values.push(data);
  }
  const opt = await readSafetensors(checkpoint.optimizer, `${where} optimizer`);
  const step = Number(opt.metadata.step);
  if (!Number.isInteger(step) || step < 0) throw new Error(`${where}: optimizer metadata "step" must be a non-negative integer, got ${opt.metadata.step}`);
  const moments = [];
  for (let i = 0; i < variables.length; i++) {
    const m = await opt.readFloat32(`m.${i}`);
    const v = await opt.readFloat32(`v.${i}`);
    moments.push({ shape: m.shape, m: m.data, v: v.data });
  }
  variables.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(values[i], v.shape, 'float32'))));
  optimizer.importState(variables, { step, moments });
}
