import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { clipByGlobalNorm, clipByGlobalNormAsync } from './clip';

beforeAll(async () => {
  await initBackend();
});

describe('clipByGlobalNorm', () => {
  it('measures the norm over all tensors and scales them together when it is above the limit', () => {
    const g = [tf.tensor1d([3, 0]), tf.tensor2d([[0, 4]])];
    const { grads, norm } = clipByGlobalNorm(g, 1);
    expect(norm).toBeCloseTo(5, 6);
    expect(Array.from(grads[0].dataSync())).toEqual([expect.closeTo(0.6, 5), 0]);
    expect(Array.from(grads[1].dataSync())).toEqual([0, expect.closeTo(0.8, 5)]);
    tf.dispose([...g, ...grads]);
  });

  it('leaves gradients under the limit, or with clipping off, unchanged', () => {
    const g = [tf.tensor1d([0.3, 0.4])];
    for (const limit of [1, 0]) {
      const { grads, norm } = clipByGlobalNorm(g, limit);
      expect(norm).toBeCloseTo(0.5, 6);
      expect(Array.from(grads[0].dataSync())).toEqual(Array.from(g[0].dataSync()));
      tf.dispose(grads);
    }
    tf.dispose(g);
  });

  it('gives the same norm and gradients when read asynchronously, and keeps the tensor count flat', async () => {
    const g = [tf.tensor1d([3, 0]), tf.tensor2d([[0, 4]])];
    const before = tf.memory().numTensors;
    for (const limit of [1, 10, 0]) {
      const sync = clipByGlobalNorm(g, limit);
      const viaAsync = await clipByGlobalNormAsync(g, limit);
      expect(viaAsync.norm).toBe(sync.norm);
      viaAsync.grads.forEach((t, i) => expect(Array.from(t.dataSync())).toEqual(Array.from(sync.grads[i].dataSync())));
      tf.dispose([...sync.grads, ...viaAsync.grads]);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect((await clipByGlobalNormAsync([], 1)).norm).toBe(0);
    tf.dispose(g);
  });
});
