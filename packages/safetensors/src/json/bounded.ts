/**
 * JSON.parse with limits, for JSON that comes from files (safetensors headers, config.json, adapter configs).
 *
 * A scan before JSON.parse bounds the nesting depth, because deeply nested input ("[[[[...") makes the
 * engine's recursive parser, or any recursive walk over the result, die with "Maximum call stack size
 * exceeded" and no file name. The same scan finds duplicate object keys, which JSON.parse resolves
 * silently (the last one wins). The scan is a loop over the text, with no recursion, linear in its length.
 */
export interface JsonBounds {
  /** Named in every error: the file, URL or field the text came from. */
  file?: string;
  /** Deepest allowed nesting of arrays and objects (default 100; Hugging Face configs use under 10). */
  maxDepth?: number;
  /** Largest allowed input in bytes (UTF-8; default 100 MB, the safetensors reference's header cap). */
  maxBytes?: number;
  /** A key that appears twice in one object is an error (default) or, with 'last', the last one wins as in JSON.parse. */
  duplicateKeys?: 'error' | 'last';
}

export const DEFAULT_MAX_JSON_DEPTH = 100;
export const DEFAULT_MAX_JSON_BYTES = 100_000_000;

/** Parses JSON text (a string, or UTF-8 bytes which must be valid UTF-8) within the given bounds. */
export function parseJsonBounded(text: string | Uint8Array, bounds: JsonBounds = {}): unknown {
  const file = bounds.file ?? '<json>';
  const maxDepth = bounds.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const maxBytes = bounds.maxBytes ?? DEFAULT_MAX_JSON_BYTES;
  const bytes = typeof text === 'string' ? utf8Length(text, maxBytes) : text.byteLength;
  if (bytes > maxBytes) throw new Error(`${file}: JSON of ${bytes} bytes is larger than the ${maxBytes} bytes allowed`);
  let source: string;
  if (typeof text === 'string') source = text;
  else {
    try {
      source = new TextDecoder('utf-8', { fatal: true }).decode(text);
    } catch {
      throw new Error(`${file}: not valid UTF-8 text (JSON must be UTF-8)`);
    }
  }
  const duplicate = scan(source, file, maxDepth, bounds.duplicateKeys !== 'last');
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (duplicate !== undefined) {
    throw new Error(`${file}: duplicate key ${JSON.stringify(duplicate.key)} in one object at ${position(source, duplicate.at)}`);
  }
  return value;
}

/** UTF-8 length of a string, stopping early once it is known to exceed `cap`. */
function utf8Length(s: string, cap: number): number {
  if (s.length > cap) return s.length; // at least one byte per UTF-16 unit
  if (s.length * 3 <= cap) return s.length; // at most three bytes per unit: cannot exceed
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function position(s: string, at: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at; i++) {
    if (s.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line} column ${at - lineStart + 1}`;
}

const OPEN_OBJECT = 123; // {
const CLOSE_OBJECT = 125; // }
const OPEN_ARRAY = 91; // [
const CLOSE_ARRAY = 93; // ]
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;

/**
 * Throws when nesting goes deeper than maxDepth; returns the first duplicate key (so that a syntax error,
 * reported by JSON.parse afterwards, wins over it). Malformed input never throws here: it only has to be
 * bounded, and JSON.parse names the syntax error.
 */
function scan(s: string, file: string, maxDepth: number, findDuplicates: boolean): { key: string; at: number } | undefined {
  // One entry per open container: the keys seen so far for an object, null for an array.
  const stack: Array<Set<string> | null> = [];
  // In an object, whether the next string is a key (after "{" or ",").
  let expectKey = false;
  let duplicate: { key: string; at: number } | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      let escaped = false;
      for (i++; i < s.length; i++) {
        const d = s.charCodeAt(i);
        if (d === BACKSLASH) {
          escaped = true;
          i++;
        } else if (d === QUOTE) break;
      }
      const keys = stack[stack.length - 1];
      if (expectKey && keys && findDuplicates && duplicate === undefined) {
        const key = escaped ? decodeKey(s.slice(start, i + 1)) : s.slice(start + 1, i);
        if (key !== undefined) {
          if (keys.has(key)) duplicate = { key, at: start };
          else keys.add(key);
        }
      }
      expectKey = false;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (stack.length >= maxDepth) {
        throw new Error(`${file}: JSON nested deeper than ${maxDepth} levels at ${position(s, i)}`);
      }
      stack.push(c === OPEN_OBJECT ? new Set() : null);
      expectKey = c === OPEN_OBJECT;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      stack.pop();
      expectKey = false;
    } else if (c === COMMA) {
      expectKey = stack[stack.length - 1] instanceof Set;
    } else if (c === COLON) {
      expectKey = false;
    }
  }
  return duplicate;
}

function decodeKey(literal: string): string | undefined {
  try {
    const key: unknown = JSON.parse(literal);
    return typeof key === 'string' ? key : undefined;
  } catch {
    return undefined; // a malformed string: JSON.parse of the whole text reports it
  }
}
