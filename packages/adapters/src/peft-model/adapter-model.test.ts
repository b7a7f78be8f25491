import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { initBackend } from '@smoa/backend';
import { randomMatrix, relError } from '../testing/fixtures';
import { loadTinyProjections, type TinyProjections } from '../testing/tiny-model';
import { AdapterModel, injectAdapter } from './adapter-model';
import { matchesTarget } from './match';

let model: TinyProjections;
const Q0 = 'model.layers.0.self_attn.q_proj';
const V1 = 'model.layers.1.self_attn.v_proj';

beforeAll(async () => {
  await initBackend();
});
beforeEach(async () => {
  model = await loadTinyProjections();
});
afterEach(() => model.dispose());

/** Non-zero B so the adapter changes outputs. */
function perturb(m: AdapterModel, name: string, value = 0.05): void {
  for (const layer of m.modules(name).values()) {
    const record = Object.fromEntries(Object.entries(layer.state()).map(([k, v]) => [k, k.includes('lora_B') ? tf.fill(v.shape, value) : tf.clone(v)]));
    layer.loadState(record);
    tf.dispose(Object.values(record));
  }
}

describe('target matching (PEFT rules)', () => {
  it('matches list entries exactly or as dotted suffixes, strings as full regexes, and layer indices', () => {
    expect(matchesTarget(Q0, { targetModules: ['q_proj'] })).toBe(true);
    expect(matchesTarget(Q0, { targetModules: ['self_attn.q_proj'] })).toBe(true);
    expect(matchesTarget(Q0, { targetModules: ['proj'] })).toBe(false);
    expect(matchesTarget(Q0, { targetModules: [Q0] })).toBe(true);
    expect(matchesTarget(Q0, { targetModules: '.*q_proj' })).toBe(true);
    expect(matchesTarget(Q0, { targetModules: 'q_proj' })).toBe(false);
    expect(matchesTarget(Q0, { targetModules: ['q_proj'], layersToTransform: [1] })).toBe(false);
    expect(matchesTarget(Q0, { targetModules: ['q_proj'], layersToTransform: 0 })).toBe(true);
    expect(matchesTarget('lm_head', { targetModules: 'all-linear' })).toBe(false);
  });

  it('injects into exactly the matched modules', () => {
    const m = injectAdapter(model, { method: 'lora', r: 2, targetModules: ['q_proj', 'v_proj'], layersToTransform: [1] });
    expect([...m.modules().keys()]).toEqual(['model.layers.1.self_attn.q_proj', V1]);
    const all = injectAdapter(model, { method: 'smoa', r: 4, targetModules: 'model\\.layers\\.\\d+\\.mlp\\..*' }, 'mlp');
    expect([...all.modules('mlp').keys()]).toHaveLength(6);
  });

  it('errors when nothing matches, listing the modules that exist', () => {
    expect(() => injectAdapter(model, { method: 'lora', r: 2, targetModules: ['query'] })).toThrow(/matched none of the model's linear modules.*model\.layers\.0\.self_attn\.q_proj/s);
    expect(() => injectAdapter(model, { method: 'lora', r: 2, targetModules: ['q_proj'], layersToTransform: [7] })).toThrow(/layersToTransform \[7\]/);
  });

  it('rejects adapter names that could leave the save directory', () => {
    for (const bad of ['../x', 'a/b', 'a\\b', '..']) {
      expect(() => injectAdapter(model, { method: 'lora', r: 2, targetModules: ['q_proj'] }, bad)).toThrow(/adapter name .* must not contain a path separator/);
    }
  });
});

describe('several named adapters', () => {
  it('switches, disables and deletes adapters, and the Linear follows', () => {
    const q = model.get(Q0);
    const x = randomMatrix(3, 64, 4);
    const base = q.apply(x);
    const m = injectAdapter(model, { method: 'smoa', r: 4, targetModules: ['q_proj'] }, 'a');
    m.addAdapter('b', { method: 'lora', r: 2, targetModules: ['q_proj', 'k_proj'] });
    perturb(m, 'a', 0.05);
    perturb(m, 'b', -0.02);
    // PEFT's rule: adding an adapter leaves the active one unchanged.
    expect(m.activeAdapters).toEqual(['a']);
    m.setAdapter('b');
    const yb = q.apply(x);
    m.setAdapter('a');
    const ya = q.apply(x);
    expect(relError(ya, base)).toBeGreaterThan(1e-3);
    expect(relError(yb, base)).toBeGreaterThan(1e-3);
    expect(relError(ya, m.modules('a').get(Q0)!.apply(x))).toBeLessThan(1e-6);
    expect(q.trainableVariables()).toEqual(m.modules('a').get(Q0)!.trainableVariables);
    m.setAdapter(['a', 'b']);
    const both = tf.sub(tf.add(ya, yb), base);
    expect(relError(q.apply(x), both)).toBeLessThan(1e-5);
    m.withAdaptersDisabled(() => expect(relError(q.apply(x), base)).toBeLessThan(1e-7));
    m.deleteAdapter('a');
    expect(m.adapterNames).toEqual(['b']);
    expect(m.activeAdapters).toEqual(['b']);
    expect(() => m.setAdapter('a')).toThrow(/no adapter named "a"; adapters: b/);
    m.unload();
    expect(q.hook).toBeUndefined();
    expect(relError(q.apply(x), base)).toBe(0);
  });

  it('merges, unmerges exactly, and merge-and-unload leaves plain projections with the adapted outputs', () => {
    const q = model.get(Q0);
    const original = q.weight;
    const m = injectAdapter(model, { method: 'dora', r: 2, targetModules: ['q_proj'] });
    perturb(m, 'default');
    const x = randomMatrix(3, 64, 5);
    const adapted = q.apply(x);
    m.merge();
    expect(q.weight).not.toBe(original);
    expect(relError(q.apply(x), adapted)).toBeLessThan(1e-5);
    m.unmerge();
    expect(q.weight).toBe(original);
    m.mergeAndUnload({ keepOriginal: true });
    expect(q.hook).toBeUndefined();
    expect(relError(q.apply(x), adapted)).toBeLessThan(1e-5);
  });

  it("reports trainable parameters like PEFT's print_trainable_parameters", () => {
    const m = injectAdapter(model, { method: 'lora', r: 4, targetModules: ['q_proj', 'v_proj'] });
    const base = [...model.namedLinears()].reduce((n, [, l]) => n + l.numParams, 0);
    const trainable = 4 * 4 * (64 + 64);
    expect(m.trainableParameters()).toEqual({ trainable, all: base + trainable, percent: (100 * trainable) / (base + trainable) });
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    m.printTrainableParameters();
    expect(log).toHaveBeenCalledWith(`trainable params: 2,048 || all params: ${(base + trainable).toLocaleString('en-US')} || trainable%: ${((100 * trainable) / (base + trainable)).toFixed(4)}`);
    log.mockRestore();
  });

  it('keeps numTensors flat over training steps through the container', () => {
    const m = injectAdapter(model, { method: 'smoa', r: 4, targetModules: ['q_proj', 'down_proj'] });
    const q = model.get(Q0);
    const down = model.get('model.layers.0.mlp.down_proj');
    const x = randomMatrix(4, 64, 6);
    const opt = tf.train.adam(1e-2);
    const step = () =>
      opt.minimize(() => tf.sum(tf.square(down.apply(tf.slice(tf.concat([q.apply(x), q.apply(x), q.apply(x)], 1), [0, 0], [4, 176])))) as tf.Scalar, false, m.trainableVariables());
    step();
    const start = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) step();
    expect(tf.memory().numTensors).toBe(start);
    opt.dispose();
  });
});
