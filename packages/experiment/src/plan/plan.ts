/** A method to compare: a named adapter config (any @smoa/adapters method), full fine-tuning, or the base model. */
export interface MethodSpec {
  /** Shown in every table and used for run directories; unique within a plan. */
  name: string;
  /** An @smoa/adapters method ('smoa', 'lora', 'hira', 'melora', 'dora'), 'full', or 'none' (the base model, evaluated only). */
  method: string;
  /** Rank budget; leave it out to have it matched to the plan's budget reference. */
  r?: number;
  /** With a budget reference: the fraction of the reference's trainable parameters to match (default 1). */
  budget?: number;
  /** Every other key is passed to the adapter config (alpha, numBlocks, branchRanks, partition, init, useRslora, dropout, targetModules). */
  [adapterKey: string]: unknown;
}

/** A plan: plain JSON (see the package README for the format). */
export interface Plan {
  name: string;
  /** Model directory or Hub id (default: the embedded stories260K). */
  model?: string;
  tasks: string[];
  methods: MethodSpec[];
  /** Rank matching: methods without `r` get the rank whose trainable parameters match `budget` x the reference's. */
  budget?: { reference: string; tolerance: number };
  learningRates: number[];
  seeds: number[];
  /** Projections every adapter targets unless a method sets its own (default: all seven Llama projections). */
  targetModules: string[] | 'all-linear';
  maxSteps: number;
  batchSize: number;
  gradientAccumulationSteps: number;
  warmupSteps: number;
  weightDecay: number;
  /** Learning-rate decay after warmup. */
  decay: 'linear' | 'cosine' | 'constant';
  /** Save a resumable checkpoint every n steps (0: only at the end, so a killed run restarts). */
  checkpointEvery: number;
  /** Clip gradients to this global norm (0: off). */
  maxGradNorm: number;
  /** Tokens per training sequence (block size for corpora). */
  cutoffLength: number;
  /** Validation examples carved from training data (count, or a fraction below 1). */
  validationSize: number;
  maxTrainExamples?: number;
  dataDir?: string;
  /** Test examples scored per task (first n; default all). */
  evalLimit?: number;
  evalBatchSize: number;
  /** Scoring modes for multiple-choice tasks (default both). */
  choiceModes: ('loglikelihood' | 'generate')[];
}

export const DEFAULT_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];

/** The plan's defaults for settings it does not give. */
export const PLAN_DEFAULTS = {
  targetModules: DEFAULT_TARGETS,
  maxSteps: 100,
  batchSize: 4,
  gradientAccumulationSteps: 1,
  warmupSteps: 0,
  weightDecay: 0,
  decay: 'linear' as 'linear' | 'cosine' | 'constant',
  maxGradNorm: 1,
  checkpointEvery: 0,
  cutoffLength: 128,
  validationSize: 64,
  evalBatchSize: 8,
  choiceModes: ['loglikelihood', 'generate'] as ('loglikelihood' | 'generate')[],
  budgetTolerance: 0.05,
};
