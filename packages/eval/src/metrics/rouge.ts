import { l as rougeLScore } from 'js-rouge';
import { wordTokens } from './text';

/**
 * Sentence-level ROUGE-L F1 (LCS, beta 1) through js-rouge, with our word tokens and each text as
 * one sentence, so a reply is not split by a sentence guesser. An empty side scores 0 (js-rouge
 * refuses empty input).
 */
export function rougeL(candidate: string, reference: string): number {
  if (wordTokens(candidate).length === 0 || wordTokens(reference).length === 0) return 0;
  return rougeLScore(candidate, reference, { tokenizer: wordTokens, segmenter: (t) => [t] });
}
