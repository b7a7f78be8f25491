import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileSource } from '../node/files';
import { vendoredDataDir } from '../node/vendored';
import { dialogueExamples, readParlAIDialogues } from './parlai';
import { textSource } from './source';

describe('readParlAIDialogues', () => {
  it('reads the ConvAI2 validation file: 1000 dialogues, 7801 turns', async () => {
    const dialogues = await readParlAIDialogues(fileSource(join(vendoredDataDir(), 'convai2/valid_self_original_no_cands.txt')));
    expect(dialogues).toHaveLength(1000);
    expect(dialogues.reduce((n, d) => n + d.turns.length, 0)).toBe(7801);
    const first = dialogues[0]!;
    expect(first.personas).toEqual([
      'i read twenty books a year.',
      "i'm a stunt double as my second job.",
      'i only eat kosher.',
      'i was raised in a single parent household.',
    ]);
    expect(first.turns[0]).toEqual({ message: 'hello what are doing today ?', reply: 'i am good , i just got off work and tired , i have two jobs .', line: 5 });
    expect(dialogues.every((d) => d.personas.length >= 3 && d.turns.length > 0)).toBe(true);
  });

  it('turns each turn into persona + history -> next reply', async () => {
    const text = '1 your persona: i like cats.\n2 hi\thello !\n3 how are you ?\tfine , and you ?\n1 your persona: i swim.\n2 yo\they';
    const examples = dialogueExamples(await readParlAIDialogues(textSource('d.txt', text)));
    expect(examples).toEqual([
      { dialogue: 0, turn: 0, line: 2, personas: ['i like cats.'], history: ['hi'], reply: 'hello !' },
      { dialogue: 0, turn: 1, line: 3, personas: ['i like cats.'], history: ['hi', 'hello !', 'how are you ?'], reply: 'fine , and you ?' },
      { dialogue: 1, turn: 0, line: 5, personas: ['i swim.'], history: ['yo'], reply: 'hey' },
    ]);
  });

  it("reads ParlAI's text:/labels: layout with escaped newlines and episode_done", async () => {
    const text =
      "text:your persona: i like cats.\\npartner's persona: i bake.\\nhi\tlabels:hello !\n" +
      'text:how are you ?\tlabels:fine .|good .\tepisode_done:True\n' +
      'text:your persona: i swim.\\nyo\tlabels:hey\tepisode_done:True';
    const dialogues = await readParlAIDialogues(textSource('p.txt', text));
    expect(dialogues).toHaveLength(2);
    expect(dialogues[0]!.personas).toEqual(['i like cats.']);
    expect(dialogues[0]!.partnerPersonas).toEqual(['i bake.']);
    expect(dialogues[0]!.turns.map((t) => [t.message, t.reply])).toEqual([
      ['hi', 'hello !'],
      ['how are you ?', 'fine .'],
    ]);
  });

  it('names the line of a turn without a reply', async () => {
    await expect(readParlAIDialogues(textSource('bad.txt', '1 your persona: x.\n2 only a message'))).rejects.toThrow(
      'bad.txt:2: expected "message<TAB>reply" after the persona lines',
    );
    await expect(readParlAIDialogues(textSource('bad.txt', 'no number here'))).rejects.toThrow(/^bad\.txt:1: expected a numbered line/);
  });
});
