import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { untransposedMatMul as matMul, matMulFrozenT, matMulWeightT } from './matmul';

/** max |a - b| / max |b|. */
function relError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(tf.max(tf.abs(b)).dataSync()[0], 1e-30));
}

beforeAll(async () => {
  await initBackend();
});

const FLAGS: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

describe('untransposedMatMul (untransposed products only)', () => {
  for (const [ta, tb] of FLAGS) {
    it(`matches tf.matMul and its gradients for transposeA=${ta}, transposeB=${tb}, batched`, () => {
      const a = tf.randomNormal([2, 3, ...(ta ? [5, 4] : [4, 5])], 0, 1, 'float32', 1);
      const b = tf.randomNormal([2, 3, ...(tb ? [6, 5] : [5, 6])], 0, 1, 'float32', 2);
      const probe = tf.randomNormal([2, 3, 4, 6], 0, 1, 'float32', 3);
      const loss = (f: typeof matMul) => (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x, y, ta, tb), probe));
      const ours = tf.grads(loss(matMul))([a, b]);
      const ref = tf.grads(loss((x, y, p, q) => tf.matMul(x, y, p, q)))([a, b]);
      expect(relError(matMul(a, b, ta, tb), tf.matMul(a, b, ta, tb))).toBeLessThan(1e-6);
      expect(relError(ours[0], ref[0])).toBeLessThan(1e-6);
      expect(relError(ours[1], ref[1])).toBeLessThan(1e-6);
      tf.dispose([a, b, probe, ...ours, ...ref]);
    });
  }

  it('falls back to tf.matMul for broadcast batch shapes', () => {
    const a = tf.randomNormal([2, 4, 5]);
    const b = tf.randomNormal([5, 3]);
    const c = matMul(a, b as tf.Tensor);
    expect(c.shape).toEqual([2, 4, 3]);
    expect(relError(c, tf.matMul(a, b))).toBeLessThan(1e-6);
    tf.dispose([a, b, c]);
  });
});

describe('matMulFrozenT / matMulWeightT', () => {
  it('gives x W^T with the gradient to x only, for both forward formulations', () => {
    // [3, 8] through [5, 8] transposes W; [40, 8] through [2, 8] transposes x and the output instead.
    for (const [n, out] of [[3, 5], [40, 2]]) {
      const x = tf.randomNormal([n, 8], 0, 1, 'float32', 4) as tf.Tensor2D;
      const w = tf.randomNormal([out, 8], 0, 1, 'float32', 5) as tf.Tensor2D;
      const probe = tf.randomNormal([n, out], 0, 1, 'float32', 6);
      expect(relError(matMulFrozenT(x, w), tf.matMul(x, w, false, true))).toBeLessThan(1e-6);
      const [dx] = tf.grads((xi: tf.Tensor) => tf.sum(tf.mul(matMulFrozenT(xi as tf.Tensor2D, w), probe)))([x]);
      const [ref] = tf.grads((xi: tf.Tensor) => tf.sum(tf.mul(tf.matMul(xi, w, false, true), probe)))([x]);
      expect(relError(dx, ref)).toBeLessThan(1e-6);
      tf.dispose([x, w, probe, dx, ref]);
    }
  });

  it('keeps the weight gradient for a trainable variable and keeps numTensors flat', () => {
    const x = tf.randomNormal([4, 6]) as tf.Tensor2D;
    const w = tf.variable(tf.randomNormal([3, 6]) as tf.Tensor2D);
    const frozen = tf.variable(tf.randomNormal([3, 6]) as tf.Tensor2D, false);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.add(matMulWeightT(x, w), matMulWeightT(x, frozen))) as tf.Scalar, [w]);
      const ref = tf.tidy(() => tf.matMul(tf.ones([3, 4]), x));
      expect(relError(grads[w.name], ref)).toBeLessThan(1e-6);
      tf.dispose([value, ref, ...Object.values(grads)]);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, frozen]);
  });
});
