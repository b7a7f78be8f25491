import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { chunkRows, crossEntropySum, lmHeadCrossEntropySum } from './cross-entropy';
import { fusedTokenLossSum, maskedTokenLossSum } from './causal-lm-loss';

beforeAll(async () => {
  await initBackend();
});

/** tfjs's own formulation: log-softmax, one-hot, weighted sum. The reference the chunked losses must equal. */
function referenceSum(logits: tf.Tensor2D, targets: Int32Array, weights?: Float32Array): tf.Scalar {
  const picked = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(tf.tensor1d(targets, 'int32'), logits.shape[1])), -1);
  return tf.neg(tf.sum(weights ? tf.mul(picked, tf.tensor1d(weights)) : picked)) as tf.Scalar;
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

const N = 7;
const V = 11;
const D = 5;
const targets = Int32Array.from({ length: N }, (_, i) => (i * 5 + 3) % V);
const weights = Float32Array.from({ length: N }, (_, i) => (i % 3 === 0 ? 0 : 1));
// 2 rows per chunk: 4 chunks, the last one short.
const budget = 2 * V;

describe('crossEntropySum', () => {
  it('equals the one-hot formulation in value and gradient, across uneven chunks', () => {
    expect(chunkRows(V, budget)).toBe(2);
    const logits = tf.randomNormal([N, V], 0, 2, 'float32', 1) as tf.Tensor2D;
    const grad = (f: (x: tf.Tensor2D) => tf.Scalar) => tf.valueAndGrad((x: tf.Tensor) => f(x as tf.Tensor2D))(logits);
    const ours = grad((x) => crossEntropySum(x, targets, weights, budget));
    const ref = grad((x) => referenceSum(x, targets, weights));
    expect(ours.value.dataSync()[0]).toBeCloseTo(ref.value.dataSync()[0], 4);
    expect(maxDiff(ours.grad, ref.grad)).toBeLessThan(1e-5);
    tf.dispose([logits, ours.value, ours.grad, ref.value, ref.grad]);
  });

  it('names a target outside the vocabulary or a count that does not match the rows', () => {
    const logits = tf.zeros([2, V]) as tf.Tensor2D;
    expect(() => crossEntropySum(logits, Int32Array.from([1, V]))).toThrow(/target 11 at row 1 is outside the vocabulary \[0, 11\)/);
    expect(() => crossEntropySum(logits, Int32Array.from([1]))).toThrow(/1 targets for 2 rows/);
    expect(() => crossEntropySum(logits, Int32Array.from([1, 2]), Float32Array.from([1]))).toThrow(/1 row weights for 2 rows/);
    logits.dispose();
  });
});

describe('lmHeadCrossEntropySum', () => {
  const hidden = () => tf.randomNormal([N, D], 0, 1, 'float32', 2) as tf.Tensor2D;
  const headValues = () => tf.randomNormal([V, D], 0, 1, 'float32', 3) as tf.Tensor2D;

  it('equals the loss of the full logits h W^T, with the gradient to h for a frozen head', () => {
    const h = hidden();
    const w = headValues();
    const ours = tf.valueAndGrad((x: tf.Tensor) => lmHeadCrossEntropySum(x as tf.Tensor2D, w, targets, budget))(h);
    const ref = tf.valueAndGrad((x: tf.Tensor) => referenceSum(tf.matMul(x as tf.Tensor2D, w, false, true), targets))(h);
    expect(ours.value.dataSync()[0]).toBeCloseTo(ref.value.dataSync()[0], 4);
    expect(maxDiff(ours.grad, ref.grad)).toBeLessThan(1e-5);
    tf.dispose([h, w, ours.value, ours.grad, ref.value, ref.grad]);
  });

  it('gives a trainable head its gradient too, and keeps the tensor count flat', () => {
    const h = tf.variable(hidden());
    const w = tf.variable(headValues());
    const ours = tf.variableGrads(() => lmHeadCrossEntropySum(h, w, targets, budget), [h, w]);
    const ref = tf.variableGrads(() => referenceSum(tf.matMul(h, w, false, true), targets), [h, w]);
    expect(ours.value.dataSync()[0]).toBeCloseTo(ref.value.dataSync()[0], 4);
    for (const v of [h, w]) expect(maxDiff(ours.grads[v.name], ref.grads[v.name])).toBeLessThan(1e-5);
    tf.dispose([ours.value, ref.value, ...Object.values(ours.grads), ...Object.values(ref.grads)]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const g = tf.variableGrads(() => lmHeadCrossEntropySum(h, w, targets, budget), [h, w]);
      tf.dispose([g.value, ...Object.values(g.grads)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([h, w]);
  });

  it('names a head whose width does not match the hidden states', () => {
    const h = tf.zeros([2, D]) as tf.Tensor2D;
    const w = tf.zeros([V, D + 1]) as tf.Tensor2D;
    expect(() => lmHeadCrossEntropySum(h, w, Int32Array.from([0, 1]))).toThrow(/hidden is \[2, 5\] but the head weight is \[11, 6\]/);
    tf.dispose([h, w]);
  });
});

describe('fusedTokenLossSum', () => {
  it('equals maskedTokenLossSum of the logits it never builds, with padding and prompt positions unscored', () => {
    const [B, T] = [2, 4];
    const h = tf.randomNormal([B, T, D], 0, 1, 'float32', 4) as tf.Tensor3D;
    const w = tf.randomNormal([V, D], 0, 1, 'float32', 5) as tf.Tensor2D;
    const ids = tf.tensor2d([[1, 2, 3, 4], [5, 6, 0, 0]], undefined, 'int32');
    const mask = tf.tensor2d([[0, 0, 1, 1], [0, 1, 0, 0]], undefined, 'int32');
    const fused = tf.valueAndGrad((x: tf.Tensor) => fusedTokenLossSum(x as tf.Tensor3D, w, ids, mask))(h);
    const plain = tf.valueAndGrad((x: tf.Tensor) => maskedTokenLossSum(tf.reshape(tf.matMul(tf.reshape(x, [B * T, D]), w, false, true), [B, T, V]), ids, mask))(h);
    expect(fused.value.dataSync()[0]).toBeCloseTo(plain.value.dataSync()[0], 4);
    expect(maxDiff(fused.grad, plain.grad)).toBeLessThan(1e-5);
    expect(() => fusedTokenLossSum(h, w, ids, tf.zeros([1, T]))).toThrow(/lossMask has shape \[1, 4\]; expected \[2, 4\]/);
    tf.dispose([h, w, ids, mask, fused.value, fused.grad, plain.value, plain.grad]);
  });
});
