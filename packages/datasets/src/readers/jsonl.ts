import { DataError } from '../errors';
import { tryParseJson } from './json';
import type { DataSource } from './source';

export interface JsonlRecord {
  /** 1-based line number in the source, for error messages further down the pipeline. */
  line: number;
  value: unknown;
}

/**
 * Streams a JSONL source one record at a time, so a large file is never held whole.
 * Blank lines are skipped; any other line that is not one JSON value is an error naming its line.
 */
export async function* readJsonl(source: DataSource): AsyncGenerator<JsonlRecord> {
  let line = 0;
  for await (const text of source.lines()) {
    line++;
    if (text.trim() === '') continue;
    const parsed = tryParseJson(text);
    if (!parsed.ok) throw new DataError({ source: source.name, line, column: parsed.column }, parsed.problem);
    const value = parsed.value;
    yield { line, value };
  }
}

export async function collectJsonl(source: DataSource): Promise<JsonlRecord[]> {
  const out: JsonlRecord[] = [];
  for await (const rec of readJsonl(source)) out.push(rec);
  return out;
}
