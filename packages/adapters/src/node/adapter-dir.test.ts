import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readdir, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { initBackend } from '@smoa/backend';
import { readSafetensors } from '@smoa/safetensors';
import { EXTRAS_METADATA_KEY } from '../checkpoint/files';
import { injectAdapter, type AdapterModelConfig } from '../peft-model/adapter-model';
import type { SMoALayer } from '../tuners/smoa/layer';
import { fixturePath, randomMatrix } from '../testing/fixtures';
import { loadTinyProjections, type TinyProjections } from '../testing/tiny-model';
import { loadAdapter, saveAdapter } from './adapter-dir';

let dir: string;
let model: TinyProjections;
const Q0 = 'model.layers.0.self_attn.q_proj';

beforeAll(async () => {
  await initBackend();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smoa-adapters-'));
  model = await loadTinyProjections();
});
afterEach(async () => {
  model.dispose();
  await rm(dir, { recursive: true, force: true });
});

const outputs = () => [...model.namedLinears()].map(([, l], i) => l.apply(randomMatrix(3, l.inFeatures, 40 + i)).dataSync());

describe('saveAdapter / loadAdapter', () => {
  const configs: AdapterModelConfig[] = [
    { method: 'smoa', r: 4, numBlocks: 2, alpha: 8, targetModules: ['q_proj', 'up_proj', 'down_proj'] },
    { method: 'smoa', r: 6, numBlocks: 3, branchRanks: [3, 0, 3], partition: 'subspaces', targetModules: ['v_proj'] },
    { method: 'lora', r: 3, alpha: 6, rslora: true, targetModules: '.*\\.o_proj', layersToTransform: [1] },
    { method: 'lora', r: 2, init: 'pissa', targetModules: ['k_proj'] },
    { method: 'hira', r: 2, targetModules: ['gate_proj'] },
    { method: 'melora', r: 4, numBlocks: 2, targetModules: ['q_proj'] },
    { method: 'dora', r: 2, targetModules: ['v_proj'] },
  ];
  it.each(configs.map((c) => [c.method + (c.method === 'smoa' ? `-${c.partition ?? 'blocks'}` : c.method === 'lora' ? `-${c.init ?? 'default'}` : ''), c] as const))(
    '%s reproduces outputs exactly after a round trip',
    async (_, config) => {
      const m = injectAdapter(model, config);
      for (const layer of m.modules().values()) {
        const record = Object.fromEntries(Object.entries(layer.state()).map(([k, v]) => [k, tf.add(v, tf.randomUniform(v.shape, -0.05, 0.05))]));
        layer.loadState(record);
      }
      const before = outputs();
      await saveAdapter(m, dir);
      expect((await readdir(dir)).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
      m.unload();
      const loaded = await loadAdapter(model, dir);
      expect(loaded.config('default')).toMatchObject(config);
      expect(outputs()).toEqual(before);
      loaded.unload();
    },
  );

  it('writes PEFT names and saves the SMoA block orders, which loading uses instead of recomputing', async () => {
    const m = injectAdapter(model, { method: 'smoa', r: 4, targetModules: ['q_proj'], layersToTransform: 0 });
    await saveAdapter(m, dir);
    const config = JSON.parse(await readFile(join(dir, 'adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({ peft_type: 'SMOA', r: 4, lora_alpha: 4, num_blocks: 2, target_modules: ['q_proj'], layers_to_transform: 0 });
    const reader = await readSafetensors(await readFile(join(dir, 'adapter_model.safetensors')));
    expect(reader.keys().sort()).toEqual([0, 1].flatMap((k) => [`base_model.model.${Q0}.lora_A.${k}.weight`, `base_model.model.${Q0}.lora_B.${k}.weight`]).sort());
    const extras = JSON.parse(reader.metadata[EXTRAS_METADATA_KEY]);
    const saved = m.modules().get(Q0) as SMoALayer;
    expect(extras[Q0].row_order).toEqual([...saved.blocks[0].rows, ...saved.blocks[1].rows]);
    m.unload();
    // A reversed order in the file must come back as is: proof that loading does not recompute it.
    extras[Q0].row_order.reverse();
    const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const k of reader.keys()) tensors[k] = await reader.readFloat32(k);
    const { serializeSafetensors } = await import('@smoa/safetensors');
    await writeFile(join(dir, 'adapter_model.safetensors'), serializeSafetensors(tensors, { [EXTRAS_METADATA_KEY]: JSON.stringify(extras) }));
    const loaded = await loadAdapter(model, dir);
    const layer = loaded.modules().get(Q0) as SMoALayer;
    expect([...layer.blocks[0].rows, ...layer.blocks[1].rows]).toEqual(extras[Q0].row_order);
    loaded.unload();
  });

  it('saves several adapters as PEFT does (default at the root, others in sub-folders)', async () => {
    const m = injectAdapter(model, { method: 'lora', r: 2, targetModules: ['q_proj'] });
    m.addAdapter('second', { method: 'smoa', r: 2, targetModules: ['v_proj'] });
    expect(await saveAdapter(m, dir)).toEqual([dir, join(dir, 'second')]);
    expect((await readdir(join(dir, 'second'))).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    m.unload();
  });
});

describe('reading adapters written by Hugging Face PEFT and by the SMoA authors', () => {
  it('loads the PEFT LoRA directory onto the matching projections', async () => {
    const m = await loadAdapter(model, fixturePath('peft_tiny_mha/lora'));
    expect(m.config('default')).toMatchObject({ method: 'lora', r: 4, alpha: 8, targetModules: ['q_proj', 'v_proj'] });
    expect([...m.modules().keys()]).toEqual(['model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.v_proj', 'model.layers.1.self_attn.q_proj', 'model.layers.1.self_attn.v_proj']);
    const reader = await readSafetensors(await readFile(fixturePath('peft_tiny_mha/lora/adapter_model.safetensors')));
    const state = m.state();
    expect(Object.keys(state).sort()).toEqual(reader.keys().sort());
    for (const k of reader.keys()) expect(Array.from(state[k].dataSync())).toEqual(Array.from((await reader.readFloat32(k)).data));
    m.unload();
  });

  it('loads the authors’ SMoA directory (no saved orders: recomputed) with every key and shape in place', async () => {
    const m = await loadAdapter(model, fixturePath('peft_tiny_mha/smoa'));
    expect(m.config('default')).toMatchObject({ method: 'smoa', r: 8, alpha: 16, numBlocks: 2 });
    expect(m.modules().size).toBe(10);
    const reader = await readSafetensors(await readFile(fixturePath('peft_tiny_mha/smoa/adapter_model.safetensors')));
    const state = m.state();
    expect(Object.keys(state).sort()).toEqual(reader.keys().sort());
    for (const k of reader.keys()) expect(state[k].shape).toEqual(reader.info(k).shape);
    const up = m.modules().get('model.layers.0.mlp.up_proj') as SMoALayer;
    expect(up.blocks.map((b) => [b.rows.length, b.cols.length])).toEqual([[88, 32], [88, 32]]);
    m.unload();
  });
});

describe('bad adapter directories', () => {
  it('names the file when the config is not JSON, lacks peft_type or has an unknown peft_type', async () => {
    await cp(fixturePath('peft_tiny_mha/lora'), dir, { recursive: true });
    const cfg = join(dir, 'adapter_config.json');
    await writeFile(cfg, '{ not json');
    await expect(loadAdapter(model, dir)).rejects.toThrow(/adapter_config\.json: not valid JSON/);
    await writeFile(cfg, JSON.stringify({ r: 4, target_modules: ['q_proj'] }));
    await expect(loadAdapter(model, dir)).rejects.toThrow(/adapter_config\.json: missing "peft_type"/);
    await writeFile(cfg, JSON.stringify({ peft_type: 'IA3', target_modules: ['q_proj'] }));
    await expect(loadAdapter(model, dir)).rejects.toThrow(/"peft_type" must be one of "SMOA", "LORA", "HIRA", "MELORA", got "IA3"/);
    await writeFile(cfg, JSON.stringify({ peft_type: 'LORA', r: 0, target_modules: ['q_proj'] }));
    await expect(loadAdapter(model, dir)).rejects.toThrow(/adapter_config\.json: LoRA config: "r" must be a positive integer/);
    await expect(loadAdapter(model, join(dir, 'missing'))).rejects.toThrow(/adapter_config\.json: cannot read \(no such file\)/);
  });

  it('warns about unknown keys instead of failing', async () => {
    await cp(fixturePath('peft_tiny_mha/lora'), dir, { recursive: true });
    const cfg = join(dir, 'adapter_config.json');
    const json = JSON.parse(await readFile(cfg, 'utf8'));
    await writeFile(cfg, JSON.stringify({ ...json, some_future_option: 3 }));
    const warn = vi.fn();
    const m = await loadAdapter(model, dir, { onWarning: warn });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/unknown key "some_future_option" ignored/));
    m.unload();
  });

  it('names missing and mis-shaped tensors', async () => {
    await cp(fixturePath('peft_tiny_mha/lora'), dir, { recursive: true });
    const cfg = join(dir, 'adapter_config.json');
    const json = JSON.parse(await readFile(cfg, 'utf8'));
    await writeFile(cfg, JSON.stringify({ ...json, target_modules: ['q_proj', 'v_proj', 'k_proj'] }));
    await expect(loadAdapter(model, dir)).rejects.toThrow(/module model\.layers\.0\.self_attn\.k_proj: .*missing "lora_A\.weight"/);
    await writeFile(cfg, JSON.stringify({ ...json, r: 2 }));
    await expect(loadAdapter(model, dir)).rejects.toThrow(/"lora_A\.weight" has shape \[4, 64\], expected \[2, 64\]/);
    // A failed load leaves no adapter behind.
    expect(model.get(Q0).hook).toBeUndefined();
  });
});
