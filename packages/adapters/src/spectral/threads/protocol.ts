import { gemmRows, type GemmOptions, type Operand } from '../gemm';
import { setWasmKernels } from '../wasm/gemm-kernel';

/**
 * The shared-memory protocol between the calling thread and the pool's workers (no Node built-ins
 * here: the worker entry and the pool both import it). One product is a job: the caller posts its
 * description to every worker's port, then bumps the generation word; every thread, the caller
 * included, claims row blocks from one 64-bit ticket (generation << 32 | next block) until none is
 * left, so a worker that wakes late for an old job can never claim a block of the new one.
 */
export const GEN = 0;
export const DONE = 1;
export const FAILED = 2;
export const READY = 3;
/** Row blocks the workers (not the caller) have done: the pool's `stats`. */
export const WORKER_BLOCKS = 4;
export const CONTROL_WORDS = 5;

export interface Job {
  gen: number;
  m: number;
  n: number;
  k: number;
  a: Operand;
  b: Operand;
  c: Float64Array;
  opts: GemmOptions;
  rowsPerBlock: number;
  blocks: number;
  wasm: boolean;
}

export interface Shared {
  control: Int32Array;
  ticket: BigInt64Array;
}

/** Claims the next block of `job`, or -1 when its blocks are all taken or a newer job has started. */
function claim(ticket: BigInt64Array, job: Job): number {
  for (;;) {
    const cur = Atomics.load(ticket, 0);
    if (Number(cur >> 32n) !== job.gen) return -1;
    const next = Number(cur & 0xffffffffn);
    if (next >= job.blocks) return -1;
    if (Atomics.compareExchange(ticket, 0, cur, cur + 1n) === cur) return next;
  }
}

/** Runs blocks of `job` until none is left; each finished block adds one to DONE and wakes the caller. */
export function runBlocks(shared: Shared, job: Job, worker: boolean): void {
  setWasmKernels(job.wasm);
  for (let b = claim(shared.ticket, job); b >= 0; b = claim(shared.ticket, job)) {
    try {
      gemmRows(job.m, job.n, job.k, job.a, job.b, job.c, job.opts, b * job.rowsPerBlock, (b + 1) * job.rowsPerBlock);
    } catch {
      Atomics.store(shared.control, FAILED, 1);
    }
    if (worker) Atomics.add(shared.control, WORKER_BLOCKS, 1);
    Atomics.add(shared.control, DONE, 1);
    Atomics.notify(shared.control, DONE);
  }
}
