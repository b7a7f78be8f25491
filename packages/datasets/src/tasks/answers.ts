/**
 * Answer extraction from generated text. These live with the tasks (each task names its
 * extractor); @smoa/eval re-exports them.
 */

/**
 * The first of `labels` named in the text (case-insensitive, whole word), as the LLM-Adapters
 * evaluation does; labels are tried longest first so "answer1" never matches inside "answer10".
 */
export function extractChoice(text: string, labels: readonly string[]): string | undefined {
  const alternatives = [...labels].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const m = new RegExp(`(?<![A-Za-z0-9])(${alternatives.join('|')})(?![A-Za-z0-9])`, 'i').exec(text);
  if (!m) return undefined;
  const found = m[1]!.toLowerCase();
  return labels.find((l) => l.toLowerCase() === found);
}

// A number: thousands groups with commas ("1,234"), plain digits, decimals ("3.5", ".5"); a minus
// sign only where it cannot be a subtraction ("5-3" is two numbers, not 5 and -3).
const NUMBER = String.raw`(?<![\w.])[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d])|(?<![\w.])[-−]?\.\d+`;

/** Parses one number as written in text: thousands commas, a leading "$", a Unicode minus. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim().replace(/^\$/, '').replace(/^[-−]\s*\$/, '-').replace(/−/g, '-').replace(/,/g, '');
  if (!/^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

/**
 * The final numeric answer of a worked solution or a generation, tried in order:
 * 1. after "####" (GSM8K's gold format), the last such marker;
 * 2. after "the answer is" (the LLM-Adapters rationales), the last such phrase;
 * 3. the last number anywhere in the text.
 * The number may carry thousands commas, a sign, a "$" and decimals.
 */
export function extractNumber(text: string): number | undefined {
  for (const marker of [/####/g, /the (?:final )?answer is/gi]) {
    const at = lastMatchEnd(text, marker);
    if (at !== undefined) {
      const after = firstNumber(text.slice(at, at + 64).replace(/\$\s*/g, ''));
      if (after !== undefined) return after;
    }
  }
  const all = [...text.replace(/\$\s*/g, '').matchAll(new RegExp(NUMBER, 'g'))];
  const last = all[all.length - 1];
  return last ? parseNumber(last[0]) : undefined;
}

/** Numeric equality with a tolerance relative to the gold value (gold values like 0.6666666666666666). */
export function numbersMatch(predicted: number, gold: number, tolerance = 1e-4): boolean {
  return Math.abs(predicted - gold) <= tolerance * Math.max(1, Math.abs(gold));
}

/** The option letter (A-E) a math multiple-choice generation names: "(D)", "answer is D", or the last standalone letter. */
export function extractOptionLetter(text: string, letters = 'ABCDE'): string | undefined {
  const set = `[${letters}]`;
  const stated = [...text.matchAll(new RegExp(`answer is:?\\s*\\(?(${set})\\b`, 'gi'))];
  if (stated.length > 0) return stated[stated.length - 1]![1]!.toUpperCase();
  const bracketed = [...text.matchAll(new RegExp(`\\((${set})\\)`, 'g'))];
  if (bracketed.length > 0) return bracketed[bracketed.length - 1]![1];
  const bare = [...text.matchAll(new RegExp(`(?<![A-Za-z])(${set})(?![A-Za-z])`, 'g'))];
  return bare.length > 0 ? bare[bare.length - 1]![1] : undefined;
}

function firstNumber(text: string): number | undefined {
  const m = new RegExp(NUMBER).exec(text);
  return m ? parseNumber(m[0]) : undefined;
}

function lastMatchEnd(text: string, re: RegExp): number | undefined {
  let end: number | undefined;
  for (const m of text.matchAll(re)) end = m.index + m[0].length;
  return end;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
