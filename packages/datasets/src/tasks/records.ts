import { DataError } from '../errors';
import { parseJsonArray } from '../readers/json';
import { readJsonl } from '../readers/jsonl';
import type { DataSource } from '../readers/source';
import { checkRecord, requireNonEmpty, type RecordSchema } from '../records';

export interface CheckedRecord<T> {
  value: T;
  index: number;
  line?: number;
}

/**
 * Reads a record file, JSON array or JSONL (chosen by the file name, JSONL streamed), checks every
 * record against the schema and refuses an empty file.
 */
export async function readRecords<T extends Record<string, unknown>>(source: DataSource, schema: RecordSchema): Promise<CheckedRecord<T>[]> {
  const out: CheckedRecord<T>[] = [];
  if (/\.jsonl$/i.test(source.name)) {
    for await (const { value, line } of readJsonl(source)) {
      const index = out.length;
      out.push({ value: checkRecord<T>(value, schema, { source: source.name, record: index, line }), index, line });
    }
  } else {
    parseJsonArray(await source.text(), source.name).forEach((value, index) => {
      out.push({ value: checkRecord<T>(value, schema, { source: source.name, record: index }), index });
    });
  }
  return requireNonEmpty(out, source.name);
}

/** The LLM-Adapters record: every commonsense and math file in that repository has these four fields. */
export interface LlmAdaptersRecord extends Record<string, unknown> {
  instruction: string;
  input: string;
  output: string;
  answer: string;
}

export const LLM_ADAPTERS_SCHEMA: RecordSchema = { instruction: 'string', input: 'string', output: 'string', answer: 'string' };

export function badRecord(source: DataSource, rec: CheckedRecord<unknown>, field: string, problem: string): DataError {
  return new DataError({ source: source.name, record: rec.index, line: rec.line, field }, problem);
}
