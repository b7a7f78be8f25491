import { describe, expect, it } from 'vitest';
import { parseJsonBounded } from './bounded';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('parseJsonBounded', () => {
  it('returns what JSON.parse returns for ordinary JSON', () => {
    const text = JSON.stringify({ a: [1, 2, { b: 'x"}]{[' }], c: null, 'd\\"e': true, n: -1.5e3 });
    expect(parseJsonBounded(text)).toEqual(JSON.parse(text));
    expect(parseJsonBounded(new TextEncoder().encode(text))).toEqual(JSON.parse(text));
  });

  it('refuses 5,000-deep arrays in 10 KB naming the file, instead of overflowing the stack', () => {
    const text = nested(5000);
    expect(text.length).toBe(10_000);
    let message = '';
    try {
      parseJsonBounded(text, { file: 'model/config.json' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^model\/config\.json: JSON nested deeper than 100 levels at line 1 column 101$/);
    expect(message).not.toMatch(/call stack/);
  });

  it('stays linear on huge nesting: 2 million brackets fail fast', () => {
    const text = nested(1_000_000);
    const t0 = performance.now();
    expect(() => parseJsonBounded(text, { file: 'f' })).toThrow(/f: JSON nested deeper than 100 levels/);
    // Stops at the first bracket over the limit; generous bound for a loaded machine.
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('accepts nesting up to maxDepth and refuses one more', () => {
    expect(parseJsonBounded(nested(3), { maxDepth: 3 })).toEqual([[[]]]);
    expect(() => parseJsonBounded(nested(4), { maxDepth: 3, file: 'x.json' })).toThrow(/x\.json: JSON nested deeper than 3 levels/);
    expect(() => parseJsonBounded('{"a":{"b":{"c":{}}}}', { maxDepth: 3, file: 'x.json' })).toThrow(/deeper than 3/);
  });

  it('does not count brackets inside strings', () => {
    const text = JSON.stringify({ s: nested(500), t: '\\"[[[' });
    expect(parseJsonBounded(text, { maxDepth: 1 })).toEqual(JSON.parse(text));
  });

  it('refuses a duplicate key, naming it and where it is', () => {
    expect(() => parseJsonBounded('{"w": 1,\n "w": 2}', { file: 'h.json' })).toThrow(/^h\.json: duplicate key "w" in one object at line 2 column 2$/);
    expect(() => parseJsonBounded('{"a": {"x": 1, "x": 1}}', { file: 'h.json' })).toThrow(/duplicate key "x"/);
    expect(() => parseJsonBounded('[{"k": 1}, {"a": 1, "k": 2, "a": 3}]')).toThrow(/duplicate key "a"/);
    // The same key spelled with an escape is the same key.
    expect(() => parseJsonBounded('{"ab": 1, "a\\u0062": 2}', { file: 'h.json' })).toThrow(/duplicate key "ab"/);
  });

  it('allows the same key in different objects, and strings that only look like keys', () => {
    expect(parseJsonBounded('[{"k": 1}, {"k": 2}, {"v": "k"}, ["k", "k"]]')).toEqual([{ k: 1 }, { k: 2 }, { v: 'k' }, ['k', 'k']]);
    expect(parseJsonBounded('{"a": {"k": 1}, "b": {"k": 2}}')).toEqual({ a: { k: 1 }, b: { k: 2 } });
    expect(parseJsonBounded('{"a": "a", "b": ["a"]}')).toEqual({ a: 'a', b: ['a'] });
  });

  it("with duplicateKeys: 'last' behaves like JSON.parse", () => {
    expect(parseJsonBounded('{"w": 1, "w": 2}', { duplicateKeys: 'last' })).toEqual({ w: 2 });
  });

  it('names the file in syntax errors, and reports them before a duplicate key', () => {
    expect(() => parseJsonBounded('{"a": 1,', { file: 'cut.json' })).toThrow(/^cut\.json: not valid JSON \(/);
    expect(() => parseJsonBounded('{"a": 1, "a": 2', { file: 'cut.json' })).toThrow(/cut\.json: not valid JSON/);
    expect(() => parseJsonBounded('"unterminated', { file: 's.json' })).toThrow(/s\.json: not valid JSON/);
  });

  it('refuses input over maxBytes, counting UTF-8 bytes', () => {
    expect(() => parseJsonBounded('[1, 2, 3]', { maxBytes: 8, file: 'big.json' })).toThrow(/^big\.json: JSON of 9 bytes is larger than the 8 bytes allowed$/);
    // "é" is two UTF-8 bytes: 4 characters, 6 bytes.
    expect(() => parseJsonBounded('"éé"', { maxBytes: 5 })).toThrow(/6 bytes is larger than the 5/);
    expect(parseJsonBounded('"éé"', { maxBytes: 6 })).toBe('éé');
    expect(() => parseJsonBounded(new Uint8Array(10).fill(32), { maxBytes: 9 })).toThrow(/10 bytes/);
  });

  it('refuses bytes that are not UTF-8', () => {
    const bytes = new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]); // {"\xff":1}
    expect(() => parseJsonBounded(bytes, { file: 'n.json' })).toThrow(/^n\.json: not valid UTF-8 text/);
  });
});
