/**
 * How many wasm threads to start under Node.js when the caller did not say: every logical core (at
 * most MAX_WASM_THREADS), since the pthread workers no longer keep the process alive; 1 under a test
 * runner, where several test files already run in parallel worker processes and a second pool of
 * threads per file only makes them fight for the same cores (and the timings of tests unstable).
 */

export interface ThreadsRequest {
  /** The `threads` option, validated. */
  option: number | undefined;
  /** SMOA_THREADS as read from the environment. */
  env: string | undefined;
  /** Whether a test runner (vitest, jest, node --test) runs this process. */
  testRunner: boolean;
  /** Logical cores, capped at what the threaded build can use. */
  cap: number;
}

export interface ThreadsChoice {
  threads: number;
  /** 'option', 'SMOA_THREADS' or 'default': explicit requests above the cap warn, the default does not. */
  origin: 'option' | 'SMOA_THREADS' | 'default';
}

/** Parses SMOA_THREADS: a positive integer, or an error that names the variable. */
export function parseThreadsEnv(env: string): number {
  const text = env.trim();
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`SMOA_THREADS: expected a positive integer, got ${JSON.stringify(env)}`);
  return n;
}

export function chooseThreads(req: ThreadsRequest): ThreadsChoice {
  if (req.option !== undefined) return { threads: req.option, origin: 'option' };
  if (req.env !== undefined && req.env.trim() !== '') return { threads: parseThreadsEnv(req.env), origin: 'SMOA_THREADS' };
  return { threads: req.testRunner ? 1 : Math.max(1, req.cap), origin: 'default' };
}

/** Whether this process runs under a test runner that runs test files in parallel. */
export function underTestRunner(env: Record<string, string | undefined>): boolean {
  return env.VITEST !== undefined || env.JEST_WORKER_ID !== undefined || env.NODE_TEST_CONTEXT !== undefined;
}
