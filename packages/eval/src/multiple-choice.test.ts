import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { getTask, type Example, type TextTokenizer } from '@smoa/datasets';
import { loadTask } from '@smoa/datasets/node';
import type { CausalLM } from './model';
import { evaluateMultipleChoice } from './multiple-choice';
import { loadEmbedded } from './testing/embedded';

let model: CausalLM;
let tokenizer: TextTokenizer;
let piqa: Example[];
beforeAll(async () => {
  ({ model, tokenizer } = await loadEmbedded());
  piqa = (await loadTask('piqa', 'test')).slice(0, 12);
});

describe('evaluateMultipleChoice on real PIQA records with the embedded model', () => {
  it("scores each option's text and predicts the most likely one", async () => {
    const { summary, predictions } = await evaluateMultipleChoice(model, tokenizer, getTask('piqa'), piqa, { batchSize: 5 });
    expect(predictions).toHaveLength(12);
    for (const p of predictions) {
      expect(p.scores).toHaveLength(2);
      expect(p.predicted).toBe(p.scores![0]! >= p.scores![1]! ? 'solution1' : 'solution2');
      expect(p.correct).toBe(p.predicted === p.gold);
      expect(p.prompt!.startsWith('Question: ')).toBe(true);
    }
    expect(summary.metrics.accuracy).toBe(predictions.filter((p) => p.correct).length / 12);
    expect(summary.mode).toBe('loglikelihood');
    // Batch composition does not change a score.
    const again = await evaluateMultipleChoice(model, tokenizer, getTask('piqa'), piqa, { batchSize: 3 });
    again.predictions.forEach((p, i) => p.scores!.forEach((s, k) => expect(s).toBeCloseTo(predictions[i]!.scores![k]!, 3)));
  });

  it("'labels' mode scores the task's answer sentence per label after the instruction prompt", async () => {
    const boolq = (await loadTask('boolq', 'test')).slice(0, 4);
    const { predictions } = await evaluateMultipleChoice(model, tokenizer, getTask('boolq'), boolq, { mode: 'labels', normalization: 'tokens' });
    for (const p of predictions) {
      expect(p.scores).toHaveLength(2);
      expect(p.prompt!.startsWith('Below is an instruction')).toBe(true);
    }
  });

  it('keeps tf.memory().numTensors flat and reports progress per example', async () => {
    const task = getTask('piqa');
    await evaluateMultipleChoice(model, tokenizer, task, piqa.slice(0, 4), { batchSize: 3 });
    const before = tf.memory().numTensors;
    const done: number[] = [];
    await evaluateMultipleChoice(model, tokenizer, task, piqa.slice(0, 4), { batchSize: 3, onProgress: (e) => done.push(e.done) });
    expect(tf.memory().numTensors).toBe(before);
    expect(done).toEqual([1, 3, 4]);
  });

  it('refuses tasks and examples it cannot score', async () => {
    const gsm = (await loadTask('gsm8k', 'test')).slice(0, 1);
    await expect(evaluateMultipleChoice(model, tokenizer, getTask('gsm8k'), gsm)).rejects.toThrow(/example 0 has no parsed options to score; use mode 'labels'/);
    await expect(evaluateMultipleChoice(model, tokenizer, getTask('piqa'), [])).rejects.toThrow('evaluateMultipleChoice(piqa): no examples');
  });
});
