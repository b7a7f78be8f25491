import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { eighSymmetric } from '../spectral/eigh';
import { matMulABt } from '../spectral/gemm';
import { randomMatrix, relError, seededRandom } from '../testing/fixtures';
import { createAdapter, type AdapterConfig } from './registry';
import type { AdapterLayer } from './types';

const OUT = 18;
const IN = 26;

const CONFIGS: [string, AdapterConfig][] = [
  ['smoa blocks', { method: 'smoa', r: 4, numBlocks: 2, alpha: 8 }],
  ['smoa blocks K=3 zero rank', { method: 'smoa', r: 5, numBlocks: 3, branchRanks: [2, 0, 3] }],
  ['smoa subspaces', { method: 'smoa', r: 4, numBlocks: 2, partition: 'subspaces' }],
  ['lora', { method: 'lora', r: 3, alpha: 6 }],
  ['rslora gaussian', { method: 'lora', r: 4, alpha: 8, rslora: true, init: 'gaussian' }],
  ['pissa', { method: 'lora', r: 3, init: 'pissa' }],
  ['hira', { method: 'hira', r: 3, alpha: 6 }],
  ['melora', { method: 'melora', r: 4, numBlocks: 2 }],
  ['dora', { method: 'dora', r: 3, alpha: 6 }],
];

const base = () => ({ weight: randomMatrix(OUT, IN, 7, 0.5), bias: tf.tensor1d(Array.from({ length: OUT }, (_, i) => 0.01 * i)) });

/** Puts non-zero values in every adapter weight so gradients and updates are visible. */
function randomizeState(layer: AdapterLayer, seed: number): void {
  const rnd = seededRandom(seed);
  const record = Object.fromEntries(
    Object.entries(layer.state()).map(([k, v]) => [k, tf.tensor(Float32Array.from({ length: v.size }, () => rnd() - 0.5 + (k.includes('magnitude') ? 2 : 0)), v.shape)]),
  );
  layer.loadState(record);
  for (const t of Object.values(record)) t.dispose();
}

/** Numerical rank of a matrix from the float64 eigenvalues of M M^T. */
function rankOf(m: tf.Tensor2D): number {
  const [rows, cols] = m.shape;
  const values = eighSymmetric(matMulABt(Float64Array.from(m.dataSync()), Float64Array.from(m.dataSync()), rows, rows, cols, true), rows).values;
  return values.filter((v) => v > values[0] * 1e-8).length;
}

beforeAll(async () => {
  await initBackend();
});

describe.each(CONFIGS)('%s', (_, config) => {
  it('is the identity at initialisation', () => {
    const b = base();
    const layer = createAdapter(config, b);
    const x = randomMatrix(5, IN, 3);
    expect(tf.max(tf.abs(layer.deltaWeight())).dataSync()[0]).toBeLessThan(1e-5);
    expect(relError(layer.apply(x), tf.add(tf.matMul(x, b.weight, false, true), b.bias!))).toBeLessThan(1e-5);
  });

  it('has gradients equal to central finite differences', async () => {
    await initBackend({ prefer: 'cpu' });
    try {
      const layer = createAdapter(config, base());
      randomizeState(layer, 11);
      const x = randomMatrix(4, IN, 5);
      const probe = randomMatrix(4, OUT, 6);
      const loss = () => tf.sum(tf.mul(layer.apply(x), probe)) as tf.Scalar;
      const { grads } = tf.variableGrads(loss, layer.trainableVariables);
      const rnd = seededRandom(3);
      for (const v of layer.trainableVariables) {
        const g = grads[v.name].dataSync();
        const values = v.dataSync().slice();
        for (let trial = 0; trial < 4; trial++) {
          const i = Math.floor(rnd() * values.length);
          const h = 1e-2;
          const at = (d: number) => {
            const copy = values.slice();
            copy[i] += d;
            v.assign(tf.tensor(copy, v.shape));
            return tf.tidy(() => loss().dataSync()[0]);
          };
          const numeric = (at(h) - at(-h)) / (2 * h);
          v.assign(tf.tensor(values, v.shape));
          expect(Math.abs(g[i] - numeric), `${v.name}[${i}]: analytic ${g[i]} vs numeric ${numeric}`).toBeLessThan(2e-3 * Math.max(1, Math.abs(numeric)));
        }
      }
      tf.dispose(grads);
    } finally {
      await initBackend();
    }
  });

  it('merges and unmerges back to the same outputs', () => {
    const layer = createAdapter(config, base());
    randomizeState(layer, 12);
    const x = randomMatrix(6, IN, 8);
    const before = layer.apply(x);
    layer.merge();
    expect(layer.merged).toBe(true);
    expect(relError(layer.apply(x), before)).toBeLessThan(1e-5);
    layer.unmerge();
    expect(layer.apply(x).dataSync()).toEqual(before.dataSync());
  });

  it('keeps tf.memory().numTensors flat across apply and gradient steps', () => {
    const layer = createAdapter(config, base());
    randomizeState(layer, 13);
    const x = randomMatrix(3, IN, 9);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x)) as tf.Scalar, layer.trainableVariables);
      value.dispose();
      tf.dispose(grads);
      tf.dispose(layer.apply(x));
      tf.dispose(layer.deltaWeight());
    };
    step();
    const start = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('switches off with enabled = false and applies dropout only while training', () => {
    const b = base();
    const layer = createAdapter({ ...config, dropout: 0.5 } as AdapterConfig, b);
    randomizeState(layer, 14);
    const x = randomMatrix(6, IN, 10);
    const plain = tf.add(tf.matMul(x, b.weight, false, true), b.bias!);
    const evalOut = layer.apply(x);
    expect(relError(evalOut, plain)).toBeGreaterThan(1e-3);
    expect(layer.apply(x).dataSync()).toEqual(evalOut.dataSync());
    layer.training = true;
    expect(relError(layer.apply(x), evalOut)).toBeGreaterThan(1e-4);
    layer.training = false;
    layer.enabled = false;
    expect(relError(layer.apply(x), plain)).toBeLessThan(1e-6);
  });
});

