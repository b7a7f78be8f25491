import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TextTokenizer } from '@smoa/datasets';
import type { CausalLM } from './model';
import { scoreSequences } from './scoring';
import { loadEmbedded } from './testing/embedded';

let model: CausalLM;
let tokenizer: TextTokenizer;
beforeAll(async () => {
  ({ model, tokenizer } = await loadEmbedded());
});

/** The same quantity computed directly: one unpadded forward pass, full log-softmax, summed. */
function directLogprob(ids: number[], from: number): number {
  return tf.tidy(() => {
    const logits = model.forward(tf.tensor2d([ids], [1, ids.length], 'int32'));
    const logp = tf.logSoftmax(tf.squeeze(logits, [0])).arraySync() as number[][];
    let s = 0;
    for (let t = from; t < ids.length; t++) s += logp[t - 1]![ids[t]!]!;
    return s;
  });
}

describe('scoreSequences on the embedded stories260K model', () => {
  it('equals the log-likelihood computed from one unpadded forward pass, in any batch', async () => {
    const bos = tokenizer.bosTokenId!;
    const a = [bos, ...tokenizer.encode('Once upon a time, there was a little girl named Lily.')];
    const b = [bos, ...tokenizer.encode('The dog ran.')];
    const expectedA = directLogprob(a, 5);
    const expectedB = directLogprob(b, 1);
    const [sa, sb] = await scoreSequences(model, [{ inputIds: a, from: 5 }, { inputIds: b, from: 1 }], { batchSize: 2 });
    expect(sa!.logprob).toBeCloseTo(expectedA, 3);
    expect(sb!.logprob).toBeCloseTo(expectedB, 3);
    expect(sa!.tokens).toBe(a.length - 5);
    expect(sb!.tokens).toBe(b.length - 1);
    const [alone] = await scoreSequences(model, [{ inputIds: b, from: 1 }], { batchSize: 1 });
    expect(alone!.logprob).toBeCloseTo(sb!.logprob, 3);
    // The story the model was trained on is far more likely per token than shuffled words.
    const shuffled = [bos, ...tokenizer.encode('Lily girl little a was there, time a upon Once named.')];
    const [story, noise] = await scoreSequences(model, [{ inputIds: a, from: 1 }, { inputIds: shuffled, from: 1 }], { batchSize: 2 });
    expect(story!.logprob / story!.tokens).toBeGreaterThan(noise!.logprob / noise!.tokens);
  });

  it('keeps tf.memory().numTensors flat across batches', async () => {
    const bos = tokenizer.bosTokenId!;
    const seqs = ['One day', 'Tom liked to play', 'The sun was hot and bright'].map((t) => ({ inputIds: [bos, ...tokenizer.encode(t)], from: 1 }));
    await scoreSequences(model, seqs, { batchSize: 2 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await scoreSequences(model, seqs, { batchSize: 2 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad requests', async () => {
    await expect(scoreSequences(model, [{ inputIds: [1, 2], from: 0 }], { batchSize: 1 })).rejects.toThrow('sequence 0: from=0 must be in [1, 2]');
    const long = new Array(model.config.maxPositionEmbeddings + 1).fill(1);
    await expect(scoreSequences(model, [{ inputIds: long, from: 1 }], { batchSize: 1 })).rejects.toThrow(/sequence 0 has 513 tokens, more than the model's 512 positions/);
    await expect(scoreSequences(model, [], { batchSize: 0 })).rejects.toThrow('batchSize must be a positive integer, got 0');
  });
});
