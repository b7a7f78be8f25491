/**
 * Word tokens for BLEU, ROUGE-L and Distinct-n: lower-cased, punctuation split off, apostrophes
 * kept inside words ("i'm"), which is how the ConvAI2 references are already written.
 */
export function wordTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu) ?? [];
}

/** n-grams as joined strings; \u0001 cannot occur in a token, so joins never collide. */
export function ngrams(tokens: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join('\u0001'));
  return out;
}

export function counts(items: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const it of items) m.set(it, (m.get(it) ?? 0) + 1);
  return m;
}