describe('parameter counts and update rank', () => {
  it('match the formulas of each method', () => {
    const count = (c: AdapterConfig) => createAdapter(c, base()).numTrainableParams;
    // SMoA blocks: sum_k r_k (|R_k| + |C_k|); 18 rows split 9/9, 26 columns 13/13.
    expect(count({ method: 'smoa', r: 4, numBlocks: 2 })).toBe(2 * (9 + 13) + 2 * (9 + 13));
    // K=3: rows 6/6/6, columns 9/9/8, ranks 2/0/3.
    expect(count({ method: 'smoa', r: 5, numBlocks: 3, branchRanks: [2, 0, 3] })).toBe(2 * (6 + 9) + 3 * (6 + 8));
    expect(count({ method: 'smoa', r: 4, numBlocks: 2, partition: 'subspaces' })).toBe(4 * (OUT + IN));
    expect(count({ method: 'lora', r: 3 })).toBe(3 * (OUT + IN));
    expect(count({ method: 'hira', r: 3 })).toBe(3 * (OUT + IN));
    expect(count({ method: 'melora', r: 4, numBlocks: 2 })).toBe(2 * (9 + 13) * 2);
    expect(count({ method: 'dora', r: 3 })).toBe(3 * (OUT + IN) + OUT);
  });

  it("lets SMoA's update exceed rank r while LoRA's cannot", () => {
    const smoa = createAdapter({ method: 'smoa', r: 2, numBlocks: 2 }, base());
    const lora = createAdapter({ method: 'lora', r: 2 }, base());
    randomizeState(smoa, 21);
    randomizeState(lora, 22);
    expect(rankOf(smoa.deltaWeight())).toBeGreaterThan(2);
    expect(rankOf(lora.deltaWeight())).toBeLessThanOrEqual(2);
  });
});

describe('bad input', () => {
  const w = () => base();
  const cases: [string, AdapterConfig | Record<string, unknown>, RegExp][] = [
    ['r zero', { method: 'smoa', r: 0 }, /"r" must be a positive integer/],
    ['r fractional', { method: 'lora', r: 1.5 }, /"r" must be a positive integer/],
    ['numBlocks zero', { method: 'smoa', r: 4, numBlocks: 0 }, /"numBlocks" must be a positive integer/],
    ['numBlocks too large', { method: 'smoa', r: 4, numBlocks: 19 }, /"numBlocks" must be an integer in \[1, min\(out, in\) = 18\]/],
    ['branchRanks wrong length', { method: 'smoa', r: 4, numBlocks: 2, branchRanks: [4] }, /"branchRanks" must list 2 ranks/],
    ['branchRanks wrong sum', { method: 'smoa', r: 4, numBlocks: 2, branchRanks: [1, 2] }, /"branchRanks" must sum to r = 4/],
    ['alpha NaN', { method: 'lora', r: 2, alpha: Number.NaN }, /"alpha" must be a finite number, got NaN/],
    ['alpha Infinity', { method: 'smoa', r: 2, alpha: Infinity }, /"alpha" must be a finite number, got Infinity/],
    ['dropout 1', { method: 'lora', r: 2, dropout: 1 }, /"dropout" must be a number in \[0, 1\)/],
    ['dropout negative', { method: 'hira', r: 2, dropout: -0.1 }, /"dropout" must be a number in \[0, 1\)/],
    ['unknown method', { method: 'vera', r: 2 }, /"method" must be one of 'smoa', 'lora', 'hira', 'melora', 'dora'/],
    ['bad partition', { method: 'smoa', r: 2, partition: 'rows' }, /"partition" must be one of 'blocks', 'subspaces'/],
    ['bad init', { method: 'lora', r: 2, init: 'olora' }, /"init" must be one of 'default', 'gaussian', 'pissa'/],
    ['melora without numBlocks', { method: 'melora', r: 2 }, /"numBlocks" must be a positive integer/],
  ];
  it.each(cases)('%s', (_, config, message) => {
    expect(() => createAdapter(config as AdapterConfig, w())).toThrow(message);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Infinity],
  ])('rejects %s in the base weight, naming the entry', (_, bad) => {
    const values = randomMatrix(OUT, IN, 1).dataSync().slice();
    values[IN + 2] = bad;
    const weight = tf.tensor2d(values, [OUT, IN]);
    expect(() => createAdapter({ method: 'smoa', r: 2 }, { weight })).toThrow(/base "weight" holds (NaN|Infinity) at \[1, 2\]/);
    expect(() => createAdapter({ method: 'lora', r: 2 }, { weight })).toThrow(/base "weight"/);
  });

  it('loadState names missing, extra and mis-shaped keys', () => {
    const layer = createAdapter({ method: 'smoa', r: 4, numBlocks: 2 }, base());
    const good = layer.state();
    const { ['lora_B.1.weight']: _dropped, ...missing } = good;
    expect(() => layer.loadState(missing)).toThrow(/missing "lora_B.1.weight"/);
    expect(() => layer.loadState({ ...good, 'lora_A.2.weight': tf.zeros([1, 1]) })).toThrow(/unexpected "lora_A.2.weight"/);
    expect(() => layer.loadState({ ...good, 'lora_A.0.weight': tf.zeros([2, 12]) })).toThrow(/"lora_A.0.weight" has shape \[2, 12\], expected \[2, 13\]/);
  });
});
