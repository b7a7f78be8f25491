import * as tf from '@tensorflow/tfjs-core';
import { SOURCES } from './sources';
import type { BackendChoice, LoaderName, BackendLoader, WasmPaths } from './types';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNEL_NAMES } from './wasm-kernels';
import { withoutAddedProcessHandlers } from './process-handlers';
import { adapterLabel, describeAdapter, describeRenderer, type GpuAdapterDescription } from './webgpu/adapter';
import { registerNodeWebGpu } from './webgpu/node';
import { chooseThreads } from './threads';
import { MAX_WASM_THREADS, nodeLogicalCores, useThreadedWasmInNode, type WasmPackage } from './wasm-threads';

/** Imports a module by specifier. */
export type Importer = (specifier: string) => Promise<unknown>;

// A variable specifier keeps bundlers from trying to resolve optional peers that the user has not installed.
export const importByName: Importer = (specifier) => import(/* @vite-ignore */ specifier);

export interface LoadContext {
  isNode: boolean;
  /** Loads packages by name when `loaders` has no entry for a backend. */
  importer: Importer;
  loaders?: Partial<Record<LoaderName, BackendLoader>>;
  threads?: number;
  /** A GPU adapter asked for by name: allows a software one (webgpuAdapter / SMOA_WEBGPU_ADAPTER). */
  adapterName?: string;
  /**
   * Asked for by name or in an explicit order. Browsers: a software WebGPU/WebGL renderer is then used
   * at once rather than after wasm. Node.js: webgpu is probed even where no GPU device node exists
   * (a software adapter still needs adapterName).
   */
  allowSoftware?: boolean;
  /** SMOA_THREADS (Node only), already validated. */
  threadsEnv?: string;
  /** Whether a test runner runs this process (the Node default is then 1 thread). */
  testRunner?: boolean;
  wasmPaths?: WasmPaths;
}

export interface LoadResult {
  ok: boolean;
  reason?: string;
  threads?: number;
  simd?: boolean;
  trainingKernels?: string[];
  warnings?: string[];
  /** The GPU adapter or renderer (webgpu, webgl). */
  adapter?: GpuAdapterDescription;
  /** Browsers: it works but on a software renderer; worth trying after wasm. */
  software?: boolean;
}

function message(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  return String(err);
}

function firstLine(err: unknown): string {
  const msg = message(err);
  return msg.split('\n').map((s) => s.trim()).filter((s) => s !== '')[0] ?? msg;
}

/**
 * "Not installed" only when the resolver could not find the package itself. A missing file inside
 * it, or a missing dependency of it, is a broken install and is reported with the loader's message.
 */
export function isNotInstalled(err: unknown, pkg: string): boolean {
  const msg = message(err);
  const mentionsPkg = msg.includes(`'${pkg}'`) || msg.includes(`"${pkg}"`);
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return mentionsPkg;
  // Browsers: a bare specifier that neither a bundler nor an import map resolved.
  return mentionsPkg && /Failed to resolve module specifier/i.test(msg);
}

function failedToLoad(err: unknown, pkg: string): string {
  const line = firstLine(err);
  if (/native addon module .*can ?not be found/i.test(line)) {
    return `installed but its native binary is missing (the package's install script, which downloads libtensorflow, did not run; npm rebuild ${pkg}): ${line}`;
  }
  return `installed but failed to load: ${line}`;
}

/**
 * tfjs-node registers its ~150 'tensorflow' kernels before it looks for its native binary, so a
 * failed import leaves them behind, and the next native package (tfjs-node after tfjs-node-gpu)
 * would print "The kernel '...' for backend 'tensorflow' is already registered" for each. Removing
 * what a failed attempt registered keeps that noise out without hiding the failure itself.
 */
async function importNative(load: () => Promise<unknown>, tfName: string): Promise<unknown> {
  const before = new Set(tf.getKernelsForBackend(tfName).map((k) => k.kernelName));
  try {
    return await load();
  } catch (err) {
    if (tf.findBackendFactory(tfName) == null) {
      for (const k of tf.getKernelsForBackend(tfName)) {
        if (!before.has(k.kernelName)) tf.unregisterKernel(k.kernelName, tfName);
      }
    }
    throw err;
  }
}

function notInstalledReason(choice: BackendChoice, pkg: string, isNode: boolean): string {
  return isNode
    ? `not installed (npm install ${pkg})`
    : `not bundled (install ${pkg} and pass loaders: { '${choice}': () => import('${pkg}') })`;
}

