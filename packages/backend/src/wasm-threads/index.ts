import * as tf from '@tensorflow/tfjs-core';

/**
 * Multi-threaded wasm under Node.js.
 *
 * tfjs-backend-wasm turns threads off in Node (its WASM_HAS_MULTITHREAD_SUPPORT flag returns false
 * there; tensorflow/tfjs#3830) because the way it starts the threaded build only works in browsers:
 * it hands Emscripten a Blob URL for the pthread worker script, and Node's worker_threads accepts
 * only file paths. Emscripten's threaded output itself supports Node. So we start that build
 * ourselves: the worker script (which tfjs ships as a string) is written to a file in the temp
 * directory, Emscripten's own Node code does the rest (it loads the .wasm and the main script by
 * path), and tfjs's BackendWasm class wraps the module exactly as tfjs's init() would.
 *
 * One more obstacle: the C++ side caps the XNNPACK pool at emscripten_num_logical_cores() / 2,
 * assuming two hyper-threads per core, so a 2-vCPU machine gets 1 thread whatever was asked. We
 * answer that import with 2 x the requested count (itself capped at the logical cores and at the
 * 8 pthreads the build pre-spawns), so the pool gets exactly the threads that were requested.
 */

/** The exports of @tensorflow/tfjs-backend-wasm that we use. */
export interface WasmPackage {
  BackendWasm: new (module: unknown) => tf.KernelBackend;
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
  setWasmPaths(prefixOrFileMap: string | Record<string, string>, usePlatformFetch?: boolean): void;
}

type Importer = (specifier: string) => Promise<unknown>;

interface NodeWorker {
  ref(): void;
  unref(): void;
}

interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...args: number[]) => number;
  tfjs?: unknown;
  PThread?: {
    unusedWorkers: NodeWorker[];
    runningWorkers: NodeWorker[];
    allocateUnusedWorker(): void;
  };
}

type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

/** Most pthreads the threaded build pre-spawns (PTHREAD_POOL_SIZE in tfjs-backend-wasm's BUILD). */
export const MAX_WASM_THREADS = 8;

const PKG = '@tensorflow/tfjs-backend-wasm';
const THREADED_JS = 'tfjs-backend-wasm-threaded-simd.js';
const THREADED_WASM = 'tfjs-backend-wasm-threaded-simd.wasm';
const WORKER_JS = 'tfjs-backend-wasm-threaded-simd.worker.js';

interface NodeBuiltins {
  fs: {
    readFileSync(path: string): Uint8Array;
    readFileSync(path: string, enc: 'utf8'): string;
    writeFileSync(path: string, data: string): void;
    renameSync(from: string, to: string): void;
    existsSync(path: string): boolean;
  };
  os: { tmpdir(): string; availableParallelism?: () => number; cpus(): unknown[] };
  path: { join(...parts: string[]): string };
  crypto: { createHash(alg: string): { update(s: string): { digest(enc: 'hex'): string } } };
}

/**
 * Node built-ins through process.getBuiltinModule (Node >= 20.16), so that no import of a Node
 * module is reachable from this package's browser entry.
 */
function nodeBuiltins(): NodeBuiltins {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const get = proc?.getBuiltinModule;
  if (typeof get !== 'function') {
    throw new Error('wasm threads under Node.js need Node >= 20.16 (process.getBuiltinModule)');
  }
  return {
    fs: get('fs') as NodeBuiltins['fs'],
    os: get('os') as NodeBuiltins['os'],
    path: get('path') as NodeBuiltins['path'],
    crypto: get('crypto') as NodeBuiltins['crypto'],
  };
}

/** Logical cores of this machine, as Node reports them. */
export function nodeLogicalCores(): number {
  try {
    const { os } = nodeBuiltins();
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  } catch {
    return 1;
  }
}

const asDefault = <T>(mod: unknown): T => ((mod as { default?: T }).default ?? (mod as T));

