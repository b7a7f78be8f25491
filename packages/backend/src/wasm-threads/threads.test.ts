import * as tf from '@tensorflow/tfjs-core';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../index';
import { MAX_WASM_THREADS } from './index';

/** Work whose results must not depend on how many threads computed them. */
async function workload(): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const seeded = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);
  const a = seeded([300, 257], 1), b = seeded([257, 190], 2);
  out.push((await tf.matMul(a, b).data()) as Float32Array);
  const batched = tf.matMul(seeded([4, 64, 96], 3), seeded([4, 96, 80], 4));
  out.push((await batched.data()) as Float32Array);
  const conv = tf.conv2d(seeded([2, 32, 32, 8], 5) as tf.Tensor4D, seeded([3, 3, 8, 16], 6) as tf.Tensor4D, 1, 'same');
  out.push((await conv.data()) as Float32Array);
  const w = tf.variable(seeded([64, 32], 7));
  const { grads } = tf.variableGrads(() => tf.sum(tf.softmax(tf.matMul(tf.gather(w, tf.tensor1d([3, 1, 3, 60], 'int32')), w, false, true))));
  out.push((await grads[w.name].data()) as Float32Array);
  return out;
}

describe('wasm with threads under Node.js', () => {
  it('runs the threaded SIMD build with the requested threads and computes what the single-threaded build computes', async () => {
    const cores = availableParallelism();
    // The stock factory, kept so that the same process can afterwards run the single-threaded build.
    await import('@tensorflow/tfjs-backend-wasm');
    const stock = tf.engine().registryFactory.wasm;
    expect(stock).toBeDefined();

    const info = await initBackend({ prefer: 'wasm', threads: 2 });
    expect(info).toMatchObject({ name: 'wasm', simd: true, threads: Math.min(2, cores) });
    expect(wasm.getThreadsCount()).toBe(info.threads);
    const threaded = await workload();

    tf.removeBackend('wasm');
    wasm.setThreadsCount(1);
    tf.registerBackend('wasm', stock.factory, stock.priority);
    expect(await tf.setBackend('wasm')).toBe(true);
    expect(wasm.getThreadsCount()).toBe(1);
    const single = await workload();

    expect(threaded.length).toBe(single.length);
    for (let i = 0; i < single.length; i++) {
      expect(threaded[i].length).toBe(single[i].length);
      let maxDiff = 0;
      for (let j = 0; j < single[i].length; j++) maxDiff = Math.max(maxDiff, Math.abs(threaded[i][j] - single[i][j]));
      expect(maxDiff).toBeLessThan(1e-5);
    }
  });

  it('caps threads at the logical cores and says so', async () => {
    const cores = availableParallelism();
    const stock = tf.engine().registryFactory.wasm;
    // A fresh, uninitialised 'wasm' entry: threads only apply before the backend first initialises.
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', stock.factory, stock.priority);
    const info = await initBackend({ prefer: 'wasm', threads: cores + 1 });
    const cap = Math.min(cores, MAX_WASM_THREADS);
    expect(info.threads).toBe(cap);
    expect(info.warnings).toEqual([`threads: ${cores + 1} requested, capped at ${cap} (${cores} logical cores, at most 8)`]);
  });
});
