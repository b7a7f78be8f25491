import { ngrams, wordTokens } from './text';

/** Distinct-n (Li et al., 2016): distinct n-grams over all n-grams of all predictions together. */
export function distinctN(predictions: readonly string[], n: number): number {
  const all = predictions.flatMap((p) => ngrams(wordTokens(p), n));
  return all.length === 0 ? 0 : new Set(all).size / all.length;
}
