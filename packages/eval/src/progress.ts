export interface ProgressEvent {
  done: number;
  total: number;
  elapsedMs: number;
  /** Estimated time left from the mean time per item so far; undefined before the first item. */
  etaMs: number | undefined;
}

/** Called after each batch. The core has no terminal output; the Node entry turns this into a bar. */
export type ProgressCallback = (event: ProgressEvent) => void;

export function progressTracker(total: number, onProgress?: ProgressCallback, now: () => number = () => performance.now()) {
  const start = now();
  let done = 0;
  return {
    advance(n: number): void {
      done += n;
      const elapsedMs = now() - start;
      onProgress?.({ done, total, elapsedMs, etaMs: done > 0 ? (elapsedMs / done) * (total - done) : undefined });
    },
  };
}
