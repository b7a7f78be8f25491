import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNEL_NAMES } from './index';

/** Deterministic pseudo-random numbers (a fixed LCG) so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Case = { name: string; x: { shape: number[]; dtype: 'float32' | 'int32' | 'bool'; values: number[] }; ids: { shape: number[]; values: number[] }; numSegments: number };

function makeCase(name: string, seed: number, xShape: number[], dtype: 'float32' | 'int32' | 'bool', idsRank: number, numSegments: number, idRange: [number, number]): Case {
  const r = rng(seed);
  const xSize = xShape.reduce((a, b) => a * b, 1);
  const idsShape = xShape.slice(0, idsRank);
  const idsSize = idsShape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: xSize }, () =>
    dtype === 'float32' ? r() * 4 - 2 : dtype === 'int32' ? Math.floor(r() * 200) - 100 : r() < 0.5 ? 1 : 0,
  );
  const ids = Array.from({ length: idsSize }, () => Math.floor(idRange[0] + r() * (idRange[1] - idRange[0])));
  return { name, x: { shape: xShape, dtype, values }, ids: { shape: idsShape, values: ids }, numSegments };
}

async function run(backend: 'cpu' | 'wasm', c: Case): Promise<{ shape: number[]; dtype: string; values: number[] }> {
  await tf.setBackend(backend);
  const x = tf.tensor(c.x.values, c.x.shape, c.x.dtype);
  const ids = tf.tensor(c.ids.values, c.ids.shape, 'int32');
  const y = tf.unsortedSegmentSum(x, ids as tf.Tensor1D, c.numSegments);
  const out = { shape: y.shape, dtype: y.dtype, values: Array.from(await y.data()) };
  tf.dispose([x, ids, y]);
  return out;
}

const cases: Case[] = [
  makeCase('float32 embedding-gradient shape [64, 16] into 50 rows', 1, [64, 16], 'float32', 1, 50, [0, 50]),
  makeCase('float32 rank 3 x, rank 1 ids', 2, [12, 3, 5], 'float32', 1, 7, [0, 7]),
  makeCase('float32 rank 1 x', 3, [40], 'float32', 1, 9, [0, 9]),
  makeCase('float32 ids covering all of x (rank 2)', 4, [6, 5], 'float32', 2, 4, [0, 4]),
  makeCase('float32 negative and out-of-range ids are dropped', 5, [30, 4], 'float32', 1, 5, [-4, 9]),
  makeCase('int32 values', 6, [25, 3], 'int32', 1, 6, [-1, 7]),
  makeCase('bool values', 7, [20, 2], 'bool', 1, 3, [0, 3]),
  makeCase('more segments than rows (most stay zero)', 8, [5, 3], 'float32', 1, 100, [0, 100]),
  makeCase('one segment', 9, [17, 2], 'float32', 1, 1, [0, 1]),
  makeCase('empty x and ids', 10, [0, 3], 'float32', 1, 4, [0, 4]),
];

describe('UnsortedSegmentSum on wasm', () => {
  beforeAll(async () => {
    tf.env().set('PROD', true); // silences the cpu backend's "use tfjs-node" banner
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
  });

  it('is registered, and registering again changes nothing', () => {
    expect(WASM_TRAINING_KERNEL_NAMES).toEqual(['UnsortedSegmentSum', 'GatherV2', 'Identity', 'BatchMatMul']);
    const kernel = tf.getKernel('UnsortedSegmentSum', 'wasm');
    const gather = tf.getKernel('GatherV2', 'wasm');
    expect(kernel).toBeDefined();
    expect(registerWasmTrainingKernels()).toEqual([]);
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBe(kernel);
    expect(tf.getKernel('GatherV2', 'wasm')).toBe(gather);
  });

  for (const c of cases) {
    it(`matches the cpu backend: ${c.name}`, async () => {
      const cpu = await run('cpu', c);
      const wasm = await run('wasm', c);
      expect(wasm.shape).toEqual(cpu.shape);
      // Same values; the dtype follows tfjs-node and webgl (sumOutType), where cpu gives float32.
      expect(wasm.dtype).toBe(c.x.dtype === 'float32' ? 'float32' : 'int32');
      expect(wasm.values.length).toBe(cpu.values.length);
      for (let i = 0; i < cpu.values.length; i++) expect(wasm.values[i]).toBeCloseTo(cpu.values[i], 4);
      if (c.x.values.length > 0) expect(cpu.values.some((v) => v !== 0)).toBe(true);
    });
  }

  it('sums the right rows (hand-checked)', async () => {
    await tf.setBackend('wasm');
    const y = tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]]), tf.tensor1d([2, 0, 2, -1], 'int32'), 3);
    expect(y.arraySync()).toEqual([[3, 4], [0, 0], [6, 8]]);
  });

  it('gives zero segments an empty result', async () => {
    await tf.setBackend('wasm');
    const y = tf.unsortedSegmentSum(tf.ones([3, 2]), tf.tensor1d([0, 1, 0], 'int32'), 0);
    expect(y.shape).toEqual([0, 2]);
  });

  it('rejects segment ids whose shape is not a leading part of x', async () => {
    await tf.setBackend('wasm');
    expect(() => tf.unsortedSegmentSum(tf.ones([2, 2]), tf.tensor1d([0, 0, 1], 'int32'), 2)).toThrow(
      /segmentIds shape \[3\] must be a leading part of x shape \[2,2\]/,
    );
  });

  it('keeps tf.memory() flat', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([32, 8]);
    const ids = tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 5), 'int32');
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) tf.unsortedSegmentSum(x, ids, 5).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
