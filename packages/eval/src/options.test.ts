import { beforeAll, describe, expect, it } from 'vitest';
import { getTask, tokenBlocks, type Example, type TextTokenizer } from '@smoa/datasets';
import { loadTask } from '@smoa/datasets/node';
import { evaluateGeneration } from './generation';
import { evaluateMultipleChoice } from './multiple-choice';
import type { CausalLM } from './model';
import { evaluatePerplexity } from './perplexity';
import { loadEmbedded } from './testing/embedded';

let model: CausalLM;
let tokenizer: TextTokenizer;
let boolq: Example[];
let piqa: Example[];
beforeAll(async () => {
  ({ model, tokenizer } = await loadEmbedded());
  boolq = (await loadTask('boolq', 'test')).slice(0, 2);
  piqa = (await loadTask('piqa', 'test')).slice(0, 2);
});

describe('bad options are named before any work starts', () => {
  it.each([0, -1, 1.5, Number.NaN, Infinity])('evaluateGeneration batchSize %s', async (batchSize) => {
    await expect(evaluateGeneration(model, tokenizer, getTask('boolq'), boolq, { batchSize })).rejects.toThrow(
      new RegExp(`^evaluateGeneration\\(boolq\\): options\\.batchSize must be a positive integer, got ${String(batchSize)}$`),
    );
  });

  it('evaluateGeneration: a batchSize given as a string, and the other numeric options', async () => {
    const run = (options: object) => evaluateGeneration(model, tokenizer, getTask('boolq'), boolq, options);
    await expect(run({ batchSize: '2' })).rejects.toThrow(/options\.batchSize must be a positive integer, got "2"/);
    await expect(run({ maxNewTokens: 0 })).rejects.toThrow(/options\.maxNewTokens must be a positive integer, got 0/);
    await expect(run({ cutoffLength: 1 })).rejects.toThrow(/options\.cutoffLength must be an integer of at least 2, got 1/);
    await expect(run({ temperature: -0.5 })).rejects.toThrow(/options\.temperature must be a finite number >= 0, got -0\.5/);
    await expect(run({ topK: 0 })).rejects.toThrow(/options\.topK must be a positive integer/);
    await expect(run({ topP: 0 })).rejects.toThrow(/options\.topP must be a number in \(0, 1\], got 0/);
    await expect(run({ topP: 1.5 })).rejects.toThrow(/options\.topP must be a number in \(0, 1\], got 1\.5/);
    await expect(run({ seed: 0.5 })).rejects.toThrow(/options\.seed must be an integer/);
    await expect(run({ eosTokenId: [2, -1] })).rejects.toThrow(/options\.eosTokenId must be a non-negative integer \(or a list of them\), got \[2,-1\]/);
  });

  it('evaluateGeneration still runs with valid options (batchSize 1, an EOS list)', async () => {
    const { predictions } = await evaluateGeneration(model, tokenizer, getTask('boolq'), boolq, { batchSize: 1, maxNewTokens: 2, eosTokenId: [2] });
    expect(predictions).toHaveLength(2);
  });

  it('evaluateMultipleChoice and evaluatePerplexity name a bad batchSize too', async () => {
    await expect(evaluateMultipleChoice(model, tokenizer, getTask('piqa'), piqa, { batchSize: 0 })).rejects.toThrow(
      /^evaluateMultipleChoice\(piqa\): options\.batchSize must be a positive integer, got 0/,
    );
    const blocks = tokenBlocks(tokenizer, ['Once upon a time there was a cat.'], { blockSize: 16 });
    await expect(evaluatePerplexity(model, blocks, { batchSize: 0 })).rejects.toThrow(/^evaluatePerplexity: options\.batchSize must be a positive integer, got 0/);
  });
});
