import { DataError } from './errors';
import { typeName } from './readers/json';

export type FieldType = 'string' | 'number' | 'boolean' | 'string[]';
export interface FieldSpec {
  type: FieldType;
  optional?: boolean;
}
/** Field name -> type. A plain type string means a required field. */
export type RecordSchema = Record<string, FieldType | FieldSpec>;

export interface RecordLocation {
  source: string;
  /** 0-based index of the record in its file. */
  record: number;
  line?: number;
}

/**
 * Checks one record against a schema and returns it typed. Extra fields are allowed (data sets grow
 * fields over versions); missing or mistyped ones are errors naming file, record index and field.
 */
export function checkRecord<T extends Record<string, unknown>>(value: unknown, schema: RecordSchema, at: RecordLocation): T {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new DataError({ source: at.source, line: at.line, record: at.record }, `expected an object, got ${typeName(value)}`);
  }
  const rec = value as Record<string, unknown>;
  for (const [field, spec] of Object.entries(schema)) {
    const { type, optional } = typeof spec === 'string' ? { type: spec, optional: false } : spec;
    const v = rec[field];
    const where = { source: at.source, line: at.line, record: at.record, field };
    if (v === undefined) {
      if (optional) continue;
      throw new DataError(where, `missing (expected ${article(type)})`);
    }
    if (!hasType(v, type)) throw new DataError(where, `expected ${article(type)}, got ${typeName(v)}`);
  }
  return rec as T;
}

function hasType(v: unknown, type: FieldType): boolean {
  if (type === 'string[]') return Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (type === 'number') return typeof v === 'number' && Number.isFinite(v);
  return typeof v === type;
}

function article(type: FieldType): string {
  return type === 'string[]' ? 'an array of strings' : `a ${type}`;
}

export function requireNonEmpty<T>(items: T[], source: string, what = 'records'): T[] {
  if (items.length === 0) throw new DataError({ source }, `empty data set: no ${what} found`);
  return items;
}
