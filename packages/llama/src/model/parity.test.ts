import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@smoa/backend';
import { loadLlama } from '../node';
import { fixture, maxRelDiff, readAll, rows } from '../test-util/fixtures';

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
    const generated = await model.generate([prompt], { maxNewTokens: greedy.length - prompt.length, eosTokenId: [] });
    expect([...prompt, ...generated[0]]).toEqual(greedy);
    tf.dispose([ids, logits]);
    model.dispose();
  });
});
