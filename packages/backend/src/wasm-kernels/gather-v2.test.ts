import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from './index';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

interface Case { name: string; xShape: number[]; dtype: 'float32' | 'int32' | 'bool'; indicesShape: number[]; axis: number; batchDims: number }

const cases: Case[] = [
  { name: 'target log-probs: [16, 50] by [16, 1], axis 1, batchDims 1', xShape: [16, 50], dtype: 'float32', indicesShape: [16, 1], axis: 1, batchDims: 1 },
  { name: 'several indices per row', xShape: [4, 9], dtype: 'float32', indicesShape: [4, 5], axis: 1, batchDims: 1 },
  { name: 'rank 3 x with trailing slice, axis 1', xShape: [3, 7, 4], dtype: 'float32', indicesShape: [3, 2], axis: 1, batchDims: 1 },
  { name: 'outer dims between batch and axis', xShape: [2, 3, 6, 2], dtype: 'float32', indicesShape: [2, 4], axis: 2, batchDims: 1 },
  { name: 'batchDims 2', xShape: [2, 3, 5, 2], dtype: 'float32', indicesShape: [2, 3, 4], axis: 2, batchDims: 2 },
  { name: 'int32 values', xShape: [5, 8], dtype: 'int32', indicesShape: [5, 3], axis: 1, batchDims: 1 },
  { name: 'bool values', xShape: [3, 4], dtype: 'bool', indicesShape: [3, 2], axis: 1, batchDims: 1 },
  { name: 'batchDims 0, short rows', xShape: [10, 6], dtype: 'float32', indicesShape: [7], axis: 0, batchDims: 0 },
  { name: 'batchDims 0, a row permutation (whole-slice copies)', xShape: [64, 40], dtype: 'float32', indicesShape: [64], axis: 0, batchDims: 0 },
  { name: 'batchDims 0, a column permutation', xShape: [12, 33], dtype: 'float32', indicesShape: [33], axis: 1, batchDims: 0 },
  { name: 'batchDims 0, rank 3, axis 1, 2-D indices', xShape: [3, 9, 20], dtype: 'int32', indicesShape: [2, 5], axis: 1, batchDims: 0 },
  { name: 'batchDims 0, embedding lookup of bool rows', xShape: [30, 17], dtype: 'bool', indicesShape: [4, 6], axis: 0, batchDims: 0 },
  { name: 'batchDims 0, negative axis', xShape: [5, 4, 18], dtype: 'float32', indicesShape: [7], axis: -2, batchDims: 0 },
  { name: 'empty indices', xShape: [3, 4], dtype: 'float32', indicesShape: [3, 0], axis: 1, batchDims: 1 },
];

async function run(backend: string, c: Case, seed: number) {
  await tf.setBackend(backend);
  const r = rng(seed);
  const size = c.xShape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: size }, () => (c.dtype === 'float32' ? r() * 2 - 1 : c.dtype === 'int32' ? Math.floor(r() * 100) : r() < 0.5 ? 1 : 0));
  const dim = c.xShape[c.axis < 0 ? c.xShape.length + c.axis : c.axis];
  const idx = Array.from({ length: c.indicesShape.reduce((a, b) => a * b, 1) }, () => Math.floor(r() * dim));
  const y = tf.gather(tf.tensor(values, c.xShape, c.dtype), tf.tensor(idx, c.indicesShape, 'int32'), c.axis, c.batchDims);
  return { shape: y.shape, dtype: y.dtype, values: Array.from(await y.data()) };
}

describe('GatherV2 on wasm', () => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('wasm');
    expect(registerWasmTrainingKernels()).toContain('GatherV2');
  });

  for (const [i, c] of cases.entries()) {
    it(`matches the cpu backend: ${c.name}`, async () => {
      const cpu = await run('cpu', c, 100 + i);
      const wasm = await run('wasm', c, 100 + i);
      expect(wasm).toEqual(cpu);
    });
  }

  it('picks the right values (hand-checked; tfjs-backend-wasm 4.22 alone gives [[3], [~0]])', async () => {
    await tf.setBackend('wasm');
    const y = tf.gather(tf.tensor2d([[1, 2, 3], [4, 5, 6]]), tf.tensor2d([[2], [0]], [2, 1], 'int32'), 1, 1);
    expect(y.arraySync()).toEqual([[3], [4]]);
  });

  it('rejects an out-of-range index with batchDims 0 too', async () => {
    await tf.setBackend('wasm');
    expect(() => tf.gather(tf.ones([4, 32]), tf.tensor1d([0, 4], 'int32'), 0)).toThrow('GatherV2: the index value 4 is not in [0, 3]');
  });

  it('rejects an out-of-range index like the other backends', async () => {
    await tf.setBackend('wasm');
    expect(() => tf.gather(tf.ones([2, 3]), tf.tensor2d([[1], [3]], [2, 1], 'int32'), 1, 1)).toThrow(
      'GatherV2: the index value 3 is not in [0, 2]',
    );
  });
});
