import { describe, expect, it } from 'vitest';
import { splitPassages } from './text';

describe('splitPassages', () => {
  it('splits at blank lines, keeps line breaks inside a passage and records start lines', () => {
    const text = 'First Citizen:\nBefore we proceed.\n\n\nAll:\r\nSpeak, speak.\n';
    expect(splitPassages(text)).toEqual([
      { text: 'First Citizen:\nBefore we proceed.', line: 1 },
      { text: 'All:\nSpeak, speak.', line: 5 },
    ]);
  });

  it('returns nothing for blank text', () => {
    expect(splitPassages('\n \n')).toEqual([]);
  });
});
