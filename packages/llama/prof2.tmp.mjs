import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@smoa/backend';
await initBackend();
const a = tf.randomNormal([1, 1, 64]); const w = tf.randomNormal([64, 64]);
const a2 = tf.reshape(a, [1, 64]);
for (const [name, f] of [
  ['add', () => tf.add(a, a)],
  ['reshape', () => tf.reshape(a, [1, 64])],
  ['matmul', () => tf.matMul(a2, w, false, true)],
  ['transpose', () => tf.transpose(tf.reshape(a, [1, 1, 8, 8]), [0, 2, 1, 3])],
  ['tidy-add', () => tf.tidy(() => tf.add(a, a))],
  ['tensor2d', () => tf.tensor2d(new Int32Array([1]), [1, 1], 'int32')],
]) {
  for (let i = 0; i < 200; i++) f().dispose();
  const t = performance.now();
  for (let i = 0; i < 5000; i++) f().dispose();
  console.log(name, ((performance.now() - t) / 5000 * 1000).toFixed(1), 'us');
}
let t = performance.now();
for (let i = 0; i < 1000; i++) { const x = tf.argMax(a2, -1); await x.data(); x.dispose(); }
console.log('argmax+await data', ((performance.now() - t)).toFixed(1), 'us');
