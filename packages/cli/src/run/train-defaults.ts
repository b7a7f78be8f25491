import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '@smoa/train';

/**
 * Where `smoa train` differs from the library's DEFAULT_TRAIN_CONFIG, in one place. A command-line run
 * is usually long and watched: validate and checkpoint every 20 steps, where the library (called from
 * code that decides itself) only evaluates and saves at the end.
 */
export const CLI_TRAIN_OVERRIDES = { evalEvery: 20, checkpointEvery: 20 } as const satisfies Partial<TrainConfig>;

/** The trainer defaults `smoa train --help` shows. */
export const CLI_TRAIN_DEFAULTS: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, ...CLI_TRAIN_OVERRIDES };

/** Data preparation defaults of `smoa train` (the library has no data defaults: callers pass examples). */
export const CLI_DATA_DEFAULTS = { cutoffLength: 128, validationSize: 64 } as const;
