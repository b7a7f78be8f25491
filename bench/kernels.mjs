// The wasm kernels @smoa/backend replaces, each against tfjs-backend-wasm's own, side by side on the
// shapes an SMoA step uses: GatherV2 permuting the rows / columns of a 512 x 1376 weight (SMoA's fixed
// block permutations), Identity (tf.clone, customGrad's saved tensors) of a 512 x 1376 activation, and
// BatchMatMul on attention's shapes (batch 4, 8 heads, seq 128, head dim 64) and a transposed 2-D product.
import * as tf from '@tensorflow/tfjs-core';
import { timeIt } from './stats.mjs';

export const name = 'kernels';

const ORIGINAL = Symbol.for('smoa.backend.originalKernel');

function perm(n, seed) {
  const a = Int32Array.from({ length: n }, (_, i) => i);
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Runs fn with tfjs-backend-wasm's own kernel in place of ours, then puts ours back. */
async function withStock(kernelName, fn) {
  const ours = tf.getKernel(kernelName, 'wasm');
  const stock = ours?.kernelFunc?.[ORIGINAL];
  if (stock === undefined) return undefined;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...ours, kernelFunc: stock });
  try {
    return await fn();
  } finally {
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel(ours);
  }
}

export async function run({ runs, info }) {
  if (info?.name !== 'wasm') {
    console.log(`  kernels: skipped, the backend is ${info?.name} (these are wasm kernels)`);
    return [];
  }
  const x = tf.randomNormal([512, 1376]);
  const rows = tf.tensor1d(perm(512, 7), 'int32');
  const cols = tf.tensor1d(perm(1376, 3), 'int32');
  const q = tf.randomNormal([4, 8, 128, 64]);
  const kT = tf.randomNormal([4, 8, 64, 128]);
  const p = tf.randomNormal([4, 8, 128, 128]);
  const x512 = tf.randomNormal([512, 512]);
  const w = tf.randomNormal([1376, 512]);
  const cases = [
    ['GatherV2', 'rows of 512 x 1376', () => tf.gather(x, rows, 0)],
    ['GatherV2', 'columns of 512 x 1376', () => tf.gather(x, cols, 1)],
    ['Identity', 'clone of 512 x 1376', () => tf.clone(x)],
    ['BatchMatMul', 'scores [4,8,128,64] x [4,8,64,128]', () => tf.matMul(q, kT)],
    ['BatchMatMul', 'context [4,8,128,128] x [4,8,128,64]', () => tf.matMul(p, q)],
    ['BatchMatMul', 'q k^T, transposed [4,8,128,64] x [4,8,128,64]^T', () => tf.matMul(q, q, false, true)],
    ['BatchMatMul', 'x w^T, transposed [512,512] x [1376,512]^T', () => tf.matMul(x512, w, false, true)],
  ];
  const out = [];
  for (const [kernel, what, f] of cases) {
    const once = async () => f().dispose();
    const n = Math.max(runs, 5);
    const ours = await timeIt(once, { warmup: 1, runs: n });
    const stock = await withStock(kernel, () => timeIt(once, { warmup: 1, runs: n }));
    const params = { kernel, what, oursMs: ours.ms, ...(stock ? { tfjsWasmMs: stock.ms } : {}) };
    out.push({ name: 'wasm_kernel_ms', value: ours.ms, unit: 'ms', params });
    if (stock) out.push({ name: 'wasm_kernel_speedup', value: stock.ms / Math.max(ours.ms, 1e-3), unit: 'x', params: { kernel, what } });
  }
  tf.dispose([x, rows, cols, q, kT, p, x512, w]);
  return out;
}
