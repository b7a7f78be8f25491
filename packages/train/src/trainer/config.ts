import { DECAY_KINDS, type DecayKind } from '../schedule/lr-schedule';

/** Which number picks the best checkpoint: validation loss (lower is better) or a named metric. */
export type SelectBy = 'loss' | { metric: string; higherIsBetter: boolean };

export interface TrainConfig {
  /** Optimizer steps to run (each of gradientAccumulationSteps micro-batches). */
  maxSteps: number;
  batchSize: number;
  gradientAccumulationSteps: number;
  learningRate: number;
  warmupSteps: number;
  decay: DecayKind;
  minLearningRateRatio: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Clip gradients to this global L2 norm; 0 turns clipping off. */
  maxGradNorm: number;
  /** Evaluate on the validation split every N optimizer steps (and after the last); 0 = only after the last. */
  evalEvery: number;
  evalBatchSize: number;
  /** Save a resumable checkpoint every N steps (and at the end); 0 = only at the end. */
  checkpointEvery: number;
  seed: number;
  shuffle: boolean;
  selectBy: SelectBy;
  /**
   * Stop with reason "diverged" when the training loss blows up: above 3x the run's first loss (and 1 more), or up
   * to a uniform guess (ln vocabSize) after starting clearly below it (a learning rate far too high
   * leaves the model there with finite numbers, which the non-finite check cannot see).
   */
  stopOnDivergence: boolean;
  /**
   * Activation checkpointing: each decoder layer keeps only its input and is recomputed in the backward
   * pass. Less memory for long sequences and deep models, about one more forward pass of time per step.
   */
  checkpointActivations: boolean;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  maxSteps: 100,
  batchSize: 8,
  gradientAccumulationSteps: 1,
  learningRate: 1e-3,
  warmupSteps: 0,
  decay: 'linear',
  minLearningRateRatio: 0,
  weightDecay: 0,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  maxGradNorm: 1,
  evalEvery: 0,
  evalBatchSize: 8,
  checkpointEvery: 0,
  seed: 0,
  shuffle: true,
  selectBy: 'loss',
  stopOnDivergence: true,
  checkpointActivations: false,
};

const POSITIVE_INTS = ['maxSteps', 'batchSize', 'gradientAccumulationSteps', 'evalBatchSize'] as const;
const NON_NEGATIVE_INTS = ['warmupSteps', 'evalEvery', 'checkpointEvery'] as const;
const NON_NEGATIVE_NUMBERS = ['learningRate', 'weightDecay', 'epsilon', 'maxGradNorm', 'minLearningRateRatio'] as const;

/** Fills defaults and rejects a bad field by name, so a typo in a config file is not silently ignored. */
export function resolveTrainConfig(partial: Partial<TrainConfig> = {}): TrainConfig {
  const known = new Set(Object.keys(DEFAULT_TRAIN_CONFIG));
  for (const key of Object.keys(partial)) {
    if (!known.has(key)) throw new Error(`train config: unknown field "${key}" (known: ${[...known].join(', ')})`);
  }
  const c: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, ...stripUndefined(partial) };
  for (const k of POSITIVE_INTS) if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`train config: ${k} must be an integer >= 1, got ${c[k]}`);
  for (const k of NON_NEGATIVE_INTS) if (!Number.isInteger(c[k]) || c[k] < 0) throw new Error(`train config: ${k} must be an integer >= 0, got ${c[k]}`);
  for (const k of NON_NEGATIVE_NUMBERS) if (typeof c[k] !== 'number' || !Number.isFinite(c[k]) || c[k] < 0) throw new Error(`train config: ${k} must be a finite number >= 0, got ${c[k]}`);
  if (c.minLearningRateRatio > 1) throw new Error(`train config: minLearningRateRatio must be in [0, 1], got ${c.minLearningRateRatio}`);
  for (const k of ['beta1', 'beta2'] as const) if (!(c[k] >= 0 && c[k] < 1)) throw new Error(`train config: ${k} must be in [0, 1), got ${c[k]}`);
  if (!DECAY_KINDS.includes(c.decay)) throw new Error(`train config: decay must be one of ${DECAY_KINDS.join(', ')}, got "${c.decay}"`);
  if (typeof c.checkpointActivations !== 'boolean') throw new Error(`train config: checkpointActivations must be true or false, got ${JSON.stringify(c.checkpointActivations)}`);
  if (!Number.isInteger(c.seed)) throw new Error(`train config: seed must be an integer, got ${c.seed}`);
  for (const k of ['shuffle', 'stopOnDivergence'] as const) if (typeof c[k] !== 'boolean') throw new Error(`train config: ${k} must be true or false, got ${JSON.stringify(c[k])}`);
  if (c.selectBy !== 'loss' && (typeof c.selectBy !== 'object' || typeof c.selectBy.metric !== 'string')) {
    throw new Error(`train config: selectBy must be "loss" or { metric: string, higherIsBetter: boolean }, got ${JSON.stringify(c.selectBy)}`);
  }
  return c;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Fields a resumed run must share with the run that wrote the checkpoint: they fix which examples each
 * step sees, so a different value would make a different run under the same name. A resume with one
 * of them changed is refused.
 */
export const RESUME_INVARIANT_FIELDS = ['batchSize', 'gradientAccumulationSteps', 'seed', 'shuffle'] as const;

/** A setting a resumed run changed (learning rate, schedule, steps, ...): allowed, reported and recorded. */
export interface ConfigChange {
  field: keyof TrainConfig;
  from: unknown;
  to: unknown;
}

/**
 * The fields outside RESUME_INVARIANT_FIELDS in which `current` differs from the config stored in a
 * checkpoint. Fields the stored config lacks (written by an older version) are not reported.
 */
export function resumeChanges(saved: Partial<TrainConfig>, current: TrainConfig): ConfigChange[] {
  const invariant = new Set<string>(RESUME_INVARIANT_FIELDS);
  const changes: ConfigChange[] = [];
  for (const field of Object.keys(current) as (keyof TrainConfig)[]) {
    if (invariant.has(field) || !(field in saved)) continue;
    if (JSON.stringify(saved[field]) !== JSON.stringify(current[field])) changes.push({ field, from: saved[field], to: current[field] });
  }
  return changes;
}
