/**
 * The spectral pool's thread count, by @smoa/backend's rule (kept in step with its threads/index.ts):
 * the `threads` option, else SMOA_THREADS, else every logical core (at most MAX_SPECTRAL_THREADS),
 * else 1 under a test runner, where test files already run in parallel processes.
 */
export const MAX_SPECTRAL_THREADS = 8;

/** Parses SMOA_THREADS: a positive integer, or an error that names the variable. */
export function parseThreadsEnv(env: string): number {
  const text = env.trim();
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`SMOA_THREADS: expected a positive integer, got ${JSON.stringify(env)}`);
  return n;
}

export function chooseSpectralThreads(option: number | undefined, env: Record<string, string | undefined>, cores: number): number {
  if (option !== undefined) {
    if (!Number.isSafeInteger(option) || option < 1) throw new Error(`createSpectralPool: threads must be a positive integer, got ${option}`);
    return option;
  }
  const fromEnv = env.SMOA_THREADS;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return parseThreadsEnv(fromEnv);
  const testRunner = env.VITEST !== undefined || env.JEST_WORKER_ID !== undefined || env.NODE_TEST_CONTEXT !== undefined;
  return testRunner ? 1 : Math.max(1, Math.min(cores, MAX_SPECTRAL_THREADS));
}
