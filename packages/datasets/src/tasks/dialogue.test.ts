import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadTask, loadTaskTrainValidation, vendoredDataDir } from '../node/vendored';
import { convai2SplitDialogues } from './dialogue';
import { fileSource } from '../node/files';
import { readParlAIDialogues } from '../readers/parlai';
import { getTask } from './builtin';

describe('convai2', () => {
  it('carves the one shipped file 80/10/10 by dialogue, no dialogue in two splits, the same every time', async () => {
    const [train, validation, test] = await Promise.all((['train', 'validation', 'test'] as const).map((s) => loadTask('convai2', s)));
    expect(train.length + validation.length + test.length).toBe(7801); // every turn of the 1000 dialogues, once
    const file = await readParlAIDialogues(fileSource(join(vendoredDataDir(), 'convai2/valid_self_original_no_cands.txt')));
    const lines = (s: 'train' | 'validation' | 'test') => new Set(convai2SplitDialogues(file, s).map((d) => d.line));
    const [a, b, c] = [lines('train'), lines('validation'), lines('test')];
    expect([a.size, b.size, c.size]).toEqual([800, 100, 100]);
    expect(new Set([...a, ...b, ...c]).size).toBe(1000);
    // the examples follow their dialogue: a persona seen in test is never one of a training dialogue's
    const personas = (xs: typeof train) => new Set(xs.map((e) => e.fields.persona));
    const trainPersonas = personas(train);
    expect([...personas(test)].filter((p) => trainPersonas.has(p)).length).toBeLessThan(5); // PersonaChat reuses a few personas across dialogues
    expect((await loadTask('convai2', 'test')).map((e) => e.target)).toEqual(test.map((e) => e.target));
    expect(convai2SplitDialogues([...Array(10).keys()], 'test')).toHaveLength(1);
  });

  it('gives one persona + history -> reply example per turn', async () => {
    const all = await Promise.all((['train', 'validation', 'test'] as const).map((s) => loadTask('convai2', s)));
    const second = all.flat().find((e) => e.target === "i rather read , i've read about 20 books this year .")!;
    expect(second.fields.history!.split('\n')).toEqual([
      'hello what are doing today ?',
      'i am good , i just got off work and tired , i have two jobs .',
      'i just got done watching a horror movie',
    ]);
    expect(second.fields.instruction).toBe(
      'Continue the conversation as the person with this persona.\n\nPersona:\n- i read twenty books a year.\n- i\'m a stunt double as my second job.\n- i only eat kosher.\n- i was raised in a single parent household.\n\n' +
        'Conversation:\nPartner: hello what are doing today ?\nYou: i am good , i just got off work and tired , i have two jobs .\nPartner: i just got done watching a horror movie',
    );
    expect(getTask('convai2').template.render(second.fields)).toContain('### Instruction:\nContinue the conversation');
  });

  it('uses its own validation split for training runs (no turn of a validation dialogue in train)', async () => {
    const { train, validation } = await loadTaskTrainValidation('convai2', { size: 50, seed: 1 });
    expect(validation).toHaveLength(50);
    const all = await loadTask('convai2', 'validation');
    expect(validation.every((v) => all.some((e) => e.target === v.target && e.fields.history === v.fields.history))).toBe(true);
    expect(train).toEqual(await loadTask('convai2', 'train'));
  });
});

describe('tinyshakespeare', () => {
  it('splits the corpus by passage, 90% train and 10% test, covering every line once', async () => {
    const train = await loadTask('tinyshakespeare', 'train');
    const test = await loadTask('tinyshakespeare', 'test');
    const total = train.length + test.length;
    expect(train.length).toBe(Math.round(total * 0.9));
    expect(train[0]!.target).toBe('First Citizen:\nBefore we proceed any further, hear me speak.');
    expect(test[0]!.index).toBe(train.length);
    const lines = [...train, ...test].reduce((n, e) => n + e.target.split('\n').length, 0);
    const text = await readFile(join(vendoredDataDir(), 'tinyshakespeare/input.txt'), 'utf8');
    expect(lines).toBe(text.split('\n').filter((l) => l.trim() !== '').length);
  });
});
