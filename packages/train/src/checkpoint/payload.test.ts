import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { AdamW } from '../optim/adamw';
import { captureCheckpoint, captureCheckpointAsync, readVariables, restoreCheckpoint, TRAINER_STATE_FORMAT, type TrainerState } from './payload';
import { DEFAULT_TRAIN_CONFIG } from '../trainer/config';

beforeAll(async () => {
  await initBackend();
});

function setup() {
  const vars: tf.Variable[] = [tf.variable(tf.tensor2d([[0.5, -1, 2], [3, 0.25, -0.75]])), tf.variable(tf.tensor1d([1, 2, 3, 4]))];
  const opt = new AdamW({ learningRate: 0.01, weightDecay: 0.1 });
  // Two updates of the first variable only: the second has no moments yet and is saved with zeros.
  for (const s of [1, -0.5]) tf.tidy(() => opt.applyGradients({ [vars[0].name]: tf.mul(tf.onesLike(vars[0]), s) }));
  const state: TrainerState = {
    format: TRAINER_STATE_FORMAT,
    version: 1,
    step: 2,
    data: { epoch: 0, offset: 2 },
    rng: [1, 2, 3, 4],
    config: DEFAULT_TRAIN_CONFIG,
    trainExamples: 3,
    variableNames: vars.map((v) => v.name),
  };
  return { vars, opt, state };
}

describe('checkpoint payload', () => {
  it('captureCheckpointAsync writes the same bytes as captureCheckpoint', async () => {
    const { vars, opt, state } = setup();
    const sync = captureCheckpoint(vars, opt, state);
    const before = tf.memory().numTensors;
    const got = await captureCheckpointAsync(vars, opt, state);
    expect(tf.memory().numTensors).toBe(before);
    expect(Buffer.from(got.weights).equals(Buffer.from(sync.weights))).toBe(true);
    expect(Buffer.from(got.optimizer).equals(Buffer.from(sync.optimizer))).toBe(true);
    expect(got.state).toBe(state);
    // Values the caller already read (the trainer's finiteness check) give the same bytes without a second read.
    const given = await captureCheckpointAsync(vars, opt, state, await readVariables(vars));
    expect(Buffer.from(given.weights).equals(Buffer.from(sync.weights))).toBe(true);
    tf.dispose(vars);
    opt.dispose();
  });

  it('refuses given values that do not match the variables, naming the variable', async () => {
    const { vars, opt, state } = setup();
    await expect(captureCheckpointAsync(vars, opt, state, [new Float32Array(6)])).rejects.toThrow('captureCheckpointAsync: got 1 value arrays for 2 variables');
    await expect(captureCheckpointAsync(vars, opt, state, [new Float32Array(6), new Float32Array(3)])).rejects.toThrow(
      `captureCheckpointAsync: values[1] holds 3 numbers but variable "${vars[1].name}" has 4`,
    );
    tf.dispose(vars);
    opt.dispose();
  });

  it('an asynchronously captured checkpoint restores the variables and the optimizer step', async () => {
    const { vars, opt, state } = setup();
    const saved = await captureCheckpointAsync(vars, opt, state);
    const values = await Promise.all(vars.map((v) => v.data()));
    vars.forEach((v) => v.assign(tf.zerosLike(v)));
    const fresh = new AdamW({ learningRate: 0.01, weightDecay: 0.1 });
    await restoreCheckpoint(saved, vars, fresh);
    expect(fresh.step).toBe(2);
    for (const [i, v] of vars.entries()) expect(Array.from(await v.data())).toEqual(Array.from(values[i]));
    expect(fresh.exportState(vars).moments.map((m) => Array.from(m.m))).toEqual(opt.exportState(vars).moments.map((m) => Array.from(m.m)));
    tf.dispose(vars);
    opt.dispose();
    fresh.dispose();
  });
});
