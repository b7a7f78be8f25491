// Timing helpers shared by every benchmark (root and packages/*/bench): warm-up, then the median of several runs.
import { performance } from 'node:perf_hooks';

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs `warmUpWith` (fn itself unless a cheaper stand-in is given) `warmup` times untimed, then fn
 * `runs` times timed; returns the median in ms and all samples.
 */
export async function timeIt(fn, { warmup = 1, runs = 5, warmUpWith = fn } = {}) {
  for (let i = 0; i < warmup; i++) await warmUpWith();
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return { ms: median(samples), samples };
}
