import type { ConfigChange } from './config';

/** What the trainer reports while it runs; the CLI turns these into progress bars and metrics.jsonl. */
export type TrainEvent =
  | {
      type: 'step';
      step: number;
      epoch: number;
      loss: number;
      learningRate: number;
      gradNorm: number;
      /** Scored (response) tokens in this step's batch. */
      tokens: number;
      /** All non-padding tokens processed in this step (forward and backward). */
      inputTokens: number;
      elapsedMs: number;
    }
  | { type: 'eval'; step: number; loss: number; perplexity: number; tokens: number; metric?: { name: string; value: number }; isBest: boolean }
  | { type: 'checkpoint'; step: number; tag: 'last' | 'best' }
  /** A resume from the checkpoint at `step`; `changed` lists the settings that differ from that run. */
  | { type: 'resume'; step: number; changed: ConfigChange[] }
  | { type: 'stop'; step: number; reason: TrainStopReason; message: string };

/** Why a run stopped: 'non-finite' (NaN/Infinity loss, norm or weights) and 'diverged' (see stopOnDivergence) are failures. */
export type TrainStopReason = 'completed' | 'interrupted' | 'non-finite' | 'diverged';
