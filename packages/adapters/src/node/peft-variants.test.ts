import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { initBackend } from '@smoa/backend';
import { readSafetensors, serializeSafetensors } from '@smoa/safetensors';
import { injectAdapter, STATE_PREFIX, type AdapterModel, type AdapterModelConfig } from '../peft-model/adapter-model';
import { randomMatrix, relError } from '../testing/fixtures';
import { loadTinyProjections, type TinyProjections } from '../testing/tiny-model';
import { loadAdapter, saveAdapter } from './adapter-dir';

// PEFT's formulas, written out from its source (huggingface/peft, src/peft/tuners/{lora,hira}) and
// evaluated here on the saved tensors alone, so the files are checked against PEFT, not against our layers.

let dir: string;
let model: TinyProjections;
const K0 = 'model.layers.0.self_attn.k_proj';

beforeAll(async () => {
  await initBackend();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smoa-peft-'));
  model = await loadTinyProjections();
});
afterEach(async () => {
  model.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** Gives every factor random values so that the update is far from zero. */
function perturb(m: AdapterModel): void {
  let seed = 1;
  for (const layer of m.modules().values()) {
    const record = Object.fromEntries(Object.entries(layer.state()).map(([k, v]) => [k, tf.add(v, tf.reshape(tf.mul(randomMatrix(v.size, 1, seed++), 0.1), v.shape))]));
    layer.loadState(record);
    tf.dispose(Object.values(record));
  }
}

async function saved(): Promise<{ config: Record<string, unknown>; tensor: (key: string) => Promise<tf.Tensor2D> }> {
  const config = JSON.parse(await readFile(join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  const reader = await readSafetensors(await readFile(join(dir, 'adapter_model.safetensors')));
  return {
    config,
    tensor: async (key) => {
      const { shape, data } = await reader.readFloat32(`${STATE_PREFIX}${K0}.${key}`);
      return tf.tensor2d(data, (shape.length === 1 ? [shape[0], 1] : shape) as [number, number]);
    },
  };
}

const x = () => randomMatrix(5, 64, 9);

async function adapted(config: AdapterModelConfig): Promise<{ m: AdapterModel; y: tf.Tensor }> {
  const m = injectAdapter(model, config);
  perturb(m);
  return { m, y: model.get(K0).apply(x()) };
}

describe("PEFT's LoRA variants and HiRA, both ways", () => {
  it('rsLoRA: use_rslora, scale alpha / sqrt(r)', async () => {
    const { m, y } = await adapted({ method: 'lora', r: 4, alpha: 8, rslora: true, targetModules: ['k_proj'] });
    await saveAdapter(m, dir);
    const f = await saved();
    expect(f.config).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 8, use_rslora: true, use_dora: false, init_lora_weights: true });
    const [a, b] = [await f.tensor('lora_A.weight'), await f.tensor('lora_B.weight')];
    const w = model.get(K0).weight;
    const peft = tf.add(tf.matMul(x(), w, false, true), tf.mul(tf.matMul(tf.matMul(x(), a, false, true), b, false, true), 8 / Math.sqrt(4)));
    expect(relError(y, peft)).toBeLessThan(1e-5);
    m.unload();
    const back = await loadAdapter(model, dir);
    expect(back.config('default')).toMatchObject({ method: 'lora', rslora: true });
    expect(relError(model.get(K0).apply(x()), y)).toBe(0);
    back.unload();
  });

  it('DoRA: use_dora, lora_magnitude_vector [out], W\' = m (W + s B A) / ||W + s B A|| per output row', async () => {
    const { m, y } = await adapted({ method: 'dora', r: 2, alpha: 4, targetModules: ['k_proj'] });
    await saveAdapter(m, dir);
    const f = await saved();
    expect(f.config).toMatchObject({ peft_type: 'LORA', use_dora: true, r: 2, lora_alpha: 4 });
    const [a, b, mag] = [await f.tensor('lora_A.weight'), await f.tensor('lora_B.weight'), await f.tensor('lora_magnitude_vector')];
    const w = model.get(K0).weight;
    const v = tf.add(w, tf.mul(tf.matMul(b, a), 2));
    const merged = tf.mul(v, tf.div(mag, tf.norm(v, 'euclidean', 1, true)));
    expect(relError(y, tf.matMul(x(), merged, false, true))).toBeLessThan(1e-5);
    m.unload();
    const back = await loadAdapter(model, dir);
    expect(back.config('default').method).toBe('dora');
    expect(relError(model.get(K0).apply(x()), y)).toBe(0);
    back.unload();
  });

  it('PiSSA: pissaAsLora writes PEFT\'s converted form (rank 2r, [A; A0], [B, -B0]) that any LoRA reader applies to the original weight', async () => {
    for (const rslora of [false, true]) {
      const { m, y } = await adapted({ method: 'lora', r: 2, alpha: 4, rslora, init: 'pissa', targetModules: ['k_proj'] });
      await saveAdapter(m, dir, { pissaAsLora: true });
      const f = await saved();
      const alpha = rslora ? 4 * Math.SQRT2 : 8;
      expect(f.config).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: alpha, use_rslora: rslora, init_lora_weights: true });
      const [a, b] = [await f.tensor('lora_A.weight'), await f.tensor('lora_B.weight')];
      expect([a.shape, b.shape]).toEqual([
        [4, 64],
        [64, 4],
      ]);
      const s = rslora ? alpha / Math.sqrt(4) : alpha / 4;
      const w = model.get(K0).weight; // the original weight: no residual anywhere
      const peft = tf.add(tf.matMul(x(), w, false, true), tf.mul(tf.matMul(tf.matMul(x(), a, false, true), b, false, true), s));
      expect(relError(y, peft)).toBeLessThan(1e-5);
      m.unload();
      const back = await loadAdapter(model, dir);
      expect(back.config('default')).toMatchObject({ method: 'lora', r: 4 });
      expect(relError(model.get(K0).apply(x()), y)).toBeLessThan(1e-5);
      back.unload();
    }
  });

  it('HiRA: PEFT\'s hira_A / hira_B and hira_dropout, no alpha (alpha / r folded into hira_B)', async () => {
    const { m, y } = await adapted({ method: 'hira', r: 2, alpha: 6, dropout: 0.1, targetModules: ['k_proj'] });
    m.eval();
    const yEval = model.get(K0).apply(x());
    await saveAdapter(m, dir);
    const f = await saved();
    expect(f.config).toMatchObject({ peft_type: 'HIRA', r: 2, hira_dropout: 0.1, init_weights: true });
    expect(f.config).not.toHaveProperty('lora_alpha');
    expect(f.config).not.toHaveProperty('lora_dropout');
    const [a, b] = [await f.tensor('hira_A'), await f.tensor('hira_B')];
    const w = model.get(K0).weight;
    // PEFT: result + F.linear(x, W * (A^T B^T)^T).
    const peft = tf.add(tf.matMul(x(), w, false, true), tf.matMul(x(), tf.mul(w, tf.matMul(b, a)), false, true));
    expect(relError(yEval, peft)).toBeLessThan(1e-5);
    expect(relError(y, yEval)).toBe(0);
    m.unload();
    const warn = vi.fn();
    const back = await loadAdapter(model, dir, { onWarning: warn });
    expect(warn).not.toHaveBeenCalled();
    expect(back.config('default')).toMatchObject({ method: 'hira', r: 2, dropout: 0.1 });
    expect(relError(model.get(K0).apply(x()), yEval)).toBeLessThan(1e-5);
    back.unload();
  });

  it('HiRA files in our old layout (lora_A / lora_B, lora_alpha) still load, with a warning', async () => {
    const { m, y } = await adapted({ method: 'hira', r: 2, alpha: 6, targetModules: [K0] });
    const layer = m.modules().get(K0)!;
    const state = layer.state();
    const tensors = {
      [`${STATE_PREFIX}${K0}.lora_A.weight`]: { shape: state.hira_A.shape, data: state.hira_A.dataSync() as Float32Array },
      [`${STATE_PREFIX}${K0}.lora_B.weight`]: { shape: state.hira_B.shape, data: state.hira_B.dataSync() as Float32Array },
    };
    await writeFile(join(dir, 'adapter_model.safetensors'), serializeSafetensors(tensors, { format: 'pt' }));
    await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'HIRA', r: 2, lora_alpha: 6, lora_dropout: 0, target_modules: [K0] }));
    m.unload();
    const warn = vi.fn();
    const back = await loadAdapter(model, dir, { onWarning: warn });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/adapter_model\.safetensors: HiRA weights in the old lora_A \/ lora_B layout .* read as PEFT's hira_A \/ hira_B/));
    expect(relError(model.get(K0).apply(x()), y)).toBe(0);
    back.unload();
  });

  // adapter_config.json files exactly as PEFT writes them (huggingface/peft, Apache-2.0:
  // method_comparison/MetaMathQA/experiments/{hira/llama-3.2-3B-rank32-lr4.5e-3,lora/llama-3.2-3B-rank32-dora,
  // lora/llama-3.2-3B-rank64-rslora}/adapter_config.json), with target_modules set for the tiny model and r
  // kept small; weights under PEFT's key names. They load without a warning and give PEFT's outputs.
  const PEFT_COMMON = { auto_mapping: null, base_model_name_or_path: null, exclude_modules: null, fan_in_fan_out: false, inference_mode: false, layers_pattern: null, layers_to_transform: null, modules_to_save: null, rank_pattern: {}, task_type: 'CAUSAL_LM', target_modules: [K0] };
  const PEFT_LORA = { ...PEFT_COMMON, alpha_pattern: {}, bias: 'none', corda_config: null, eva_config: null, init_lora_weights: true, layer_replication: null, loftq_config: {}, lora_bias: false, lora_dropout: 0.0, megatron_config: null, megatron_core: 'megatron.core', revision: null, peft_type: 'LORA' };
  it.each([
    ['HiRA', { ...PEFT_COMMON, hira_dropout: 0.0, init_weights: true, peft_type: 'HIRA', r: 4 }],
    ['DoRA', { ...PEFT_LORA, r: 4, lora_alpha: 8, use_dora: true, use_rslora: false }],
    ['rsLoRA', { ...PEFT_LORA, r: 4, lora_alpha: 4, use_dora: false, use_rslora: true }],
  ] as const)('reads a %s adapter_config.json as PEFT writes it', async (name, config) => {
    const w = model.get(K0).weight;
    const [out, inn] = w.shape;
    const a = randomMatrix(4, inn, 3, 0.2);
    const b = randomMatrix(out, 4, 4, 0.2);
    const mag = tf.add(tf.norm(w, 'euclidean', 1), 0.3);
    const keys = name === 'HiRA' ? { hira_A: a, hira_B: b } : { 'lora_A.weight': a, 'lora_B.weight': b, ...(name === 'DoRA' ? { lora_magnitude_vector: mag } : {}) };
    const tensors = Object.fromEntries(Object.entries(keys).map(([k, t]) => [`${STATE_PREFIX}${K0}.${k}`, { shape: t.shape, data: t.dataSync() as Float32Array }]));
    await writeFile(join(dir, 'adapter_model.safetensors'), serializeSafetensors(tensors, { format: 'pt' }));
    await writeFile(join(dir, 'adapter_config.json'), JSON.stringify(config, null, 2));
    const warn = vi.fn();
    const m = await loadAdapter(model, dir, { onWarning: warn });
    expect(warn).not.toHaveBeenCalled();
    const plain = tf.matMul(x(), w, false, true);
    let peft: tf.Tensor;
    if (name === 'HiRA') peft = tf.add(plain, tf.matMul(x(), tf.mul(w, tf.matMul(b, a)), false, true));
    else if (name === 'rsLoRA') peft = tf.add(plain, tf.mul(tf.matMul(tf.matMul(x(), a, false, true), b, false, true), 4 / Math.sqrt(4)));
    else {
      const v = tf.add(w, tf.mul(tf.matMul(b, a), 8 / 4));
      peft = tf.matMul(x(), tf.mul(v, tf.div(tf.reshape(mag, [out, 1]), tf.norm(v, 'euclidean', 1, true))), false, true);
    }
    expect(relError(model.get(K0).apply(x()), peft)).toBeLessThan(1e-5);
    m.unload();
  });
});
