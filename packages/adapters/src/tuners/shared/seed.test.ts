import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { createAdapter, injectAdapter, type AdapterConfig } from '../../index';
import { Linear, type ModuleContainer } from '@smoa/core';

beforeAll(async () => {
  await initBackend();
});

/** Three real projections [16, 16] under Hugging Face-style paths. */
function tinyModel(): ModuleContainer {
  const linears = ['layers.0.q_proj', 'layers.0.v_proj', 'layers.1.q_proj'].map((p, i) => [p, new Linear(tf.randomNormal([16, 16], 0, 1, 'float32', 30 + i) as tf.Tensor2D)] as [string, Linear]);
  return { namedLinears: () => linears };
}

const weight = () => tf.randomNormal([24, 16], 0, 1, 'float32', 7) as tf.Tensor2D;
const METHODS = ['smoa', 'lora', 'hira', 'melora', 'dora'] as const;
const configOf = (method: (typeof METHODS)[number], extra: object = {}): AdapterConfig =>
  ({ method, r: 4, ...(method === 'smoa' || method === 'melora' ? { numBlocks: 2 } : {}), ...extra }) as AdapterConfig;

function factors(method: (typeof METHODS)[number], seed: number | undefined): number[][] {
  const layer = createAdapter(configOf(method), { weight: weight() }, { seed });
  const state = layer.state();
  const out = Object.keys(state).sort().map((k) => Array.from(state[k].dataSync()));
  layer.dispose();
  return out;
}

describe('seeded initialisation', () => {
  it.each(METHODS)('createAdapter(config, base, { seed }) makes %s repeatable, and different seeds differ', (method) => {
    expect(factors(method, 5)).toEqual(factors(method, 5));
    expect(factors(method, 5)).not.toEqual(factors(method, 6));
    expect(factors(method, undefined)).not.toEqual(factors(method, undefined));
  });

  it('injectAdapter(model, config, { name, seed }) repeats, and gives each module its own draw', () => {
    const state = (seed: number) => {
      const m = injectAdapter(tinyModel(), { method: 'lora', r: 2, targetModules: ['q_proj', 'v_proj'] }, { name: 'x', seed });
      expect(m.adapterNames).toEqual(['x']);
      const s = m.state('x');
      const out = Object.fromEntries(Object.entries(s).map(([k, t]) => [k, Array.from(t.dataSync())]));
      m.dispose();
      return out;
    };
    const a = state(3);
    expect(state(3)).toEqual(a);
    expect(state(4)).not.toEqual(a);
    const lora = Object.keys(a).filter((k) => k.endsWith('lora_A.weight'));
    expect(lora.length).toBeGreaterThan(1);
    expect(a[lora[0]]).not.toEqual(a[lora[1]]);
  });

  it('rejects a seed that is not an unsigned 32-bit integer, naming the field', () => {
    expect(() => createAdapter(configOf('lora'), { weight: weight() }, { seed: -1 })).toThrow(/"seed" must be an integer in \[0, 2\^32\), got -1/);
    expect(() => injectAdapter(tinyModel(), { method: 'lora', r: 2, targetModules: ['q_proj'] }, { seed: 1.5 })).toThrow(/"seed" must be an integer in \[0, 2\^32\), got 1.5/);
  });
});

describe('seeded dropout', () => {
  it.each(METHODS)('%s with dropout 0.2 gives identical outputs and gradients twice with the same seed', (method) => {
    const x = tf.randomNormal([6, 16], 0, 1, 'float32', 9) as tf.Tensor2D;
    const run = (seed: number) => {
      const layer = createAdapter(configOf(method, { dropout: 0.2 }), { weight: weight() }, { seed: 1 });
      // B starts at zero, which would hide the mask: give every factor a value first.
      for (const v of layer.trainableVariables) v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.1, 'float32', 2)));
      layer.training = true;
      layer.dropoutSeed = seed;
      const outs = [0, 1].map(() => Array.from((layer.apply(x) as tf.Tensor).dataSync()));
      const grads = tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar, layer.trainableVariables);
      const g = Object.values(grads.grads).map((t) => Array.from(t.dataSync()));
      tf.dispose(Object.values(grads.grads));
      layer.training = false;
      const evalOut = Array.from((layer.apply(x) as tf.Tensor).dataSync());
      layer.dispose();
      return { outs, g, evalOut };
    };
    const a = run(11);
    const b = run(11);
    expect(b.outs).toEqual(a.outs);
    expect(b.g).toEqual(a.g);
    // Two forward passes draw two different masks, and another seed gives other masks.
    expect(a.outs[1]).not.toEqual(a.outs[0]);
    expect(run(12).outs[0]).not.toEqual(a.outs[0]);
    expect(a.evalOut).not.toEqual(a.outs[0]);
  });

  it('AdapterModel.train(true, seed) repeats the masks of every layer', () => {
    const x = tf.randomNormal([2, 3, 16], 0, 1, 'float32', 4);
    const run = (seed: number) => {
      const model = tinyModel();
      const m = injectAdapter(model, { method: 'lora', r: 2, dropout: 0.2, targetModules: ['q_proj', 'v_proj'] }, { seed: 5 });
      for (const v of m.trainableVariables()) v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.1, 'float32', 3)));
      m.train(true, seed);
      const outs = [...model.namedLinears()].filter(([p]) => /q_proj|v_proj/.test(p)).map(([, l]) => Array.from(l.apply(x).dataSync()));
      m.dispose();
      return outs;
    };
    expect(run(21)).toEqual(run(21));
    expect(run(22)).not.toEqual(run(21));
  });
});
