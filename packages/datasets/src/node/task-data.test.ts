import { describe, expect, it } from 'vitest';
import { IGNORE_INDEX } from '../collate/encode';
import { llama3Tokenizer } from '../testing/llama3-tokenizer';
import { prepareTaskData } from './task-data';

describe('prepareTaskData', () => {
  it('turns BoolQ into prompt/response sequences with the loss on the response, validation carved from train', async () => {
    const tokenizer = llama3Tokenizer();
    const data = await prepareTaskData('boolq', tokenizer, { cutoffLength: 256, validationSize: 20, seed: 3, maxTrainExamples: 50 });
    expect(data.task.name).toBe('boolq');
    expect(data.train).toHaveLength(50);
    expect(data.validation).toHaveLength(20);
    expect(data.validationExamples).toHaveLength(20);
    for (const seq of [...data.train, ...data.validation]) {
      expect(seq.inputIds.length).toBe(seq.labels.length);
      expect(seq.inputIds.length).toBeLessThanOrEqual(256);
      // the prompt is masked, the response is not
      expect(seq.labels[1]).toBe(IGNORE_INDEX);
      expect(seq.labels.some((l) => l !== IGNORE_INDEX)).toBe(true);
    }
    // the same seed gives the same split
    const again = await prepareTaskData('boolq', tokenizer, { cutoffLength: 256, validationSize: 20, seed: 3, maxTrainExamples: 50 });
    expect(again.validationExamples).toEqual(data.validationExamples);
  });

  it('cuts a corpus into full blocks', async () => {
    const tokenizer = llama3Tokenizer();
    const data = await prepareTaskData('tinyshakespeare', tokenizer, { cutoffLength: 64, validationSize: 0.05, seed: 0, maxTrainExamples: 10 });
    expect(data.train).toHaveLength(10);
    for (const b of data.train) expect(b.inputIds).toHaveLength(64);
    expect(data.validation.length).toBeGreaterThan(0);
  });

  it('refuses a task without training data, naming it', async () => {
    const tokenizer = llama3Tokenizer();
    await expect(prepareTaskData('AddSub', tokenizer, { cutoffLength: 64, validationSize: 5, seed: 0 })).rejects.toThrow(/AddSub.*no training split/);
  });
});
