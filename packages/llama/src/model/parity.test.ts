import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@smoa/backend';
import { loadLlama } from '../node';
import { fixture, maxRelDiff, readAll, rows } from '../test-util/fixtures';
import { ropeInverseFrequencies } from './rope';

beforeAll(async () => {
  await initBackend();
});

describe('llama_tiny_mha parity with the float64 PyTorch reference', () => {
  it('matches logits within 1e-4 and greedy tokens exactly', async () => {
    const { model } = await loadLlama(fixture('llama_tiny_mha'));
    const exp = await readAll(fixture('llama_tiny_mha', 'expected.safetensors'));
    const ids = tf.tensor2d(exp.input_ids.data as Int32Array, exp.input_ids.shape as [number, number], 'int32');
    const logits = model.forward(ids);
    expect(logits.shape).toEqual(exp.logits.shape);
    expect(maxRelDiff(await logits.data(), exp.logits.data)).toBeLessThan(1e-4);
    const prompt = rows(exp.input_ids.data, exp.input_ids.shape)[0];
    const greedy = rows(exp.greedy.data, exp.greedy.shape)[0];
    for (const useCache of [true, false]) {
      const generated = await model.generate([prompt], { maxNewTokens: greedy.length - prompt.length, eosTokenId: [], useCache });
      expect([...prompt, ...generated[0]]).toEqual(greedy);
    }
    tf.dispose([ids, logits]);
    model.dispose();
  });
});

// Fixtures from scripts/llama_reference.py (numpy float64): one configuration each.
const generated = readdirSync(fixture('generated'));

describe.each(generated)('generated/%s parity with the numpy float64 reference', (name) => {
  it('gives each left-padded row the logits it gets alone, within 1e-4', async () => {
    const { model, config } = await loadLlama(fixture('generated', name));
    const exp = await readAll(fixture('generated', name, 'expected.safetensors'));
    const [B, T] = exp.input_ids.shape as [number, number];
    const V = config.vocabSize;
    const ids = tf.tensor2d(exp.input_ids.data as Int32Array, [B, T], 'int32');
    const mask = tf.tensor2d(exp.attention_mask.data as Int32Array, [B, T], 'int32');
    const logits = model.forward(ids, { attentionMask: mask });
    const got = await logits.data();
    const want = exp.logits.data;
    const m = exp.attention_mask.data;
    let compared = 0;
    for (let i = 0; i < B * T; i++) {
      if (!m[i]) continue;
      expect(maxRelDiff(got.subarray(i * V, (i + 1) * V), want.subarray(i * V, (i + 1) * V))).toBeLessThan(1e-4);
      compared++;
    }
    expect(compared).toBeGreaterThan(T);
    expect(maxRelDiff(Float64Array.from(ropeInverseFrequencies(config)), exp.inv_freq.data)).toBeLessThan(1e-12);
    tf.dispose([ids, mask, logits]);
    model.dispose();
  });

  it('decodes the reference greedy tokens for prompts of different lengths in one batch, with and without the cache', async () => {
    const { model } = await loadLlama(fixture('generated', name));
    const exp = await readAll(fixture('generated', name, 'expected.safetensors'));
    const [B, T] = exp.input_ids.shape as [number, number];
    const prompts = rows(exp.input_ids.data, [B, T]).map((r, b) => r.filter((_, t) => exp.attention_mask.data[b * T + t] === 1));
    const want = rows(exp.greedy.data, exp.greedy.shape);
    for (const useCache of [true, false]) {
      expect(await model.generate(prompts, { maxNewTokens: want[0].length, eosTokenId: [], useCache })).toEqual(want);
    }
    model.dispose();
  });
});