/** Applies wasmPaths and threads before the wasm backend is first initialised. */
async function configureWasm(
  wasm: WasmPackage | undefined,
  ctx: LoadContext,
): Promise<{ warnings: string[]; threadsRequested?: number }> {
  const warnings: string[] = [];
  // Not tf.findBackend: it starts initialising a registered backend, which must not happen yet.
  const initialised = tf.engine().registry['wasm'] !== undefined;
  if (initialised) {
    if (ctx.wasmPaths !== undefined || ctx.threads !== undefined) {
      warnings.push('the wasm backend was already initialised, so wasmPaths/threads did not apply');
    }
    return { warnings };
  }
  if (ctx.wasmPaths !== undefined) {
    if (wasm === undefined) throw new Error('wasmPaths needs the tfjs-backend-wasm module: pass loaders.wasm');
    wasm.setWasmPaths(ctx.wasmPaths as string | Record<string, string>);
  }
  if (!ctx.isNode) {
    if (ctx.threads === undefined) return { warnings };
    if (wasm === undefined) throw new Error('threads needs the tfjs-backend-wasm module: pass loaders.wasm');
    wasm.setThreadsCount(ctx.threads);
    return { warnings, threadsRequested: ctx.threads };
  }
  const cores = nodeLogicalCores();
  const cap = Math.min(cores, MAX_WASM_THREADS);
  const choice = chooseThreads({ option: ctx.threads, env: ctx.threadsEnv, testRunner: ctx.testRunner ?? false, cap });
  const explicit = choice.origin !== 'default';
  const what = choice.origin === 'option' ? 'threads' : 'SMOA_THREADS';
  let threads = choice.threads;
  if (threads > cap) {
    if (explicit) warnings.push(`${what}: ${threads} requested, capped at ${cap} (${cores} logical cores, at most ${MAX_WASM_THREADS})`);
    threads = cap;
  }
  if (threads <= 1) return { warnings, threadsRequested: threads };
  if (wasm === undefined) {
    if (explicit) throw new Error(`${what} needs the tfjs-backend-wasm module: pass loaders.wasm`);
    return { warnings, threadsRequested: 1 };
  }
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  if (!simd) {
    if (explicit) warnings.push(`${what}: the threaded wasm build needs WebAssembly SIMD, which this runtime lacks; running single-threaded`);
    return { warnings, threadsRequested: 1 };
  }
  useThreadedWasmInNode(wasm, ctx.importer, threads);
  return { warnings, threadsRequested: threads };
}

