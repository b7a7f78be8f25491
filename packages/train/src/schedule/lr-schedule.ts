/** How the learning rate falls after warmup. */
export type DecayKind = 'linear' | 'cosine' | 'constant';

export const DECAY_KINDS: readonly DecayKind[] = ['linear', 'cosine', 'constant'];

export interface LrScheduleConfig {
  /** Peak learning rate, reached at the end of warmup. */
  learningRate: number;
  /** Optimizer steps of linear warmup from 0 to the peak. */
  warmupSteps: number;
  /** Total optimizer steps of the run; decay reaches its floor here. */
  totalSteps: number;
  decay: DecayKind;
  /** Floor of the decay as a fraction of the peak (0 = decay to zero). */
  minRatio?: number;
}

/**
 * Learning rate for the optimizer step with 0-based index `step`. Matches transformers'
 * get_linear_schedule_with_warmup / get_cosine_schedule_with_warmup (step 0 of a warmup runs at lr 0),
 * so runs compare with PyTorch recipes, plus an optional floor.
 */
export function learningRateAt(step: number, config: LrScheduleConfig): number {
  const { learningRate, warmupSteps, totalSteps, decay } = config;
  const minRatio = config.minRatio ?? 0;
  if (step < warmupSteps) return (learningRate * step) / Math.max(1, warmupSteps);
  if (decay === 'constant') return learningRate;
  const span = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, (step - warmupSteps) / span);
  const factor = decay === 'linear' ? 1 - progress : 0.5 * (1 + Math.cos(Math.PI * progress));
  return learningRate * (minRatio + (1 - minRatio) * Math.max(0, factor));
}
