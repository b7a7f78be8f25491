/** The signals a run stops cleanly on: Ctrl-C, and what `kill`, systemd, Docker and CI runners send. */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

/** The conventional exit code after a signal: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
export function signalExitCode(signal: InterruptSignal): number {
  return signal === 'SIGINT' ? 130 : 143;
}

/**
 * An AbortSignal that the first SIGINT (Ctrl-C) or SIGTERM aborts, so the trainer finishes its step,
 * saves a checkpoint and returns. A second signal exits at once (130 or 143) for a user who cannot
 * wait. `received()` says which signal stopped the run. Call dispose() when the run is over to restore
 * Node's default handling.
 */
export function interruptOnSignals(onFirst?: (signal: InterruptSignal) => void): {
  signal: AbortSignal;
  received: () => InterruptSignal | undefined;
  dispose: () => void;
} {
  const controller = new AbortController();
  let first: InterruptSignal | undefined;
  const handlers = INTERRUPT_SIGNALS.map((name) => {
    const handler = () => {
      if (controller.signal.aborted) process.exit(signalExitCode(name));
      first = name;
      onFirst?.(name);
      controller.abort(new Error(`${name} received`));
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    received: () => first,
    dispose: () => {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}

/** @deprecated since 0.2: use interruptOnSignals, which also stops cleanly on SIGTERM. */
export function interruptOnSigint(onFirst?: () => void): { signal: AbortSignal; dispose: () => void } {
  const { signal, dispose } = interruptOnSignals(onFirst && (() => onFirst()));
  return { signal, dispose };
}
