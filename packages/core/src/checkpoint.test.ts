import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { checkpoint, replayableDraw } from './checkpoint';
import { mulberry32, nextSeed } from './random';

beforeAll(async () => {
  await initBackend();
});

describe('checkpoint', () => {
  it('passes the gradients of f to its inputs and params', () => {
    const w = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
    const x = tf.tensor2d([[0.5, -1]]);
    const f = (v: tf.Tensor) => tf.sum(tf.square(tf.matMul(v, w))) as tf.Scalar;
    const plain = tf.variableGrads(() => tf.sum(tf.mul(f(x), tf.sum(x))) as tf.Scalar, [w]);
    const ck = tf.variableGrads(() => tf.sum(tf.mul(checkpoint(([a]) => f(a), [x], { params: [w] }), tf.sum(x))) as tf.Scalar, [w]);
    expect(ck.value.dataSync()[0]).toBeCloseTo(plain.value.dataSync()[0], 5);
    expect(Array.from(ck.grads[w.name].dataSync())).toEqual(Array.from(plain.grads[w.name].dataSync()));
    const [dx] = tf.grads((v: tf.Tensor) => checkpoint(([a]) => f(a), [v], { params: [w] }))([x]);
    const [dx0] = tf.grads((v: tf.Tensor) => f(v))([x]);
    expect(Array.from(dx.dataSync())).toEqual(Array.from(dx0.dataSync()));
    tf.dispose([w, x, plain.value, ck.value, ...Object.values(plain.grads), ...Object.values(ck.grads), dx, dx0]);
  });

  it('replays seeded and unseeded random draws in the recompute, so dropout masks match', () => {
    const w = tf.variable(tf.ones([4, 4]));
    const x = tf.tensor2d([[1, 2, 3, 4]]);
    const seeds = (() => {
      const r = mulberry32(5);
      return () => nextSeed(r);
    })();
    // Seeded (as adapter dropout) and unseeded (Math.random) masks, both drawn once per call of f.
    const f = (v: tf.Tensor) => tf.sum(tf.mul(tf.dropout(tf.matMul(v, w), 0.5, undefined, replayableDraw(seeds)), tf.dropout(tf.ones([1, 4]), 0.5)));
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => checkpoint(([a]) => f(a), [x], { params: [w] }) as tf.Scalar, [w]);
    // The gradient of sum(mask1 * mask2 * (x W)) w.r.t. W is x^T (mask1 * mask2): nonzero exactly where
    // the forward pass kept a unit, which holds only if the recompute drew the same masks.
    const g = grads[w.name].dataSync();
    const xs = [1, 2, 3, 4];
    let consistent = true;
    let kept = 0;
    for (let j = 0; j < 4; j++) {
      const col = xs.map((xi, i) => g[i * 4 + j] / xi);
      if (col.some((c) => Math.abs(c - col[0]) > 1e-5)) consistent = false;
      if (col[0] !== 0) kept++;
    }
    expect(consistent).toBe(true);
    // value = sum over kept units of (x W)_j * 4 (two 0.5 dropouts scale by 2 each); x W = 10 per unit.
    expect(value.dataSync()[0]).toBeCloseTo(kept * 40, 4);
    tf.dispose([value, ...Object.values(grads), w, x]);
    expect(tf.memory().numTensors).toBe(before - 2);
    expect(replayableDraw(() => 7)).toBe(7);
  });
});
