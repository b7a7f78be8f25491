// Figure 6: the backend's own matmul throughput, the roofline every other figure is read against.
import * as tf from '@tensorflow/tfjs-core';
import { timeIt } from './stats.mjs';

export const name = 'matmul';

export async function run({ runs }) {
  const out = [];
  for (const n of [512, 1024, 2048]) {
    const a = tf.randomNormal([n, n]);
    const b = tf.randomNormal([n, n]);
    const { ms } = await timeIt(async () => {
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
    }, { warmup: 1, runs: n >= 2048 ? Math.min(runs, 5) : runs });
    out.push({ name: 'matmul_gflops', value: (2 * n ** 3) / (ms * 1e6), unit: 'GFLOP/s', params: { n, ms } });
    tf.dispose([a, b]);
  }
  return out;
}
