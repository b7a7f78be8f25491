import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { AdamW } from './adamw';

beforeAll(async () => {
  await initBackend();
});

/** torch.optim.AdamW's update, written out in float64. */
function referenceAdamW(p: number[], grads: number[][], c: { lr: number; b1: number; b2: number; eps: number; wd: number }) {
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const x = [...p];
  grads.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < x.length; i++) {
      x[i] *= 1 - c.lr * c.wd;
      m[i] = c.b1 * m[i] + (1 - c.b1) * g[i];
      v[i] = c.b2 * v[i] + (1 - c.b2) * g[i] * g[i];
      const denom = Math.sqrt(v[i]) / Math.sqrt(1 - c.b2 ** t) + c.eps;
      x[i] -= (c.lr / (1 - c.b1 ** t)) * (m[i] / denom);
    }
  });
  return x;
}

describe('AdamW', () => {
  const c = { lr: 0.05, b1: 0.9, b2: 0.99, eps: 1e-8, wd: 0.1 };
  const p0 = [0.5, -1.25, 2, 0.001, -0.3, 0.8];
  const grads = [
    [0.1, -0.2, 0.3, 0.0, 1.5, -0.7],
    [-0.4, 0.05, 0.2, 0.01, -1.0, 0.3],
    [0.3, 0.3, -0.6, -0.02, 0.5, 0.1],
    [0.0, -0.1, 0.25, 0.03, -0.2, -0.9],
  ];

  it('matches torch.optim.AdamW (decoupled weight decay, bias correction) step by step', () => {
    const x = tf.variable(tf.tensor1d(p0));
    const opt = new AdamW({ learningRate: c.lr, beta1: c.b1, beta2: c.b2, epsilon: c.eps, weightDecay: c.wd });
    for (const g of grads) tf.tidy(() => opt.applyGradients({ [x.name]: tf.tensor1d(g) }));
    const expected = referenceAdamW(p0, grads, c);
    const got = Array.from(x.dataSync());
    got.forEach((value, i) => expect(value).toBeCloseTo(expected[i], 5));
    expect(opt.step).toBe(4);
    opt.dispose();
    x.dispose();
  });

  it('decays weights even with a zero gradient, unlike Adam with an L2 term', () => {
    const x = tf.variable(tf.tensor1d([1, -2]));
    const opt = new AdamW({ learningRate: 0.1, weightDecay: 0.5 });
    tf.tidy(() => opt.applyGradients({ [x.name]: tf.zeros([2]) }));
    expect(Array.from(x.dataSync())).toEqual([expect.closeTo(0.95, 6), expect.closeTo(-1.9, 6)]);
    opt.dispose();
    x.dispose();
  });

  it('continues identically after exportState / importState into a fresh optimizer', () => {
    const a = tf.variable(tf.tensor1d(p0));
    const b = tf.variable(tf.tensor1d(p0));
    const optA = new AdamW({ learningRate: c.lr, beta1: c.b1, beta2: c.b2, weightDecay: c.wd });
    const optB1 = new AdamW({ learningRate: c.lr, beta1: c.b1, beta2: c.b2, weightDecay: c.wd });
    for (const g of grads.slice(0, 2)) {
      tf.tidy(() => optA.applyGradients({ [a.name]: tf.tensor1d(g) }));
      tf.tidy(() => optB1.applyGradients({ [b.name]: tf.tensor1d(g) }));
    }
    const saved = optB1.exportState([b]);
    optB1.dispose();
    const optB2 = new AdamW({ learningRate: c.lr, beta1: c.b1, beta2: c.b2, weightDecay: c.wd });
    optB2.importState([b], saved);
    for (const g of grads.slice(2)) {
      tf.tidy(() => optA.applyGradients({ [a.name]: tf.tensor1d(g) }));
      tf.tidy(() => optB2.applyGradients({ [b.name]: tf.tensor1d(g) }));
    }
    expect(Array.from(a.dataSync()).every(Number.isFinite)).toBe(true);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(optB2.step).toBe(4);
    tf.dispose([a, b]);
    optA.dispose();
    optB2.dispose();
  });

  it('exportStateAsync reads the same state as exportState, zeros for a variable never updated, as copies', async () => {
    const a = tf.variable(tf.tensor1d(p0));
    const idle = tf.variable(tf.zeros([2, 3]));
    const opt = new AdamW({ learningRate: c.lr, beta1: c.b1, beta2: c.b2, weightDecay: c.wd });
    for (const g of grads.slice(0, 2)) tf.tidy(() => opt.applyGradients({ [a.name]: tf.tensor1d(g) }));
    const sync = opt.exportState([a, idle]);
    const got = await opt.exportStateAsync([a, idle]);
    expect(got.step).toBe(2);
    expect(got.moments.map((x) => x.shape)).toEqual([[p0.length], [2, 3]]);
    got.moments.forEach((x, i) => {
      expect(Array.from(x.m)).toEqual(Array.from(sync.moments[i].m));
      expect(Array.from(x.v)).toEqual(Array.from(sync.moments[i].v));
    });
    expect(got.moments[0].m.some((x) => x !== 0)).toBe(true);
    expect(Array.from(got.moments[1].v)).toEqual([0, 0, 0, 0, 0, 0]);
    // Writing into the exported arrays must not reach the optimizer's moments.
    got.moments[0].m.fill(123);
    expect(Array.from((await opt.exportStateAsync([a])).moments[0].m)).toEqual(Array.from(sync.moments[0].m));
    tf.dispose([a, idle]);
    opt.dispose();
  });

  it('rejects state for other shapes, naming the variable', () => {
    const x = tf.variable(tf.zeros([3]), true, 'adamw_shape_check');
    const opt = new AdamW();
    expect(() => opt.importState([x], { step: 1, moments: [{ shape: [4], m: new Float32Array(4), v: new Float32Array(4) }] })).toThrow(
      /variable 0 \("adamw_shape_check"\) has shape \[4\]; the variable has \[3\]/,
    );
    expect(() => opt.importState([x], { step: 1, moments: [] })).toThrow(/moments for 0 variables; the model has 1/);
    opt.dispose();
    x.dispose();
  });

  it('rejects bad hyper-parameters by name', () => {
    expect(() => new AdamW({ learningRate: -1 })).toThrow(/learningRate must be a finite number >= 0, got -1/);
    expect(() => new AdamW({ beta2: 1 })).toThrow(/beta1 and beta2 must be < 1/);
  });

  it('keeps tf.memory().numTensors flat across steps', () => {
    const x = tf.variable(tf.tensor1d(p0));
    const opt = new AdamW();
    tf.tidy(() => opt.applyGradients({ [x.name]: tf.tensor1d(grads[0]) }));
    const before = tf.memory().numTensors;
    for (const g of grads) tf.tidy(() => opt.applyGradients({ [x.name]: tf.tensor1d(g) }));
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    x.dispose();
  });
});