/** Writes the pthread worker script (a string inside tfjs-backend-wasm) to a content-addressed temp file. */
async function workerScriptPath(importer: Importer, node: NodeBuiltins): Promise<string> {
  const mod = asDefault<{ wasmWorkerContents?: string }>(await importer(`${PKG}/wasm-out/${WORKER_JS}`));
  const contents = mod.wasmWorkerContents;
  if (typeof contents !== 'string') throw new Error(`${PKG}/wasm-out/${WORKER_JS} no longer exports wasmWorkerContents`);
  // tfjs builds a Blob from the same string after escaping its newlines, which the template literal
  // it is stored in turned into raw newlines inside string literals.
  const source = contents.replace(/\n/g, '\\n');
  const hash = node.crypto.createHash('sha256').update(source).digest('hex').slice(0, 16);
  const file = node.path.join(node.os.tmpdir(), `smoa-tfjs-wasm-pthread-${hash}.cjs`);
  if (!node.fs.existsSync(file) || node.fs.readFileSync(file, 'utf8') !== source) {
    const tmp = `${file}.${process.pid}.tmp`;
    node.fs.writeFileSync(tmp, source);
    node.fs.renameSync(tmp, file);
  }
  return file;
}

/**
 * Instantiates tfjs-backend-wasm's threaded SIMD build under Node with `threads` XNNPACK threads
 * and returns the Emscripten module, wired up as tfjs's own init() does.
 */
export async function instantiateThreadedWasm(importer: Importer, threads: number): Promise<EmscriptenModule> {
  const node = nodeBuiltins();
  const factory = asDefault<Factory>(await importer(`${PKG}/wasm-out/${THREADED_JS}`));
  if (typeof factory !== 'function') throw new Error(`${PKG}/wasm-out/${THREADED_JS} is not an Emscripten factory`);
  const workerFile = await workerScriptPath(importer, node);
  let wasmDir: string | undefined;
  // A failure after instantiateWasm has returned would otherwise leave the factory's promise pending.
  let fail: (err: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const started = factory({
    locateFile(path: string, prefix: string): string {
      if (path.endsWith('.worker.js')) return workerFile;
      wasmDir ??= prefix;
      return prefix + path;
    },
    instantiateWasm(
      imports: Record<string, Record<string, unknown>>,
      receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
    ): Record<string, never> {
      let patched = 0;
      for (const ns of Object.values(imports)) {
        for (const [name, fn] of Object.entries(ns)) {
          // emscripten_num_logical_cores: the only import that asks for the core count.
          if (typeof fn === 'function' && /hardwareConcurrency|cpus\(\)/.test(String(fn))) {
            ns[name] = () => 2 * threads;
            patched++;
          }
        }
      }
      if (patched !== 1) throw new Error(`expected one core-count import in ${THREADED_WASM}, found ${patched}`);
      if (wasmDir === undefined) throw new Error(`Emscripten did not locate ${THREADED_WASM}`);
      const bytes = node.fs.readFileSync(wasmDir + THREADED_WASM);
      WebAssembly.instantiate(bytes as BufferSource, imports as WebAssembly.Imports).then(
        (r: WebAssembly.WebAssemblyInstantiatedSource) => receive(r.instance, r.module),
        fail,
      );
      return {};
    },
  });
  const module = await Promise.race([failed, started]);
  unrefPthreadWorkers(module);
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

/**
 * Lets the process exit while the pthreads are alive. XNNPACK's pool threads run for the module's
 * whole life, waiting on a futex between jobs, and Emscripten ref()s a worker while it runs a pthread,
 * so an ordinary script never ended by itself. Nothing on the main thread waits on those workers
 * asynchronously (the main thread blocks inside wasm while they compute), so unref'd they are safe:
 * the process ends when the user's own work does. Workers Emscripten adds later get the same.
 */
export function unrefPthreadWorkers(module: EmscriptenModule): void {
  const pthread = module.PThread;
  if (pthread === undefined) throw new Error(`${THREADED_JS} no longer exposes Module.PThread, so its workers cannot be unref'd`);
  const tame = (w: NodeWorker): void => {
    w.unref();
    w.ref = () => {};
  };
  for (const w of [...pthread.unusedWorkers, ...pthread.runningWorkers]) tame(w);
  const allocate = pthread.allocateUnusedWorker.bind(pthread);
  pthread.allocateUnusedWorker = () => {
    allocate();
    tame(pthread.unusedWorkers[pthread.unusedWorkers.length - 1]!);
  };
}

/**
 * Makes the next initialisation of the 'wasm' backend use the threaded build with `threads`
 * threads. Only possible before the backend is first initialised.
 */
export function useThreadedWasmInNode(wasm: WasmPackage, importer: Importer, threads: number): void {
  tf.removeBackend('wasm');
  wasm.setThreadsCount(threads);
  tf.registerBackend('wasm', async () => new wasm.BackendWasm(await instantiateThreadedWasm(importer, threads)), 2);
}
