import * as tf from '@tensorflow/tfjs-core';
import { resolveOrder } from './choose';
import { registerGradients } from './gradients';
import { importByName, loadBackend, type Importer } from './load';
import { SOURCES } from './sources';
import { parseThreadsEnv, underTestRunner } from './threads';
import type { BackendInfo, InitBackendOptions, SkippedBackend } from './types';

const isNodeRuntime = (): boolean =>
  typeof process !== 'undefined' && typeof process.versions === 'object' && typeof process.versions?.node === 'string';

function validateThreads(threads: unknown): void {
  if (threads === undefined) return;
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1) {
    throw new Error(`threads: expected a positive integer, got ${JSON.stringify(threads)}`);
  }
}

/** Seams for tests: how packages are imported, and which runtime to behave as. */
export interface InitDeps {
  importer: Importer;
  isNode: boolean;
  env: string | undefined;
  /** SMOA_THREADS (Node only). */
  threadsEnv?: string | undefined;
  /** Whether a test runner runs this process: the Node default is then 1 thread. */
  testRunner?: boolean;
  /** SMOA_WEBGPU_ADAPTER (Node only). */
  adapterEnv?: string | undefined;
}

export function defaultDeps(): InitDeps {
  const isNode = isNodeRuntime();
  // process is read only where it exists: this module also runs in browsers.
  return {
    importer: importByName,
    isNode,
    env: isNode ? process.env.SMOA_BACKEND : undefined,
    threadsEnv: isNode ? process.env.SMOA_THREADS : undefined,
    testRunner: isNode && underTestRunner(process.env),
    adapterEnv: isNode ? process.env.SMOA_WEBGPU_ADAPTER : undefined,
  };
}

export async function initBackendWith(options: InitBackendOptions, deps: InitDeps): Promise<BackendInfo> {
  validateThreads(options.threads);
  // A bad SMOA_THREADS is the user's typo, not a reason to fall back to another backend.
  if (deps.isNode && deps.threadsEnv !== undefined && deps.threadsEnv.trim() !== '') parseThreadsEnv(deps.threadsEnv);
  const { order, explicit } = resolveOrder(options.prefer, deps.env, deps.isNode);
  const skipped: SkippedBackend[] = [];
  const adapterName = options.webgpuAdapter ?? deps.adapterEnv;
  // Browsers: a GPU backend on a software renderer goes after wasm, unless asked for by name or by an
  // explicit order (which is the user's ranking).
  const queue = order.map((choice) => ({ choice, allowSoftware: explicit || (adapterName ?? '').trim() !== '' }));
  for (let i = 0; i < queue.length; i++) {
    const { choice, allowSoftware } = queue[i]!;
    const result = await loadBackend(choice, {
      isNode: deps.isNode,
      importer: deps.importer,
      loaders: options.loaders,
      threads: options.threads,
      threadsEnv: deps.threadsEnv,
      testRunner: deps.testRunner,
      wasmPaths: options.wasmPaths,
      adapterName,
      allowSoftware,
    });
    const source = SOURCES[choice].pkg;
    if (result.ok) {
      registerGradients();
      return {
        name: tf.getBackend(),
        source,
        threads: result.threads ?? 1,
        ...(result.simd === undefined ? {} : { simd: result.simd }),
        skipped,
        ...(result.trainingKernels === undefined ? {} : { trainingKernels: result.trainingKernels }),
        ...(result.warnings === undefined ? {} : { warnings: result.warnings }),
        ...(result.adapter === undefined ? {} : { adapter: result.adapter }),
      };
    }
    skipped.push({ source, reason: result.reason ?? 'unknown' });
    if (result.software === true) {
      const wasmAt = queue.findIndex((q, j) => j > i && q.choice === 'wasm');
      queue.splice(wasmAt === -1 ? queue.length : wasmAt + 1, 0, { choice, allowSoftware: true });
    }
  }
  const detail = skipped.map((s) => `  ${s.source}: ${s.reason}`).join('\n');
  const what = explicit
    ? `the requested backend${order.length > 1 ? 's' : ''} (${order.join(', ')}) could not load`
    : 'no TensorFlow.js backend could load';
  throw new Error(`${what}:\n${detail}`);
}

/**
 * Picks the fastest backend that works here, makes it tfjs's active backend, registers what training
 * needs (tfjs-core's gradients; on wasm, the kernels it lacks) and reports what was skipped and why.
 * An explicitly requested backend (`prefer` or SMOA_BACKEND) that cannot load is an error, never a fallback.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  return initBackendWith(options, defaultDeps());
}
