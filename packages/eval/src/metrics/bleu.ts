import { counts, ngrams, wordTokens } from './text';

export interface BleuResult {
  /** BLEU-1..maxN: cumulative, brevity penalty times the geometric mean of precisions 1..n. */
  bleu: number[];
  /** Modified (clipped) n-gram precisions p1..pmaxN over the corpus. */
  precisions: number[];
  brevityPenalty: number;
  hypothesisLength: number;
  referenceLength: number;
}

/**
 * Corpus BLEU (Papineni et al., 2002), as nltk's corpus_bleu and sacreBLEU (tokenize "none", no
 * smoothing) compute it: clipped n-gram counts summed over the corpus, brevity penalty from the
 * total hypothesis length against the closest reference length per sentence. A BLEU-n whose
 * precisions include a zero is 0. No npm package computes corpus BLEU with multiple references
 * (bleu-score, the only one, is sentence-level, single-reference and divides by zero on empty
 * hypotheses), so this is written here and checked against hand-computed values.
 */
export function corpusBleu(hypotheses: readonly string[], references: readonly (string | readonly string[])[], maxN = 4): BleuResult {
  if (hypotheses.length !== references.length) {
    throw new RangeError(`corpusBleu: ${hypotheses.length} hypotheses but ${references.length} references`);
  }
  const matched = new Array<number>(maxN).fill(0);
  const total = new Array<number>(maxN).fill(0);
  let hypLen = 0;
  let refLen = 0;
  hypotheses.forEach((h, i) => {
    const hyp = wordTokens(h);
    const r = references[i]!;
    const refs = (typeof r === 'string' ? [r] : r).map(wordTokens);
    hypLen += hyp.length;
    refLen += closestLength(refs.map((x) => x.length), hyp.length);
    for (let n = 1; n <= maxN; n++) {
      const hc = counts(ngrams(hyp, n));
      const maxRef = new Map<string, number>();
      for (const ref of refs) for (const [g, c] of counts(ngrams(ref, n))) maxRef.set(g, Math.max(maxRef.get(g) ?? 0, c));
      for (const [g, c] of hc) matched[n - 1]! += Math.min(c, maxRef.get(g) ?? 0);
      total[n - 1]! += Math.max(0, hyp.length - n + 1);
    }
  });
  const precisions = matched.map((m, i) => (total[i]! > 0 ? m / total[i]! : 0));
  const brevityPenalty = hypLen === 0 ? 0 : hypLen >= refLen ? 1 : Math.exp(1 - refLen / hypLen);
  const bleu = precisions.map((_, k) => {
    const ps = precisions.slice(0, k + 1);
    if (ps.some((p) => p === 0)) return 0;
    return brevityPenalty * Math.exp(ps.reduce((s, p) => s + Math.log(p), 0) / ps.length);
  });
  return { bleu, precisions, brevityPenalty, hypothesisLength: hypLen, referenceLength: refLen };
}

/** The reference length closest to the hypothesis length, the shorter one on ties (as nltk). */
function closestLength(refLengths: number[], hypLength: number): number {
  return refLengths.reduce((best, l) => {
    const d = Math.abs(l - hypLength);
    const bd = Math.abs(best - hypLength);
    return d < bd || (d === bd && l < best) ? l : best;
  });
}
