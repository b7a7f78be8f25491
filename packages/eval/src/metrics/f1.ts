import { counts } from './text';

const ARTICLES = /\b(a|an|the)\b/g;
const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/** ParlAI's normalize_answer: lower case, drop punctuation and articles, collapse whitespace. */
export function normalizeAnswer(text: string): string {
  return text.toLowerCase().replace(PUNCTUATION, ' ').replace(ARTICLES, ' ').split(/\s+/).filter(Boolean).join(' ');
}

/** Unigram F1 between the normalised words of a prediction and a reference (ParlAI's F1 metric). */
export function tokenF1(prediction: string, reference: string): number {
  const p = normalizeAnswer(prediction).split(' ').filter(Boolean);
  const r = normalizeAnswer(reference).split(' ').filter(Boolean);
  if (p.length === 0 || r.length === 0) return 0;
  const rc = counts(r);
  let common = 0;
  for (const [w, c] of counts(p)) common += Math.min(c, rc.get(w) ?? 0);
  if (common === 0) return 0;
  const precision = common / p.length;
  const recall = common / r.length;
  return (2 * precision * recall) / (precision + recall);
}
