import { describe, expect, it } from 'vitest';
import { DataError } from '../errors';
import { parseJson, parseJsonArray } from './json';

describe('parseJson', () => {
  it('parses valid JSON with the native parser', () => {
    expect(parseJson('{"a": [1, 2]}', 'x.json')).toEqual({ a: [1, 2] });
  });

  it('names the file, line and column of the first syntax error', () => {
    const text = '[\n  {"instruction": "a", "answer": "b"},\n  {"instruction": "c" "answer": "d"}\n]';
    expect(() => parseJson(text, 'data/test.json')).toThrow(DataError);
    expect(() => parseJson(text, 'data/test.json')).toThrow(/^data\/test\.json:3:23: not valid JSON: comma expected/);
  });

  it('reports a truncated file at its end', () => {
    expect(() => parseJson('[{"a": 1},\n{"a": 2', 'cut.json')).toThrow(/^cut\.json:2:\d+: not valid JSON/);
  });

  it('rejects trailing commas and comments, which JSON does not allow', () => {
    expect(() => parseJson('[1, 2,]', 'x.json')).toThrow(/x\.json:1:\d+: not valid JSON/);
    expect(() => parseJson('// c\n[1]', 'x.json')).toThrow(/x\.json:1:1: not valid JSON/);
  });
});

describe('parseJsonArray', () => {
  it('requires an array of records', () => {
    expect(() => parseJsonArray('{"a": 1}', 'obj.json')).toThrow('obj.json: expected a JSON array of records, got an object');
  });
});
