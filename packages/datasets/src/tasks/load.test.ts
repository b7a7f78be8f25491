import { describe, expect, it } from 'vitest';
import { dataDir, loadTask, loadTaskTrainValidation, vendoredDataDir } from '../node/vendored';
import { loadTaskExamples } from './load';

describe('loading splits', () => {
  it('refuses a split the task does not have, and never carves validation from test', async () => {
    await expect(loadTask('piqa', 'train')).rejects.toThrow('task "piqa" has no "train" split (it has: test)');
    await expect(loadTask('boolq', 'validation')).rejects.toThrow(/task "boolq" has no validation file \(it has: test, train\); carve one from its training data/);
    await expect(loadTaskTrainValidation('piqa', { size: 0.1, seed: 1 })).rejects.toThrow(
      'task "piqa" has no training split to carve a validation split from (it has: test); validation is never taken from test',
    );
  });

  it('carves a disjoint validation split from training data', async () => {
    const { train, validation } = await loadTaskTrainValidation('ARC-Challenge', { size: 100, seed: 3 });
    expect(validation).toHaveLength(100);
    expect(train).toHaveLength(1119 - 100);
    const seen = new Set(train.map((e) => e.index));
    expect(validation.some((e) => seen.has(e.index))).toBe(false);
  });

  it('names a data file that is missing', async () => {
    await expect(loadTaskExamples('hellaswag', 'test', dataDir(vendoredDataDir()))).rejects.toThrow(/llm-adapters\/hellaswag\/test\.json: cannot read \(no such file\)/);
  });
});
