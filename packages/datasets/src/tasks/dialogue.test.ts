import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadTask, vendoredDataDir } from '../node/vendored';
import { getTask } from './builtin';

describe('convai2', () => {
  it('gives one persona + history -> reply example per turn of the validation dialogues', async () => {
    const examples = await loadTask('convai2', 'test');
    expect(examples).toHaveLength(7801);
    const second = examples[1]!;
    expect(second.target).toBe("i rather read , i've read about 20 books this year .");
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