/** Loads one backend's package, registers it and makes it the active tfjs backend. */
export async function loadBackend(choice: BackendChoice, ctx: LoadContext): Promise<LoadResult> {
  const { pkg, tfName } = SOURCES[choice];
  const native = choice === 'tfjs-node' || choice === 'tfjs-node-gpu';
  if (native && !ctx.isNode) return { ok: false, reason: 'needs Node.js (native addon)' };
  if (choice === 'webgl' && ctx.isNode) return { ok: false, reason: 'needs a browser' };
  if (choice === 'webgpu' && ctx.isNode) return loadNodeWebGpu(ctx);
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(o?: object): Promise<{ info?: object; isFallbackAdapter?: boolean } | null> } } }).navigator?.gpu;
  if (choice === 'webgpu' && gpu == null) {
    return { ok: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  }
  let adapter: GpuAdapterDescription | undefined;
  if (choice === 'webgpu' && gpu != null) {
    // The adapter tfjs-backend-webgpu's factory will take (it asks for high-performance).
    const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (a === null) return { ok: false, reason: 'this browser offers no WebGPU adapter' };
    adapter = describeAdapter(a.info as Parameters<typeof describeAdapter>[0], a.isFallbackAdapter);
    if (adapter.software && !ctx.allowSoftware) {
      return { ok: false, software: true, adapter, reason: `software adapter (${adapterLabel(adapter)}), slower than wasm: tried after it` };
    }
  }

  const load = ctx.loaders?.[choice] ?? (() => ctx.importer(pkg));
  let mod: unknown;
  try {
    mod = native ? await importNative(load, tfName) : await load();
  } catch (err) {
    // An app that imported the package itself (a browser bundle) has the backend registered already.
    if (native || tf.findBackendFactory(tfName) == null) {
      if (isNotInstalled(err, pkg)) return { ok: false, reason: notInstalledReason(choice, pkg, ctx.isNode) };
      return { ok: false, reason: failedToLoad(err, pkg) };
    }
  }
  if (tf.findBackendFactory(tfName) == null) {
    return { ok: false, reason: `loaded but registered no "${tfName}" backend (is it using another copy of @tensorflow/tfjs-core?)` };
  }

  let warnings: string[] = [];
  if (choice === 'wasm') {
    try {
      ({ warnings } = await configureWasm(mod as WasmPackage | undefined, ctx));
    } catch (err) {
      return { ok: false, reason: `could not be configured: ${firstLine(err)}` };
    }
  }

  let ok: boolean;
  try {
    // Emscripten's glue adds process handlers that turn every later uncaught error of the user's
    // script into exit code 7 and a dump of minified code (see process-handlers).
    ok = choice === 'wasm' ? await withoutAddedProcessHandlers(() => tf.setBackend(tfName)) : await tf.setBackend(tfName);
  } catch (err) {
    return { ok: false, reason: `failed to initialise: ${firstLine(err)}` };
  }
  if (!ok) return { ok: false, reason: `failed to initialise the "${tfName}" backend` };
  const extra = warnings.length > 0 ? { warnings } : {};

  if (choice === 'tfjs-node-gpu') {
    const b = tf.backend() as unknown as { isUsingGpuDevice?: boolean | (() => boolean) };
    const gpu = typeof b.isUsingGpuDevice === 'function' ? b.isUsingGpuDevice() : b.isUsingGpuDevice;
    if (gpu !== true) return { ok: false, reason: 'loaded but TensorFlow sees no GPU device' };
  }
  if (choice === 'webgl') {
    adapter = webglRenderer();
    if (adapter?.software && !ctx.allowSoftware) {
      return { ok: false, software: true, adapter, reason: `software renderer (${adapterLabel(adapter)}), slower than wasm: tried after it` };
    }
  }
  if (adapter !== undefined) return { ok: true, threads: 1, adapter, ...extra };
  if (choice === 'wasm') {
    registerWasmTrainingKernels();
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
    const pkgExports = (mod ?? {}) as Partial<WasmPackage>;
    const threads = typeof pkgExports.getThreadsCount === 'function' ? pkgExports.getThreadsCount() : 1;
    return { ok: true, simd, threads, trainingKernels: [...WASM_TRAINING_KERNEL_NAMES], ...extra };
  }
  // libtensorflow uses every core; the cpu backend is single-threaded; webgl/webgpu compute on the GPU.
  return { ok: true, threads: native ? nodeLogicalCores() : 1, ...extra };
}

/** The WebGL backend's renderer string, where the browser reveals it. */
function webglRenderer(): GpuAdapterDescription | undefined {
  type GL = { getExtension(n: string): { UNMASKED_RENDERER_WEBGL: number } | null; getParameter(p: number): unknown; RENDERER: number };
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: GL } }).gpgpu?.gl;
  if (gl === undefined) return undefined;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = gl.getParameter(ext !== null ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
  return typeof renderer === 'string' ? describeRenderer(renderer) : undefined;
}

/** webgpu under Node.js: Dawn (the `webgpu` package) on a hardware adapter, or the adapter named. */
async function loadNodeWebGpu(ctx: LoadContext): Promise<LoadResult> {
  const TFJS = SOURCES.webgpu.pkg;
  const r = await registerNodeWebGpu({
    asked: ctx.allowSoftware === true,
    loadDawn: ctx.loaders?.dawn ?? (() => ctx.importer('webgpu')),
    loadTfjsWebGpu: ctx.loaders?.webgpu ?? (() => ctx.importer(TFJS)),
    adapterName: ctx.adapterName,
  });
  if (!r.ok) {
    const pkg = r.stage === 'dawn' ? 'webgpu' : TFJS;
    if (r.reason !== undefined) return { ok: false, reason: r.reason };
    if (isNotInstalled(r.error, pkg)) {
      return { ok: false, reason: r.stage === 'dawn' ? `not installed (npm install webgpu ${TFJS}: Dawn's WebGPU for Node.js)` : `not installed (npm install ${TFJS})` };
    }
    return { ok: false, reason: `${pkg} ${failedToLoad(r.error, pkg)}` };
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend('webgpu');
  } catch (err) {
    return { ok: false, reason: `failed to initialise on ${adapterLabel(r.adapter)}: ${firstLine(err)}` };
  }
  if (!ok) return { ok: false, reason: `failed to initialise the "webgpu" backend on ${adapterLabel(r.adapter)}` };
  return { ok: true, threads: 1, adapter: r.adapter };
}
