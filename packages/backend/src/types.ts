import type { GpuAdapterDescription } from './webgpu/adapter';

/** A backend the shim knows how to load, named by what the user installs. */
export type BackendChoice = 'tfjs-node-gpu' | 'tfjs-node' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export const BACKEND_CHOICES: readonly BackendChoice[] = ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'webgl', 'wasm', 'cpu'];

export interface SkippedBackend {
  /** npm package that provides the backend. */
  source: string;
  /** Why it was not used: not installed, failed to load (with the loader's message), no GPU, ... */
  reason: string;
}

export interface BackendInfo {
  /** tfjs backend name as `tf.getBackend()` reports it ('tensorflow', 'wasm', 'cpu', ...). */
  name: string;
  /** npm package that provided it. */
  source: string;
  /** Threads the backend computes with (for wasm: the XNNPACK pool size it really got). */
  threads: number;
  /** Whether the wasm backend runs its SIMD build (wasm only). */
  simd?: boolean;
  /** Faster backends that were tried first and why each was not used. */
  skipped: SkippedBackend[];
  /** Kernels this package added or fixed on the chosen backend so that training works there (wasm). */
  trainingKernels?: string[];
  /** Options that could not be honoured as given (threads capped, wasm already initialised, ...). */
  warnings?: string[];
  /** webgpu and webgl: the GPU adapter or renderer it runs on. */
  adapter?: GpuAdapterDescription;
}

/** The .wasm binaries' location for tfjs-backend-wasm: a folder URL/path, or a map from file name to URL. */
export type WasmPaths = string | Partial<Record<WasmBinaryName, string>>;

export type WasmBinaryName = 'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm';

/** What `loaders` can supply: each backend's package, and `dawn`, the `webgpu` package (Dawn) for webgpu under Node.js. */
export type LoaderName = BackendChoice | 'dawn';

/** Loads a backend's npm package; returns its module namespace. */
export type BackendLoader = () => Promise<unknown>;

export interface InitBackendOptions {
  /** One backend, or an ordered list to try. Defaults to SMOA_BACKEND, else the platform's fastest-first order. */
  prefer?: BackendChoice | BackendChoice[];
  /**
   * Threads for the wasm backend. Under Node.js more than 1 starts tfjs-backend-wasm's threaded
   * SIMD build on worker threads (tfjs itself never does there), whose workers do not keep the
   * process alive; in a browser it is passed to `setThreadsCount` (threads need a cross-origin
   * isolated page). Capped at the machine's logical cores and at 8. Default under Node.js:
   * SMOA_THREADS if set, else every logical core (at most 8), else 1 under a test runner (vitest,
   * jest, node --test); in a browser, tfjs's own choice.
   */
  threads?: number;
  /**
   * Where the browser fetches tfjs-backend-wasm's .wasm files from (passed to `setWasmPaths`): a
   * folder URL ending in '/', or a map from each file name to its URL. Needed in a browser whenever
   * the files are not served next to the bundled script.
   */
  wasmPaths?: WasmPaths;
  /**
   * How to load each backend's package, for bundlers: `{ webgl: () => import('@tensorflow/tfjs-backend-webgl') }`.
   * A bundler cannot see the optional backends this package imports by name at run time, so in a
   * browser app pass a loader for each backend package you installed. Under Node.js packages load by name.
   */
  loaders?: Partial<Record<LoaderName, BackendLoader>>;
  /**
   * The GPU adapter to use, by name (case-insensitive, matched against its vendor, architecture,
   * device and description), e.g. 'swiftshader'. Under Node.js a software adapter (SwiftShader,
   * llvmpipe, lavapipe) is used only when named here or in SMOA_WEBGPU_ADAPTER; in browsers one is
   * tried after wasm unless named.
   */
  webgpuAdapter?: string;
}
