/** One line of results.jsonl: one finished run (or the base model's evaluation). */
export interface RunRecord {
  task: string;
  method: string;
  /** 'select': a rate of the grid with the first seed; 'seed': another seed at the chosen rate; 'base': no training. */
  phase: 'select' | 'seed' | 'base';
  seed: number;
  learningRate: number | null;
  numTrainable: number;
  /** The adapter config (rank settled) or { kind: 'full' | 'none' }. */
  config: unknown;
  /** Validation loss at the end of training (chooses the rate); null for the base model. */
  validation: { loss: number; perplexity: number } | null;
  /** Test metrics by name ("perplexity", "loglikelihood.accuracy", "generate.accuracy", "generate.answerRate", ...). */
  test: Record<string, number>;
  trainSeconds: number;
  evalSeconds: number;
  /** Training's end: completed, diverged, non-finite, ... */
  reason: string;
  runDir: string | null;
}

export function runKey(r: Pick<RunRecord, 'task' | 'method' | 'seed' | 'learningRate'>): string {
  return `${r.task}\u0000${r.method}\u0000${r.learningRate ?? '-'}\u0000${r.seed}`;
}
