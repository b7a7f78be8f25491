import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@smoa/backend';
import { embeddedModelDir, loadLlama } from '../node';
import { llamaConfig, randomLlama } from '../model/random';
import { createRng, sampleToken } from './sampling';

beforeAll(async () => {
  await initBackend();
});

describe('sampleToken', () => {
  const logits = [2, 1, 0.5, -1, 3];
  const softmax = (xs: number[], t = 1) => {
    const e = xs.map((x) => Math.exp(x / t));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  const histogram = (n: number, f: () => number) => {
    const h = new Array(logits.length).fill(0);
    for (let i = 0; i < n; i++) h[f()]++;
    return h.map((c) => c / n);
  };

  it('draws from softmax(logits / temperature)', () => {
    const rng = createRng(7);
    for (const temperature of [1, 0.5]) {
      const freq = histogram(40000, () => sampleToken(logits, { temperature }, rng));
      softmax(logits, temperature).forEach((p, i) => expect(Math.abs(freq[i] - p)).toBeLessThan(0.01));
    }
  });

  it('keeps only the top k, then the top p of what is left', () => {
    const rng = createRng(1);
    const k2 = histogram(20000, () => sampleToken(logits, { temperature: 1, topK: 2 }, rng));
    const p2 = softmax([3, 2]);
    expect(k2[4]).toBeCloseTo(p2[0], 1);
    expect(k2[0]).toBeCloseTo(p2[1], 1);
    expect(k2[1] + k2[2] + k2[3]).toBe(0);
    // softmax(logits): 0.60, 0.22, 0.08, ... so p = 0.7 keeps the two most likely tokens.
    const p = histogram(20000, () => sampleToken(logits, { temperature: 1, topP: 0.7 }, rng));
    expect(p[1] + p[2] + p[3]).toBe(0);
    expect(histogram(1000, () => sampleToken(logits, { temperature: 1, topP: 0.01 }, rng))[4]).toBe(1);
  });

  it('repeats a seeded sequence', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(xs);
    expect(new Set(xs).size).toBe(100);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('generate', () => {
  it('samples repeatably with a seed, and topK 1 is greedy', async () => {
    const model = randomLlama(llamaConfig({ vocabSize: 50, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4 }), { std: 0.5, seed: 3 });
    const prompts = [[1, 5, 7], [9]];
    const opts = { maxNewTokens: 12, temperature: 1, seed: 11, eosTokenId: [] };
    const a = await model.generate(prompts, opts);
    expect(await model.generate(prompts, opts)).toEqual(a);
    expect(await model.generate(prompts, { ...opts, seed: 12 })).not.toEqual(a);
    expect(await model.generate(prompts, { ...opts, topK: 1 })).toEqual(await model.generate(prompts, { maxNewTokens: 12, eosTokenId: [] }));
    model.dispose();
  });

  it('stops a row at its end-of-sequence token while other rows go on', async () => {
    const { model } = await loadLlama(embeddedModelDir());
    const prompts = [[1], [1, 25, 415]];
    const free = await model.generate(prompts, { maxNewTokens: 10, eosTokenId: [] });
    // A token row 0 emits that row 1 has not emitted by then, so row 1 must keep going.
    const k = free[0].findIndex((t, i) => i > 0 && !free[1].slice(0, i + 1).includes(t));
    expect(k).toBeGreaterThan(0);
    const eos = free[0][k];
    const stopped = await model.generate(prompts, { maxNewTokens: 10, eosTokenId: eos });
    expect(stopped[0]).toEqual(free[0].slice(0, k + 1));
    expect(stopped[1].length).toBeGreaterThan(k + 1);
    const firstEos = free[1].indexOf(eos);
    expect(stopped[1]).toEqual(firstEos < 0 ? free[1] : free[1].slice(0, firstEos + 1));
    model.dispose();
  });

  it('greedy with the cache equals greedy by full recompute for a left-padded batch of stories260K', async () => {
    const { model, tokenizer } = await loadLlama(embeddedModelDir());
    const prompts = [[1], [1, ...tokenizer!.encode('Tom had a red car. One day')], [1, ...tokenizer!.encode('The sun')]];
    const cached = await model.generate(prompts, { maxNewTokens: 24, eosTokenId: [] });
    const recomputed = await model.generate(prompts, { maxNewTokens: 24, eosTokenId: [], useCache: false });
    expect(cached).toEqual(recomputed);
    // And each row equals the row generated alone.
    for (const [b, p] of prompts.entries()) expect((await model.generate([p], { maxNewTokens: 24, eosTokenId: [] }))[0]).toEqual(cached[b]);
    model.dispose();
  });
});

describe('memory', () => {
  it('keeps tf.memory().numTensors flat across forward and generate loops', async () => {
    const { model } = await loadLlama(embeddedModelDir());
    const ids = tf.tensor2d([[0, 1, 403, 407], [1, 403, 407, 261]], undefined, 'int32');
    const mask = tf.tensor2d([[0, 1, 1, 1], [1, 1, 1, 1]], undefined, 'int32');
    const run = async () => {
      model.forward(ids, { attentionMask: mask }).dispose();
      model.forward(ids).dispose();
      await model.generate([[1], [1, 403]], { maxNewTokens: 6, eosTokenId: [] });
      await model.generate([[1], [1, 403]], { maxNewTokens: 6, eosTokenId: [], useCache: false });
      await model.generate([[1]], { maxNewTokens: 6, temperature: 0.8, topK: 20, topP: 0.9, seed: 1 });
    };
    await run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await run();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([ids, mask]);
    model.dispose();
  });

  it('releases every tensor on dispose, even after a failed generate', async () => {
    const before = tf.memory().numTensors;
    const { model } = await loadLlama(embeddedModelDir());
    await expect(model.generate([[1, 9999]], { maxNewTokens: 2 })).rejects.toThrow(/outside the vocabulary/);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
