export type EvaluationMode = 'generate' | 'loglikelihood' | 'perplexity';

/** One line of predictions.jsonl. */
export interface PredictionRecord {
  /** Position of the example in its split. */
  index: number;
  prompt?: string;
  generated?: string;
  /** The answer extracted from the generation (null: none found), or the option chosen by log-likelihood. */
  predicted?: string | null;
  gold?: string;
  correct?: boolean;
  /** Log-likelihood mode: the summed log-probability of each option, in option order. */
  scores?: number[];
  [extra: string]: unknown;
}

export interface EvaluationSummary {
  task: string;
  split?: string;
  mode: EvaluationMode;
  numExamples: number;
  /** accuracy, bleu1..4, f1, perplexity, ... by task metric. */
  metrics: Record<string, number>;
  /** The settings that produced these numbers (batch size, max new tokens, normalisation, ...). */
  settings: Record<string, unknown>;
  elapsedSeconds: number;
  /** A mix task's per-member summaries (its metrics are their unweighted average). */
  members?: EvaluationSummary[];
}

export interface EvaluationResult {
  summary: EvaluationSummary;
  predictions: PredictionRecord[];
}
