import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { getTask, type TextTokenizer } from '@smoa/datasets';
import { loadTask } from '@smoa/datasets/node';
import { defaultMaxNewTokens, evaluateGeneration, GENERATION_MARGIN } from './generation';
import type { CausalLM } from './model';
import { loadEmbedded } from './testing/embedded';

let model: CausalLM;
let tokenizer: TextTokenizer;
beforeAll(async () => {
  ({ model, tokenizer } = await loadEmbedded());
});

describe('evaluateGeneration with the embedded model', () => {
  it('generates for real BoolQ records in batches, extracts and scores answers', async () => {
    const task = getTask('boolq');
    const examples = (await loadTask(task, 'test')).slice(0, 5);
    const { summary, predictions } = await evaluateGeneration(model, tokenizer, task, examples, { batchSize: 2, maxNewTokens: 12 });
    expect(predictions).toHaveLength(5);
    for (const p of predictions) {
      expect(typeof p.generated).toBe('string');
      expect(p.predicted).toBe(task.extractAnswer!(p.generated!) ?? null);
      expect(p.correct).toBe(p.predicted === p.gold);
    }
    expect(summary.metrics.accuracy).toBe(predictions.filter((p) => p.correct).length / 5);
    expect(summary.settings).toMatchObject({ batchSize: 2, maxNewTokens: 12, temperature: 0 });
    // Greedy decoding is deterministic and independent of the batch an example sits in.
    const alone = await evaluateGeneration(model, tokenizer, task, examples.slice(3, 4), { batchSize: 1, maxNewTokens: 12 });
    expect(alone.predictions[0]!.generated).toBe(predictions[3]!.generated);
  });

  it('continues a story the way the model was trained (a check that prompts reach the model intact)', async () => {
    const story = {
      name: 'story',
      description: 'continue a story',
      kind: 'dialogue' as const,
      metric: 'dialogue' as const,
      files: {},
      fields: ['text'],
      template: getTask('tinyshakespeare').template,
      read: async () => [],
    };
    const { predictions } = await evaluateGeneration(model, tokenizer, story, [{ index: 0, fields: { text: 'Once upon a time' }, target: '', answer: 'there was a little girl' }], { maxNewTokens: 10 });
    expect(predictions[0]!.generated).toMatch(/^, there was a little girl named Lily/);
  });

  it('scores numeric tasks and dialogue tasks with their own metrics', async () => {
    const gsm = getTask('gsm8k-llm-adapters');
    const numeric = await evaluateGeneration(model, tokenizer, gsm, (await loadTask(gsm, 'test')).slice(0, 2), { maxNewTokens: 16 });
    expect(Object.keys(numeric.summary.metrics)).toEqual(['accuracy', 'correct', 'answerRate']);
    const convai2 = getTask('convai2');
    const dialogue = await evaluateGeneration(model, tokenizer, convai2, (await loadTask(convai2, 'test')).slice(0, 3), { maxNewTokens: 16 });
    expect(Object.keys(dialogue.summary.metrics)).toEqual(['bleu1', 'bleu2', 'bleu3', 'bleu4', 'rougeL', 'f1', 'distinct1', 'distinct2']);
    for (const v of Object.values(dialogue.summary.metrics)) expect(v >= 0 && v <= 1).toBe(true);
    expect(dialogue.predictions.every((p) => typeof p.f1 === 'number' && typeof p.gold === 'string')).toBe(true);
  });

  it('keeps tf.memory().numTensors flat across batches', async () => {
    const task = getTask('piqa');
    const examples = (await loadTask(task, 'test')).slice(0, 3);
    await evaluateGeneration(model, tokenizer, task, examples, { batchSize: 2, maxNewTokens: 4 });
    const before = tf.memory().numTensors;
    await evaluateGeneration(model, tokenizer, task, examples, { batchSize: 2, maxNewTokens: 4 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses what it cannot evaluate', async () => {
    const shakespeare = getTask('tinyshakespeare');
    await expect(evaluateGeneration(model, tokenizer, shakespeare, [{ index: 0, fields: { text: 'x' }, target: 'x' }])).rejects.toThrow(
      'task "tinyshakespeare" is scored by perplexity: use evaluatePerplexity',
    );
    await expect(evaluateGeneration(model, tokenizer, getTask('boolq'), [])).rejects.toThrow('evaluateGeneration(boolq): no examples');
    await expect(evaluateGeneration(model, tokenizer, getTask('boolq'), [{ index: 0, fields: { instruction: 'q', input: '' }, target: '' }], { maxNewTokens: 600 })).rejects.toThrow(
      /maxNewTokens 600 leaves no room for a prompt in 512 positions/,
    );
  });

  it('by default generates enough tokens for the longest gold answer plus a margin', async () => {
    const task = getTask('boolq');
    const examples = (await loadTask(task, 'test')).slice(0, 4);
    const longest = Math.max(...examples.map((e) => tokenizer.encode(e.target).length));
    // "the correct answer is true" is 17 tokens in the embedded vocabulary: a 16-token default cut it off.
    expect(longest).toBeGreaterThan(16);
    expect(defaultMaxNewTokens(tokenizer, examples)).toBe(longest + GENERATION_MARGIN);
    expect(defaultMaxNewTokens(tokenizer, examples, 20)).toBe(10);
    const { summary } = await evaluateGeneration(model, tokenizer, task, examples.slice(0, 1), { batchSize: 1 });
    expect(summary.settings.maxNewTokens).toBe(tokenizer.encode(examples[0]!.target).length + GENERATION_MARGIN);
  });
});
