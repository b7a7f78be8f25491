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
  /** Threads the backend computes with. */
  threads: number;
  /** Whether the wasm backend runs its SIMD build (wasm only). */
  simd?: boolean;
  /** Faster backends that were tried first and why each was not used. */
  skipped: SkippedBackend[];
}

export interface InitBackendOptions {
  /** One backend, or an ordered list to try. Defaults to SMOA_BACKEND, else the platform's fastest-first order. */
  prefer?: BackendChoice | BackendChoice[];
  /** Requested thread count for backends that can use several (wasm with a threaded build). */
  threads?: number;
}
