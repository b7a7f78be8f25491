/**
 * An AbortSignal that the first Ctrl-C (SIGINT) aborts, so the trainer finishes its step, saves a
 * checkpoint and returns. A second Ctrl-C exits at once with code 130 for a user who cannot wait.
 * Call dispose() when the run is over to restore Node's default handling.
 */
export function interruptOnSigint(onFirst?: () => void): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) process.exit(130);
    onFirst?.();
    controller.abort();
  };
  process.on('SIGINT', handler);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', handler) };
}
