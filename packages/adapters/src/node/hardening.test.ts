import * as tf from '@tensorflow/tfjs-core';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { initBackend } from '@smoa/backend';
import { readSafetensors, serializeSafetensors } from '@smoa/safetensors';
import { injectAdapter } from '../peft-model/adapter-model';
import { createAdapter } from '../tuners/registry';
import { fixturePath, randomMatrix } from '../testing/fixtures';
import { loadTinyProjections, type TinyProjections } from '../testing/tiny-model';
import { loadAdapter } from './adapter-dir';

let dir: string;
let model: TinyProjections;
const Q0 = 'model.layers.0.self_attn.q_proj';
const quiet = { onWarning: () => {} };

beforeAll(async () => {
  await initBackend();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smoa-hardening-'));
  model = await loadTinyProjections();
});
afterEach(async () => {
  model.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** Every projection's output on fixed inputs: the adapted model's "logits", projection by projection. */
const outputs = () => tf.tidy(() => [...model.namedLinears()].map(([, l], i) => Array.from(l.apply(randomMatrix(3, l.inFeatures, 40 + i)).dataSync())));

describe('target_modules patterns from files', () => {
  it('a catastrophic-backtracking pattern is matched in linear time and reported as matching nothing', async () => {
    await cp(fixturePath('peft_tiny_mha/lora'), dir, { recursive: true });
    const cfg = join(dir, 'adapter_config.json');
    const json = JSON.parse(await readFile(cfg, 'utf8'));
    await writeFile(cfg, JSON.stringify({ ...json, target_modules: '(.|.)*x' }));
    await expect(loadAdapter(model, dir)).rejects.toThrow(/"targetModules" "\(\.\|\.\)\*x" matched none of the model's linear modules/);
    // PEFT's full match: ".*q_proj" takes exactly the q projections.
    await writeFile(cfg, JSON.stringify({ ...json, target_modules: '(.|.)*q_proj' }));
    await expect(loadAdapter(model, dir)).rejects.toThrow(/match no adapted module: base_model\.model\.model\.layers\.0\.self_attn\.v_proj\.lora_A\.weight/);
  });

  it('a pattern RE2 cannot run (lookahead) is an error naming the file', async () => {
    await cp(fixturePath('peft_tiny_mha/lora'), dir, { recursive: true });
    const cfg = join(dir, 'adapter_config.json');
    const json = JSON.parse(await readFile(cfg, 'utf8'));
    await writeFile(cfg, JSON.stringify({ ...json, target_modules: '^(?!.*lm_head).*_proj$' }));
    await expect(loadAdapter(model, dir)).rejects.toThrow(/adapter_config\.json: "target_modules" pattern .* linear time/);
  });
});

describe('loadAdapter + unload', () => {
  it('keeps tf.memory().numTensors flat over cycles (it leaked one tensor per file tensor)', async () => {
    const once = async () => (await loadAdapter(model, fixturePath('peft_tiny_mha/smoa'))).unload();
    await once();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await once();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('a second adapter on the same base (PEFT rule: added by name, or an error)', () => {
  it('loadAdapter twice: the same name is an error, another name is added beside the first, which stays active', async () => {
    const lora = await loadAdapter(model, fixturePath('peft_tiny_mha/lora'));
    const withLora = outputs();
    await expect(loadAdapter(model, fixturePath('peft_tiny_mha/smoa'))).rejects.toThrow(/already has an adapter named "default" \(adapters: default\); pass another adapterName/);
    expect(outputs()).toEqual(withLora);
    const both = await loadAdapter(model, fixturePath('peft_tiny_mha/smoa'), { adapterName: 'smoa' });
    expect(both).toBe(lora); // one AdapterModel per base: the first handle stays valid
    expect(both.adapterNames).toEqual(['default', 'smoa']);
    expect(both.activeAdapters).toEqual(['default']);
    expect(outputs()).toEqual(withLora);
    both.setAdapter('smoa');
    const withSmoa = outputs();
    both.unload();
    const alone = await loadAdapter(model, fixturePath('peft_tiny_mha/smoa'));
    expect(outputs()).toEqual(withSmoa); // exactly the second adapter, never a mix
    alone.unload();
  });

  it('activate: true makes the loaded adapter the active one', async () => {
    await loadAdapter(model, fixturePath('peft_tiny_mha/lora'));
    const m = await loadAdapter(model, fixturePath('peft_tiny_mha/smoa'), { adapterName: 'smoa', activate: true });
    expect(m.activeAdapters).toEqual(['smoa']);
    m.unload();
  });

  it('injectAdapter twice on the base: same rule', () => {
    const a = injectAdapter(model, { method: 'lora', r: 2, targetModules: ['q_proj'] });
    expect(() => injectAdapter(model, { method: 'smoa', r: 2, targetModules: ['q_proj'] })).toThrow(/adapter "default" already exists on this model \(adapters: default\)/);
    const b = injectAdapter(model, { method: 'smoa', r: 2, targetModules: ['q_proj'] }, 'second');
    expect(b).toBe(a);
    expect(a.activeAdapters).toEqual(['default']);
    a.unload();
    expect(model.get(Q0).hook).toBeUndefined();
  });

  it('a second AdapterModel built by hand cannot hook the same projections', async () => {
    const { AdapterModel } = await import('../peft-model/adapter-model');
    const first = injectAdapter(model, { method: 'lora', r: 2, targetModules: ['q_proj'] });
    const other = new AdapterModel(model);
    expect(() => other.addAdapter('x', { method: 'lora', r: 2, targetModules: ['q_proj'] })).toThrow(/already carries adapters of another AdapterModel \(adapters: default\)/);
    first.unload();
    other.addAdapter('x', { method: 'lora', r: 2, targetModules: ['q_proj'] });
    other.unload();
  });
});

describe('configs written in code are strict', () => {
  it('an unknown key is an error naming the closest valid key', () => {
    const w = randomMatrix(8, 12, 1);
    expect(() => createAdapter({ method: 'smoa', r: 4, numBlock: 2 } as never, { weight: w })).toThrow(/smoa adapter config: unknown key "numBlock" \(did you mean "numBlocks"\?\)/);
    expect(() => injectAdapter(model, { method: 'lora', r: 4, rsLora: true, targetModules: ['q_proj'] } as never)).toThrow(/unknown key "rsLora" \(did you mean "rslora"\?\)/);
    expect(() => injectAdapter(model, { method: 'lora', r: 4, target_modules: ['q_proj'] } as never)).toThrow(/unknown key "target_modules" \(did you mean "targetModules"\?\)/);
    expect(model.get(Q0).hook).toBeUndefined();
    w.dispose();
  });

  it('unknown keys in files still only warn', async () => {
    await cp(fixturePath('peft_tiny_mha/lora'), dir, { recursive: true });
    const cfg = join(dir, 'adapter_config.json');
    await writeFile(cfg, JSON.stringify({ ...JSON.parse(await readFile(cfg, 'utf8')), num_block: 2 }));
    const warn = vi.fn();
    (await loadAdapter(model, dir, { onWarning: warn })).unload();
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/unknown key "num_block" ignored/));
  });
});

describe('NaN / Inf in adapter weights', () => {
  it('is refused on load, naming the file and tensor; allowNonFinite loads it', async () => {
    await cp(fixturePath('peft_tiny_mha/lora'), dir, { recursive: true });
    const file = join(dir, 'adapter_model.safetensors');
    const reader = await readSafetensors(await readFile(file), file);
    const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const k of reader.keys()) tensors[k] = await reader.readFloat32(k);
    const bad = 'base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight';
    tensors[bad].data[5] = NaN;
    await writeFile(file, serializeSafetensors(tensors));
    const before = tf.memory().numTensors;
    await expect(loadAdapter(model, dir)).rejects.toThrow(new RegExp(`adapter_model\\.safetensors: tensor "${bad.replace(/\./g, '\\.')}" holds NaN at \\[1, 1\\].*allowNonFinite`));
    expect(tf.memory().numTensors).toBe(before);
    expect(model.get(Q0).hook).toBeUndefined();
    const m = await loadAdapter(model, dir, { allowNonFinite: true });
    expect(Number.isNaN(m.state()[bad].dataSync()[5])).toBe(true);
    m.unload();
  });
});

describe('adapter_model.bin (the SMoA authors’ default save)', () => {
  it.each(['smoa', 'lora'])('%s: the .bin twin gives exactly the outputs of its safetensors twin', async (name) => {
    const st = await loadAdapter(model, fixturePath(`peft_tiny_mha/${name}`), quiet);
    const want = outputs();
    st.unload();
    const bin = await loadAdapter(model, fixturePath(`peft_tiny_mha/${name}_bin`), quiet);
    expect(outputs()).toEqual(want);
    bin.unload();
  });

  it('a .bin whose pickle would run os.system is refused and leaves nothing behind', async () => {
    await cp(fixturePath('peft_tiny_mha/lora/adapter_config.json'), join(dir, 'adapter_config.json'));
    await cp(fixturePath('torch-bin/os_system.bin'), join(dir, 'adapter_model.bin'));
    await expect(loadAdapter(model, dir)).rejects.toThrow(/adapter_model\.bin \(data\.pkl\): refused global os\.system/);
    expect(model.get(Q0).hook).toBeUndefined();
    await rm(join(dir, 'adapter_model.bin'));
    await expect(loadAdapter(model, dir)).rejects.toThrow(/adapter_model\.safetensors: cannot read \(no such file, and no adapter_model\.bin beside it\)/);
  });
});

describe('adapter_config.json nested very deep', () => {
  it('is an error naming the file, not a stack overflow', async () => {
    await cp(fixturePath('peft_tiny_mha/lora'), dir, { recursive: true });
    await writeFile(join(dir, 'adapter_config.json'), `{"peft_type": "LORA", "x": ${'['.repeat(5000)}${']'.repeat(5000)}}`);
    await expect(loadAdapter(model, dir)).rejects.toThrow(/adapter_config\.json: .*(deep|depth|nest)/i);
  });
});
