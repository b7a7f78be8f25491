import { corpusBleu } from './bleu';
import { distinctN } from './distinct';
import { tokenF1 } from './f1';
import { rougeL } from './rouge';

export interface DialogueMetrics {
  bleu1: number;
  bleu2: number;
  bleu3: number;
  bleu4: number;
  /** Mean sentence-level ROUGE-L F1. */
  rougeL: number;
  /** Mean ParlAI unigram F1. */
  f1: number;
  distinct1: number;
  distinct2: number;
}

export function dialogueMetrics(predictions: readonly string[], references: readonly string[]): DialogueMetrics {
  if (predictions.length !== references.length) throw new RangeError(`${predictions.length} predictions but ${references.length} references`);
  if (predictions.length === 0) throw new RangeError('dialogueMetrics: no predictions');
  const { bleu } = corpusBleu(predictions, references, 4);
  const mean = (f: (p: string, r: string) => number) => predictions.reduce((s, p, i) => s + f(p, references[i]!), 0) / predictions.length;
  return {
    bleu1: bleu[0]!,
    bleu2: bleu[1]!,
    bleu3: bleu[2]!,
    bleu4: bleu[3]!,
    rougeL: mean(rougeL),
    f1: mean(tokenF1),
    distinct1: distinctN(predictions, 1),
    distinct2: distinctN(predictions, 2),
  };
}
