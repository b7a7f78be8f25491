import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@smoa/backend';
import { embeddedModelDir, loadLlama } from '../node';
import { generateText } from './generate-text';

beforeAll(async () => {
  await initBackend();
});

describe('streaming generation', () => {
  it('delivers each token through onToken as it is chosen, in order, matching the result', async () => {
    const { model } = await loadLlama(embeddedModelDir());
    const seen: [number, number, number][] = [];
    const before = tf.memory().numTensors;
    const out = await model.generate([[1], [1, 403, 280]], { maxNewTokens: 12, eosTokenId: [], onToken: (t, row, step) => seen.push([t, row, step]) });
    expect(tf.memory().numTensors).toBe(before);
    for (const row of [0, 1]) {
      expect(seen.filter(([, r]) => r === row).map(([t]) => t)).toEqual(out[row]);
      expect(seen.filter(([, r]) => r === row).map(([, , s]) => s)).toEqual([...Array(12).keys()]);
    }
    model.dispose();
  });

  it('streams text in pieces that add up to the result, and stops before a stop string', async () => {
    const { model, tokenizer } = await loadLlama(embeddedModelDir(), { tokenizer: 'required' });
    const pieces: string[] = [];
    const full = await generateText(model, tokenizer, '', { maxNewTokens: 40, onText: (d) => pieces.push(d) });
    expect(full.startsWith('Once upon a time, there was a little girl named Lily.')).toBe(true);
    expect(pieces.length).toBeGreaterThan(5);
    expect(pieces.join('')).toBe(full);

    const streamed: string[] = [];
    const cut = await generateText(model, tokenizer, '', { maxNewTokens: 40, stopStrings: ['little girl', 'zzz'], onText: (d) => streamed.push(d) });
    expect(cut).toBe('Once upon a time, there was a ');
    // Nothing of the stop string was ever shown.
    expect(streamed.join('')).toBe(cut);
    await expect(generateText(model, tokenizer, '', { maxNewTokens: 4, stopStrings: [''] })).rejects.toThrow(/"stopStrings" must be a list of non-empty strings/);
    model.dispose();
  });

  it('stops at every EOS id of generation_config.json by default', async () => {
    const { model } = await loadLlama(embeddedModelDir());
    const [free] = await model.generate([[1]], { maxNewTokens: 10, eosTokenId: [] });
    // Make the 4th greedy token an EOS id, as a generation_config.json list would.
    const [stopped] = await model.generate([[1]], { maxNewTokens: 10, eosTokenId: [9999, free[3]] });
    expect(stopped).toEqual(free.slice(0, 4));
    model.dispose();
  });
});
