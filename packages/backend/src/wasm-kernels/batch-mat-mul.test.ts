import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../gradients';
import { ORIGINAL } from './heap';
import { registerWasmTrainingKernels } from './index';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

interface Case { name: string; a: number[]; b: number[]; tA?: boolean; tB?: boolean }

const cases: Case[] = [
  { name: 'attention scores [2, 3, 9, 4] x [2, 3, 4, 9]', a: [2, 3, 9, 4], b: [2, 3, 4, 9] },
  { name: 'attention context [2, 3, 9, 9] x [2, 3, 9, 4]', a: [2, 3, 9, 9], b: [2, 3, 9, 4] },
  { name: 'batched, b transposed (q k^T)', a: [4, 6, 8], b: [4, 7, 8], tB: true },
  { name: 'batched, a transposed (a gradient)', a: [4, 8, 9], b: [4, 8, 7], tA: true },
  { name: 'batched, both transposed', a: [3, 8, 9], b: [3, 7, 8], tA: true, tB: true },
  { name: 'one matrix, b transposed (x w^T)', a: [9, 16], b: [11, 16], tB: true },
  { name: 'one matrix, a transposed (x^T dy)', a: [16, 9], b: [16, 11], tA: true },
  { name: 'one matrix, plain (the original kernel)', a: [9, 16], b: [16, 11] },
  { name: 'a batched, b shared: [3, 5, 8] x [1, 8, 6]', a: [3, 5, 8], b: [1, 8, 6] },
  { name: 'a shared, b batched: [1, 9, 8] x [3, 8, 6]', a: [1, 9, 8], b: [3, 8, 6] },
  { name: 'rank 3 by rank 2', a: [3, 5, 8], b: [8, 6] },
  { name: `fewer than MIN_ROWS rows (generation: the original loop)`, a: [6, 1, 16], b: [6, 10, 16], tB: true },
  { name: 'larger than one XNNPACK tile', a: [2, 70, 65], b: [2, 65, 130] },
];

async function product(backend: string, c: Case, seed: number) {
  await tf.setBackend(backend);
  const r = rng(seed);
  const make = (shape: number[]) => tf.tensor(Array.from({ length: shape.reduce((x, y) => x * y, 1) }, r), shape);
  return tf.tidy(() => {
    const y = tf.matMul(make(c.a), make(c.b), c.tA, c.tB);
    return { shape: y.shape, values: Array.from(y.dataSync()) };
  });
}

describe('BatchMatMul on wasm', () => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('wasm');
    expect(registerWasmTrainingKernels()).toContain('BatchMatMul');
    registerGradients();
  });

  for (const [i, c] of cases.entries()) {
    it(`matches the cpu backend: ${c.name}`, async () => {
      const cpu = await product('cpu', c, 7 + i);
      const wasm = await product('wasm', c, 7 + i);
      expect(wasm.shape).toEqual(cpu.shape);
      const worst = Math.max(...wasm.values.map((v, j) => Math.abs(v - cpu.values[j]) / (1 + Math.abs(cpu.values[j]))));
      expect(worst).toBeLessThan(1e-5);
    });
  }

  it('agrees with the original kernel on the batched case it replaces', async () => {
    await tf.setBackend('wasm');
    const kernel = tf.getKernel('BatchMatMul', 'wasm')!;
    const original = (kernel.kernelFunc as unknown as Record<symbol, tf.KernelFunc>)[ORIGINAL];
    expect(typeof original).toBe('function');
    const a = tf.randomNormal([4, 16, 12], 0, 1, 'float32', 1);
    const b = tf.randomNormal([4, 12, 20], 0, 1, 'float32', 2);
    const backend = tf.backend();
    const mine = kernel.kernelFunc({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
    const theirs = original({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
    const [x, y] = [tf.engine().makeTensorFromTensorInfo(mine), tf.engine().makeTensorFromTensorInfo(theirs)];
    expect(tf.max(tf.abs(tf.sub(x, y))).dataSync()[0]).toBeLessThan(1e-4);
    tf.dispose([a, b, x, y]);
  });

  it('keeps tensors and heap bytes flat over repeated batched and transposed products', async () => {
    await tf.setBackend('wasm');
    const a = tf.randomNormal([8, 32, 16]);
    const b = tf.randomNormal([8, 32, 16]);
    const once = () => tf.tidy(() => tf.sum(tf.add(tf.matMul(a, b, false, true), tf.sum(tf.matMul(a, b, true, false)))).dataSync()[0]);
    once();
    const before = tf.memory();
    for (let i = 0; i < 20; i++) once();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect((tf.backend() as unknown as { dataIdMap: { numDataIds(): number } }).dataIdMap.numDataIds()).toBe(tf.engine().backend.numDataIds());
    tf.dispose([a, b]);
  });

  it('differentiates through batched products like the cpu backend', async () => {
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      const a = tf.tensor3d(Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i)), [2, 3, 4]);
      const b = tf.tensor3d(Array.from({ length: 2 * 4 * 5 }, (_, i) => Math.cos(i)), [2, 4, 5]);
      const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y))))([a, b]);
      return Promise.all(g.map(async (t) => Array.from(await t.data())));
    };
    const [cpu, wasm] = [await grads('cpu'), await grads('wasm')];
    for (let k = 0; k < 2; k++) cpu[k].forEach((v, j) => expect(wasm[k][j]).toBeCloseTo(v, 4));
  });
});
