import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { gemm, setDefaultSpectralProducts, type GemmOptions, type Operand, type SpectralProducts } from '../gemm';
import { MR, wasmKernelsEnabled } from '../wasm/gemm-kernel';
import { CONTROL_WORDS, DONE, FAILED, GEN, READY, runBlocks, WORKER_BLOCKS, type Job, type Shared } from './protocol';
import { chooseSpectralThreads } from './threads';

export interface SpectralPoolOptions {
  /**
   * Threads in all, this one included (so threads - 1 workers). Default: SMOA_THREADS, else every
   * logical core (at most 8), else 1 under a test runner - the rule @smoa/backend uses.
   */
  threads?: number;
}

export interface SpectralPoolStats {
  /** Products split over the threads, and products small enough (or on unshared arrays) to run here. */
  parallel: number;
  local: number;
  /** Row blocks done by the workers rather than by the calling thread. */
  workerBlocks: number;
}

export interface SpectralPool extends SpectralProducts {
  /** Resolves once every worker has started (products never wait for it: the caller does what is left). */
  ready(): Promise<void>;
  stats(): SpectralPoolStats;
  /** Stops the workers (they never keep the process alive, so closing is optional). */
  close(): Promise<void>;
}

/** Below this many multiply-adds a product runs on the calling thread: waking workers costs more. */
const MIN_PARALLEL_WORK = 1 << 20;
/** A stuck worker fails the product after this long without progress instead of hanging the caller. */
const STALL_MS = 120_000;

const isShared = (x: Float64Array): boolean => typeof SharedArrayBuffer !== 'undefined' && x.buffer instanceof SharedArrayBuffer;

function workerUrl(): URL {
  // The worker is a build entry beside this chunk, in the same format (ESM .js or CommonJS .cjs).
  const here = import.meta.url;
  return new URL(here.endsWith('.cjs') ? './spectral-worker.cjs' : './spectral-worker.js', here);
}

/**
 * A pool of worker threads that runs the spectral products split by row blocks over
 * SharedArrayBuffer, synchronously: the caller claims blocks too and waits on an atomic counter, so
 * `spectralOrdersOf(w, out, in, { products: pool })` stays a plain function call. Every element's
 * summation order is that of one-thread `gemm`, so the results are bit-identical. Workers are
 * unref'd: a script that used the pool exits by itself.
 */
export function createSpectralPool(options: SpectralPoolOptions = {}): SpectralPool {
  const threads = chooseSpectralThreads(options.threads, process.env, availableParallelism());
  const shared: Shared = {
    control: new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4)),
    ticket: new BigInt64Array(new SharedArrayBuffer(8)),
  };
  const workers: Worker[] = [];
  let workerError: Error | undefined;
  const ports: MessagePort[] = [];
  for (let i = 1; i < threads; i++) {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(workerUrl(), { workerData: { ...shared, port: port2 }, transferList: [port2] });
    worker.unref();
    // A worker that fails leaves its blocks to the others; `ready()` reports it, and the listener keeps
    // the error from becoming an uncaught one.
    worker.on('error', (e: Error) => {
      workerError ??= e;
    });
    port1.unref();
    workers.push(worker);
    ports.push(port1);
  }
  let gen = 0;
  let closed = false;
  let parallel = 0;
  let local = 0;

  function parallelGemm(m: number, n: number, k: number, a: Operand, b: Operand, c: Float64Array, opts: GemmOptions = {}): void {
    if (closed) throw new Error('spectral pool: used after close()');
    if (workers.length === 0 || m * n * k < MIN_PARALLEL_WORK || m < 2 * MR || !isShared(a.data) || !isShared(b.data) || !isShared(c)) {
      local++;
      gemm(m, n, k, a, b, c, opts);
      return;
    }
    parallel++;
    // A few blocks per thread balance triangular products; blocks stay tall so B is packed few times.
    const rowsPerBlock = Math.max(64, Math.ceil(Math.ceil(m / (3 * threads)) / MR) * MR);
    const blocks = Math.ceil(m / rowsPerBlock);
    gen = (gen % 0x7ffffffe) + 1;
    const job: Job = { gen, m, n, k, a, b, c, opts, rowsPerBlock, blocks, wasm: wasmKernelsEnabled() };
    for (const port of ports) port.postMessage(job);
    const { control, ticket } = shared;
    Atomics.store(control, DONE, 0);
    Atomics.store(control, FAILED, 0);
    Atomics.store(ticket, 0, BigInt(gen) << 32n);
    Atomics.store(control, GEN, gen);
    Atomics.notify(control, GEN);
    runBlocks(shared, job, false);
    let done = Atomics.load(control, DONE);
    while (done < blocks) {
      if (Atomics.wait(control, DONE, done, STALL_MS) === 'timed-out' && Atomics.load(control, DONE) === done) {
        throw new Error(`spectral pool: no progress for ${STALL_MS / 1000} s (${done} of ${blocks} row blocks done); a worker thread died`);
      }
      done = Atomics.load(control, DONE);
    }
    if (Atomics.load(control, FAILED) !== 0) throw new Error('spectral pool: a worker thread failed on a row block');
  }

  return {
    threads,
    alloc: (length) => (workers.length === 0 ? new Float64Array(length) : new Float64Array(new SharedArrayBuffer(length * 8))),
    gemm: parallelGemm,
    async ready() {
      while (!closed && Atomics.load(shared.control, READY) < workers.length) {
        if (workerError) throw new Error(`spectral pool: a worker thread failed to start: ${workerError.message}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    stats: () => ({ parallel, local, workerBlocks: Atomics.load(shared.control, WORKER_BLOCKS) }),
    async close() {
      if (closed) return;
      closed = true;
      Atomics.store(shared.control, GEN, -1);
      Atomics.notify(shared.control, GEN);
      for (const port of ports) port.close();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

let installed: SpectralPool | null = null;

/**
 * Makes a pool the default of every spectral computation in this process (SMoA's block orders,
 * PiSSA's init, `spectralOrdersOf` without `products`) and returns it; `useSpectralThreads({ threads: 1 })`
 * or `stopSpectralThreads()` goes back to this thread.
 */
export function useSpectralThreads(options: SpectralPoolOptions = {}): SpectralPool {
  void installed?.close();
  installed = createSpectralPool(options);
  setDefaultSpectralProducts(installed);
  return installed;
}

export async function stopSpectralThreads(): Promise<void> {
  const pool = installed;
  installed = null;
  setDefaultSpectralProducts(null);
  await pool?.close();
}
