import { describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataDir, loadTask, loadTaskMembers, loadTaskTrainValidation, vendoredDataDir } from '../node/vendored';
import { loadTaskExamples } from './load';

describe('loading splits', () => {
  it('refuses a split the task does not have, and never carves validation from test', async () => {
    await expect(loadTask('tinyshakespeare', 'validation')).rejects.toThrow(/task "tinyshakespeare" has no validation file \(it has: train, test\); carve one from its training data/);
    await expect(loadTask('boolq', 'validation')).rejects.toThrow(/task "boolq" has no validation file \(it has: train, test\); carve one from its training data/);
    await expect(loadTask('AddSub', 'train')).rejects.toThrow('task "AddSub" has no "train" split (it has: test)');
    await expect(loadTaskTrainValidation('AddSub', { size: 0.1, seed: 1 })).rejects.toThrow(
      'task "AddSub" has no training split to carve a validation split from (it has: test); validation is never taken from test',
    );
  });

  it('names the file slot, its format and --data-dir for a split that is not shipped', async () => {
    for (const [task, file] of [['piqa', 'llm-adapters/piqa/train.json'], ['social_i_qa', 'llm-adapters/social_i_qa/train.json'], ['winogrande', 'llm-adapters/winogrande/train.json']]) {
      const err = await loadTask(task!, 'train').catch((e: Error) => e);
      expect(String(err)).toContain(`task "${task}": the train split is not shipped with @smoa/data; put the file at ${file} (LLM-Adapters JSON: an array of { "instruction", "input", "output", "answer" } records) in a directory and pass it as dataDir (CLI: --data-dir)`);
      expect(String(err)).not.toMatch(/it has: test/);
    }
    await expect(loadTask('hellaswag', 'test')).rejects.toThrow(/task "hellaswag": the test split is not shipped .* llm-adapters\/hellaswag\/test\.json/);
    await expect(loadTaskTrainValidation('piqa', { size: 0.1, seed: 1 })).rejects.toThrow(/the train split is not shipped/);
  });

  it('reads a slot from dataDir and the rest from the shipped data', async () => {
    // A real PIQA training file in the LLM-Adapters layout: here the first 40 shipped test records, written as train.
    const dir = await mkdtemp(join(tmpdir(), 'smoa-piqa-'));
    const records = JSON.parse(await readFile(join(vendoredDataDir(), 'llm-adapters/piqa/test.json'), 'utf8')).slice(0, 40);
    await mkdir(join(dir, 'llm-adapters/piqa'), { recursive: true });
    await writeFile(join(dir, 'llm-adapters/piqa/train.json'), JSON.stringify(records));
    expect(await loadTask('piqa', 'train', { dataDir: dir })).toHaveLength(40);
    expect(await loadTask('piqa', 'test', { dataDir: dir })).toHaveLength(1838);
    // a bad supplied file is named like a shipped one
    await writeFile(join(dir, 'llm-adapters/piqa/train.json'), JSON.stringify([{ instruction: 'x', input: '', output: 'y' }]));
    await expect(loadTask('piqa', 'train', { dataDir: dir })).rejects.toThrow(/piqa\/train\.json.*answer/);
  });

  it('mixes the commonsense training sets that exist, seeded, and refuses its test split as a whole', async () => {
    const mix = await loadTask('commonsense', 'train', { seed: 5 });
    expect(mix).toHaveLength(9427 + 2251 + 1119 + 4957); // BoolQ, ARC-Easy, ARC-Challenge, OBQA
    expect(mix.map((e) => e.index)).toEqual([...mix.keys()]);
    const again = await loadTask('commonsense', 'train', { seed: 5 });
    expect(again.slice(0, 20).map((e) => e.target)).toEqual(mix.slice(0, 20).map((e) => e.target));
    const other = await loadTask('commonsense', 'train', { seed: 6 });
    expect(other.slice(0, 20).map((e) => e.target)).not.toEqual(mix.slice(0, 20).map((e) => e.target));
    const members = await loadTaskMembers('commonsense', 'test');
    expect(members.map((m) => m.task.name)).toEqual(['boolq', 'piqa', 'social_i_qa', 'winogrande', 'ARC-Easy', 'ARC-Challenge', 'openbookqa']);
    await expect(loadTask('commonsense', 'test')).rejects.toThrow(/task "commonsense" is a mix of boolq, .*: evaluate each member's test split/);
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
