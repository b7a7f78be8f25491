import { parse as parseLenient, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { DataError } from '../errors';

export type JsonParseResult =
  | { ok: true; value: unknown }
  | { ok: false; problem: string; line?: number; column?: number };

/**
 * The native parser is fast but its messages do not name a line, so on failure the text is parsed
 * again with jsonc-parser in strict mode only to find where it first breaks.
 */
export function tryParseJson(text: string): JsonParseResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const errors: ParseError[] = [];
    parseLenient(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    if (first === undefined) return { ok: false, problem: `not valid JSON (${(err as Error).message})` };
    return { ok: false, problem: `not valid JSON: ${describe(printParseErrorCode(first.error))}`, ...lineAndColumn(text, first.offset) };
  }
}

export function parseJson(text: string, source: string): unknown {
  const result = tryParseJson(text);
  if (result.ok) return result.value;
  throw new DataError({ source, line: result.line, column: result.column }, result.problem);
}

/** Parses a JSON array of records (the LLM-Adapters files). */
export function parseJsonArray(text: string, source: string): unknown[] {
  const value = parseJson(text, source);
  if (!Array.isArray(value)) {
    throw new DataError({ source }, `expected a JSON array of records, got ${typeName(value)}`);
  }
  return value;
}

export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function describe(code: string): string {
  // "CommaExpected" -> "comma expected"
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
