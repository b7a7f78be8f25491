import { describe, expect, it } from 'vitest';
import { checkRecord, requireNonEmpty } from './records';

const schema = { instruction: 'string', answer: 'string', tags: { type: 'string[]', optional: true } } as const;

describe('checkRecord', () => {
  it('returns a record that fits and allows extra fields', () => {
    const rec = checkRecord({ instruction: 'q', answer: 'a', extra: 1 }, schema, { source: 'f.json', record: 0 });
    expect(rec.answer).toBe('a');
  });

  it('names file, record index and field of a missing field', () => {
    expect(() => checkRecord({ instruction: 'q' }, schema, { source: 'f.json', record: 12 })).toThrow(
      'f.json record 12 field "answer": missing (expected a string)',
    );
  });

  it('names file, line, record index and field of a wrongly typed field', () => {
    expect(() => checkRecord({ instruction: 'q', answer: 3 }, schema, { source: 'f.jsonl', record: 4, line: 6 })).toThrow(
      'f.jsonl:6 record 4 field "answer": expected a string, got a number',
    );
    expect(() => checkRecord({ instruction: 'q', answer: 'a', tags: ['x', 2] }, schema, { source: 'f.json', record: 1 })).toThrow(
      'f.json record 1 field "tags": expected an array of strings, got an array',
    );
  });

  it('rejects a record that is not an object', () => {
    expect(() => checkRecord(['q'], schema, { source: 'f.json', record: 2 })).toThrow('f.json record 2: expected an object, got an array');
  });
});

describe('requireNonEmpty', () => {
  it('refuses an empty data set, naming the source', () => {
    expect(() => requireNonEmpty([], 'empty.json')).toThrow('empty.json: empty data set: no records found');
  });
});
