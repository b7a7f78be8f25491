import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@smoa/backend';
import { injectAdapter } from '@smoa/adapters';
import { llamaConfig, randomLlama } from './random';
import type { LlamaForCausalLM } from './causal-lm';

beforeAll(async () => {
  await initBackend();
});

const config = llamaConfig({ vocabSize: 50, hiddenSize: 32, numHiddenLayers: 3, numAttentionHeads: 4, numKeyValueHeads: 2, intermediateSize: 48 });

/** Summed next-token logit of a fixed target per position: a loss whose gradient reaches every weight. */
function lossOf(model: LlamaForCausalLM, ids: tf.Tensor2D, mask?: tf.Tensor2D): tf.Scalar {
  const logits = model.forward(ids, { attentionMask: mask });
  return tf.sum(tf.mul(tf.logSoftmax(logits), tf.reshape(tf.oneHot(tf.reshape(ids, [-1]) as tf.Tensor1D, config.vocabSize), logits.shape))) as tf.Scalar;
}

/** Gradients of the loss with checkpointing off and on, under the same Math.random sequence (dropout masks). */
function gradsBothWays(model: LlamaForCausalLM, ids: tf.Tensor2D, mask?: tf.Tensor2D, seed = 12345, reset?: () => void): { plain: tf.NamedTensorMap; checkpointed: tf.NamedTensorMap; loss: number[] } {
  const vars = model.trainableVariables();
  const loss: number[] = [];
  const run = (on: boolean) => {
    reset?.();
    model.setActivationCheckpointing(on);
    const original = Math.random;
    let state = seed;
    Math.random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    try {
      const { value, grads } = tf.variableGrads(() => lossOf(model, ids, mask), vars);
      loss.push(value.dataSync()[0]);
      value.dispose();
      return grads;
    } finally {
      Math.random = original;
      model.setActivationCheckpointing(false);
    }
  };
  return { plain: run(false), checkpointed: run(true), loss };
}

function expectSameGrads(a: tf.NamedTensorMap, b: tf.NamedTensorMap): void {
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  for (const name of Object.keys(a)) {
    const x = a[name].dataSync();
    const y = b[name].dataSync();
    let scale = 1e-6;
    for (const v of x) scale = Math.max(scale, Math.abs(v));
    let diff = 0;
    for (let i = 0; i < x.length; i++) diff = Math.max(diff, Math.abs(x[i] - y[i]));
    expect(diff / scale, name).toBeLessThan(1e-4);
  }
}

describe('activation checkpointing', () => {
  const ids = () => tf.tensor2d([[1, 5, 9, 13, 2, 7], [3, 3, 8, 21, 40, 0]], undefined, 'int32');

  it('gives full fine-tuning the gradients of the plain path, with padding, and leaks nothing', () => {
    const model = randomLlama(config, { seed: 3 });
    model.enableFullFineTuning();
    const x = ids();
    const mask = tf.tensor2d([[0, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]], undefined, 'int32');
    const first = gradsBothWays(model, x, mask);
    expect(first.loss[1]).toBeCloseTo(first.loss[0], 4);
    expectSameGrads(first.plain, first.checkpointed);
    tf.dispose([...Object.values(first.plain), ...Object.values(first.checkpointed)]);
    const before = tf.memory().numTensors;
    const again = gradsBothWays(model, x, mask);
    tf.dispose([...Object.values(again.plain), ...Object.values(again.checkpointed)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, mask]);
    model.dispose();
  });

  it.each([
    ['unseeded', undefined],
    ['seeded', 42],
  ] as const)('gives LoRA with %s dropout the gradients of the plain path (masks replayed in the recompute)', (_, dropoutSeed) => {
    const model = randomLlama(config, { seed: 4 });
    const adapters = injectAdapter(model, { method: 'lora', r: 4, alpha: 8, dropout: 0.3, targetModules: ['q_proj', 'v_proj', 'up_proj', 'down_proj'] });
    const reset = () => adapters.train(true, dropoutSeed);
    // LoRA's B starts at zero; give it values so that every adapter gradient is non-trivial.
    for (const v of model.trainableVariables()) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 7));
    const x = ids();
    const { plain, checkpointed, loss } = gradsBothWays(model, x, undefined, 12345, reset);
    expect(loss[1]).toBeCloseTo(loss[0], 4);
    expectSameGrads(plain, checkpointed);
    // Dropout really was active: other masks give other gradients.
    const other = gradsBothWays(model, x, undefined, 999, () => adapters.train(true, dropoutSeed === undefined ? undefined : 7));
    const name = Object.keys(plain)[0];
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(plain[name], other.plain[name]))).dataSync()[0]);
    expect(diff).toBeGreaterThan(1e-4);
    tf.dispose([...Object.values(plain), ...Object.values(checkpointed), ...Object.values(other.plain), ...Object.values(other.checkpointed), x]);
    adapters.dispose?.();
    model.dispose();
  });

  it('keeps only the layer inputs for backward: a smaller peak than the plain path', async () => {
    const model = randomLlama(llamaConfig({ vocabSize: 64, hiddenSize: 64, numHiddenLayers: 4, numAttentionHeads: 4, intermediateSize: 256 }), { seed: 5 });
    injectAdapter(model, { method: 'lora', r: 4, alpha: 8, targetModules: ['q_proj', 'v_proj'] });
    const x = tf.tensor2d([Array.from({ length: 64 }, (_, i) => i % 64)], undefined, 'int32');
    const peak = async (on: boolean) => {
      model.setActivationCheckpointing(on);
      const resident = tf.memory().numBytes;
      const info = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(model.forward(x)) as tf.Scalar, model.trainableVariables());
        tf.dispose([value, ...Object.values(grads)]);
      });
      return info.peakBytes - resident;
    };
    const plain = await peak(false);
    const checkpointed = await peak(true);
    expect(checkpointed).toBeLessThan(plain * 0.7);
    x.dispose();
    model.dispose();
  });

  it('refuses a cache: checkpointing is for training passes', () => {
    const model = randomLlama(config);
    const positions = tf.tensor2d([[0]], undefined, 'int32');
    expect(() => model.decode(tf.tensor2d([[1]], undefined, 'int32'), { positions, cache: [], checkpoint: true })).toThrow(/checkpointing .* takes no cache/);
    positions.dispose();
    model.dispose();
  });
});
