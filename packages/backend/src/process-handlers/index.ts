/**
 * tfjs-backend-wasm's Emscripten glue installs, when the module is instantiated under Node,
 *
 *     process.on('uncaughtException', (ex) => { if (!(ex instanceof ExitStatus)) throw ex; });
 *     process.on('unhandledRejection', (reason) => { throw reason; });
 *
 * A handler that throws makes Node exit with code 7 ("Internal Exception Handler Run-Time Failure")
 * and print the handler's source line, which is the whole minified Emscripten file (tens of KB under
 * tsx), before the user's message. tfjs removes them only in the module's _dispose. Nothing in tfjs
 * calls Emscripten's exit(), so the ExitStatus they exist for never comes; removing the handlers right
 * after instantiation gives the user's errors back to Node: their message and stack, exit code 1.
 */

type Event = 'uncaughtException' | 'unhandledRejection';
const EVENTS: Event[] = ['uncaughtException', 'unhandledRejection'];

interface ProcessLike {
  listeners(event: Event): Array<(...args: unknown[]) => void>;
  removeListener(event: Event, listener: (...args: unknown[]) => void): unknown;
}

function nodeProcess(): ProcessLike | undefined {
  const proc = (globalThis as { process?: Partial<ProcessLike> }).process;
  return typeof proc?.listeners === 'function' && typeof proc.removeListener === 'function' ? (proc as ProcessLike) : undefined;
}

/** Runs `fn` (which may instantiate an Emscripten module) and removes the process handlers it added. */
export async function withoutAddedProcessHandlers<T>(fn: () => Promise<T>): Promise<T> {
  const proc = nodeProcess();
  if (proc === undefined) return fn();
  const before = new Map(EVENTS.map((e) => [e, new Set(proc.listeners(e))]));
  try {
    return await fn();
  } finally {
    for (const e of EVENTS) {
      for (const listener of proc.listeners(e)) if (!before.get(e)!.has(listener)) proc.removeListener(e, listener);
    }
  }
}
