import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './index';

// A small Llama block, written the way @smoa/llama writes one: embedding gather, RMSNorm, rotary
// embeddings, causal multi-head attention, SwiGLU MLP, tied lm_head and cross-entropy.
const V = 50, D = 16, H = 2, T = 8, B = 2, HD = D / H, F = 32;
const SHAPES: Record<string, number[]> = { emb: [V, D], wq: [D, D], wk: [D, D], wv: [D, D], wo: [D, D], w1: [D, F], w3: [D, F], w2: [F, D], g: [D] };
const IDS = [[1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11, 12, 13, 14, 15, 16]];
const TARGETS = [[2, 3, 4, 5, 6, 7, 8, 9], [10, 11, 12, 13, 14, 15, 16, 49]];

function initialWeights(): Record<string, Float32Array> {
  let s = 12345;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 0.4 - 0.2;
  return Object.fromEntries(
    Object.entries(SHAPES).map(([k, shape]) => [k, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, next)]),
  );
}

interface StepResult {
  loss: number;
  grads: Record<string, Float32Array>;
  afterAdam: Record<string, Float32Array>;
}

async function trainStep(backend: string, weights: Record<string, Float32Array>, variant: 'oneHot' | 'gather'): Promise<StepResult> {
  await tf.setBackend(backend);
  // Inside tidy so that the initial-value tensors go; variables survive tidy.
  const P = tf.tidy(() => Object.fromEntries(Object.entries(weights).map(([k, v]) => [k, tf.variable(tf.tensor(v, SHAPES[k]), true)])));
  const ids = tf.tensor2d(IDS, [B, T], 'int32');
  const tgt = tf.tensor2d(TARGETS, [B, T], 'int32');
  const rms = (x: tf.Tensor) => tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.pow(x, 2), -1, true), 1e-5))), P.g);
  const rope = (x: tf.Tensor) => {
    const half = HD / 2;
    const inv = tf.div(1, tf.pow(10000, tf.div(tf.range(0, half, 1, 'float32'), half)));
    const freqs = tf.outerProduct(tf.range(0, T, 1, 'float32'), inv as tf.Tensor1D);
    const [cos, sin] = [tf.cos(freqs), tf.sin(freqs)];
    const x1 = tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, half]);
    const x2 = tf.slice(x, [0, 0, 0, half], [-1, -1, -1, half]);
    return tf.concat([tf.sub(tf.mul(x1, cos), tf.mul(x2, sin)), tf.add(tf.mul(x2, cos), tf.mul(x1, sin))], -1);
  };
  const loss = (): tf.Scalar => {
    let h = tf.reshape(tf.gather(P.emb, ids), [B * T, D]);
    const x = rms(h);
    const heads = (w: tf.Tensor) => tf.transpose(tf.reshape(tf.matMul(x, w as tf.Tensor2D), [B, T, H, HD]), [0, 2, 1, 3]);
    const q = rope(heads(P.wq)), k = rope(heads(P.wk)), v = heads(P.wv);
    const causal = tf.greaterEqual(tf.expandDims(tf.range(0, T, 1, 'int32'), 1), tf.expandDims(tf.range(0, T, 1, 'int32'), 0));
    const scores = tf.where(tf.broadcastTo(causal, [B, H, T, T]), tf.div(tf.matMul(q, k, false, true), Math.sqrt(HD)), tf.fill([B, H, T, T], -1e9));
    const att = tf.matMul(tf.softmax(scores), v);
    h = tf.add(h, tf.matMul(tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [B * T, D]), P.wo as tf.Tensor2D));
    const y = rms(h);
    const a = tf.matMul(y, P.w1 as tf.Tensor2D);
    h = tf.add(h, tf.matMul(tf.mul(tf.mul(a, tf.sigmoid(a)), tf.matMul(y, P.w3 as tf.Tensor2D)), P.w2 as tf.Tensor2D));
    const logp = tf.logSoftmax(tf.matMul(rms(h), P.emb as tf.Tensor2D, false, true));
    const flatTargets = tf.reshape(tgt, [-1]);
    if (variant === 'oneHot') return tf.neg(tf.mean(tf.sum(tf.mul(logp, tf.oneHot(flatTargets as tf.Tensor1D, V)), -1))) as tf.Scalar;
    const flatIndex = tf.add(tf.mul(tf.range(0, B * T, 1, 'int32'), tf.scalar(V, 'int32')), flatTargets);
    return tf.neg(tf.mean(tf.gather(tf.reshape(logp, [-1]), flatIndex))) as tf.Scalar;
  };
  const { value, grads } = tf.variableGrads(loss);
  const names = Object.fromEntries(Object.entries(P).map(([k, v]) => [v.name, k]));
  const out: StepResult = { loss: (await value.data())[0], grads: {}, afterAdam: {} };
  for (const [n, g] of Object.entries(grads)) out.grads[names[n]] = (await g.data()) as Float32Array;
  // AdamW-style update by hand (decoupled weight decay, bias-corrected moments), then tf.train.adam.
  tf.tidy(() => {
    for (const p of Object.values(P)) {
      const g = grads[p.name];
      const m = tf.mul(g, 0.1), v2 = tf.mul(tf.square(g), 0.001);
      const mHat = tf.div(m, 1 - 0.9), vHat = tf.div(v2, 1 - 0.999);
      p.assign(tf.sub(tf.mul(p, 1 - 1e-3 * 0.01), tf.mul(1e-3, tf.div(mHat, tf.add(tf.sqrt(vHat), 1e-8)))));
    }
  });
  const adam = tf.train.adam(1e-2);
  adam.minimize(loss);
  adam.dispose();
  for (const [k, p] of Object.entries(P)) out.afterAdam[k] = (await p.data()) as Float32Array;
  tf.dispose([...Object.values(P), ids, tgt, value, ...Object.values(grads)]);
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('training a Llama block on wasm', () => {
  beforeAll(async () => {
    const info = await initBackend({ prefer: 'wasm' });
    expect(info.name).toBe('wasm');
    await import('@tensorflow/tfjs-backend-cpu');
    tf.env().set('PROD', true);
  });

  it('tf.variableGrads through tf.gather works on wasm', async () => {
    await tf.setBackend('wasm');
    const emb = tf.variable(tf.tensor2d([[1, 2], [3, 4], [5, 6]]));
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(tf.gather(emb, tf.tensor1d([2, 0, 2], 'int32')), tf.tensor2d([[1, 10], [100, 1000], [2, 20]]))));
    expect(await value.data()).toEqual(new Float32Array([5 * 1 + 6 * 10 + 1 * 100 + 2 * 1000 + 5 * 2 + 6 * 20]));
    expect(grads[emb.name].arraySync()).toEqual([[100, 1000], [0, 0], [3, 30]]);
  });

  for (const variant of ['oneHot', 'gather'] as const) {
    it(`gives the cpu backend's loss, gradients and Adam/AdamW updates (${variant} cross-entropy)`, async () => {
      const w = initialWeights();
      const cpu = await trainStep('cpu', w, variant);
      const wasm = await trainStep('wasm', w, variant);
      expect(Number.isFinite(cpu.loss)).toBe(true);
      expect(wasm.loss).toBeCloseTo(cpu.loss, 5);
      expect(Object.keys(wasm.grads).sort()).toEqual(Object.keys(SHAPES).sort());
      for (const k of Object.keys(SHAPES)) {
        const scale = Math.max(...Array.from(cpu.grads[k], Math.abs));
        expect(scale).toBeGreaterThan(0);
        expect(maxAbsDiff(wasm.grads[k], cpu.grads[k])).toBeLessThan(1e-4 * scale + 1e-7);
        expect(maxAbsDiff(wasm.afterAdam[k], cpu.afterAdam[k])).toBeLessThan(1e-5);
      }
    });
  }

  it('keeps tf.memory() flat across training steps', async () => {
    await tf.setBackend('wasm');
    const w = initialWeights();
    await trainStep('wasm', w, 'oneHot');
    const before = tf.memory().numTensors;
    await trainStep('wasm', w, 'oneHot');
    expect(tf.memory().numTensors).toBe(before);
  });
});
