import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../gradients';
import { registerWasmTrainingKernels } from './index';

interface WasmInternals {
  dataIdMap: { get(id: object): { memoryOffset: number; refCount: number } | undefined; has(id: object): boolean };
}
const internals = () => tf.backend() as unknown as WasmInternals;
const dataIdOf = (t: tf.Tensor) => (t as unknown as { dataId: object }).dataId;

describe('Identity on wasm', () => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('wasm');
    registerGradients();
    expect(registerWasmTrainingKernels()).toContain('Identity');
  });

  it('shares the input buffer instead of copying it, and frees it with the last reference', () => {
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const before = tf.memory().numBytes;
    const y = tf.clone(x);
    expect(dataIdOf(y)).toBe(dataIdOf(x));
    expect(internals().dataIdMap.get(dataIdOf(x))!.refCount).toBe(2);
    x.dispose();
    expect(y.arraySync()).toEqual([[1, 2, 3], [4, 5, 6]]);
    y.dispose();
    expect(internals().dataIdMap.has(dataIdOf(y))).toBe(false);
    expect(tf.memory().numBytes).toBe(before - 24);
  });

  it('keeps a clone intact when the original variable is assigned (no write into a shared buffer)', () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const kept = tf.clone(v);
    v.assign(tf.tensor1d([7, 8, 9]));
    expect(Array.from(kept.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(v.dataSync())).toEqual([7, 8, 9]);
    tf.dispose([v, kept]);
  });

  it('gives the same gradients through a customGrad that saves its inputs, with no tensors left over', () => {
    const w = tf.variable(tf.randomNormal([6, 4], 0, 1, 'float32', 3));
    const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [a, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([a]);
      return { value: tf.sum(tf.square(a)), gradFunc: (dy: tf.Tensor, [s]: tf.Tensor[]) => [tf.mul(dy, tf.mul(s, 2))] };
    });
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => f(tf.matMul(w, tf.ones([4, 2]))) as tf.Scalar, [w]);
    const expected = tf.tidy(() => tf.matMul(tf.mul(tf.matMul(w, tf.ones([4, 2])), 2), tf.ones([2, 4])));
    expect(Array.from(grads[w.name].dataSync())).toEqual(Array.from(expected.dataSync()));
    tf.dispose([value, grads[w.name], expected]);
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });

  it('still copies strings through the original kernel', () => {
    const s = tf.tensor1d(['a', 'b'], 'string');
    const c = tf.clone(s);
    expect(c.arraySync()).toEqual(['a', 'b']);
    tf.dispose([s, c]);
  });
});
