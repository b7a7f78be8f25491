// GatherV2 on wasm: tfjs-backend-wasm's own kernel against this package's (whole-slice copies on the
// wasm heap), on the shapes SMoA permutes every step. node scripts/gather.mjs (after pnpm build).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../dist/index.js';

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

const SHAPES = [[512, 1376], [1376, 512], [512, 512]];
function time(label) {
  for (const [rows, cols] of SHAPES) {
    const x = tf.randomNormal([rows, cols]);
    const byRow = tf.tensor1d(perm(rows, 7), 'int32');
    const byCol = tf.tensor1d(perm(cols, 3), 'int32');
    for (const [what, f] of [['rows', () => tf.gather(x, byRow, 0)], ['columns', () => tf.gather(x, byCol, 1)]]) {
      f().dispose();
      const t0 = performance.now();
      for (let i = 0; i < 10; i++) f().dispose();
      console.log(`${label}: permute the ${what} of ${rows} x ${cols}: ${((performance.now() - t0) / 10).toFixed(2)} ms`);
    }
    tf.dispose([x, byRow, byCol]);
  }
}

await tf.setBackend('wasm');
time('tfjs-backend-wasm');
registerWasmTrainingKernels();
time('@smoa/backend');
