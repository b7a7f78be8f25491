import * as tf from '@tensorflow/tfjs-core';
import { SOURCES } from './sources';
import type { BackendChoice } from './types';

export interface LoadResult {
  ok: boolean;
  reason?: string;
  threads?: number;
  simd?: boolean;
}

// A variable specifier keeps bundlers from trying to resolve optional peers that the user has not installed.
const dynamicImport = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier);

function isNotInstalled(err: unknown, pkg: string): boolean {
  const e = err as { code?: string; message?: string };
  if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') {
    // Only "not installed" when the package itself is missing; a missing file inside it is a broken install.
    return (e.message ?? '').includes(`'${pkg}'`) || (e.message ?? '').includes(`"${pkg}"`) || !(e.message ?? '').includes(pkg + '/');
  }
  return /Failed to (resolve|fetch dynamically imported) module/i.test(e?.message ?? '');
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n').map((s) => s.trim()).filter((s) => s !== '')[0] ?? msg;
}

/** Loads one backend's package, registers it and makes it the active tfjs backend. */
export async function loadBackend(choice: BackendChoice, isNode: boolean): Promise<LoadResult> {
  const { pkg, tfName } = SOURCES[choice];
  if ((choice === 'tfjs-node' || choice === 'tfjs-node-gpu') && !isNode) {
    return { ok: false, reason: 'needs Node.js (native addon)' };
  }
  if ((choice === 'webgpu' || choice === 'webgl') && isNode) {
    return { ok: false, reason: 'needs a browser' };
  }
  try {
    await dynamicImport(pkg);
  } catch (err) {
    if (isNotInstalled(err, pkg)) return { ok: false, reason: `not installed (npm install ${pkg})` };
    return { ok: false, reason: `installed but failed to load: ${firstLine(err)}` };
  }
  if (tf.findBackendFactory(tfName) === undefined) {
    return { ok: false, reason: `loaded but registered no "${tfName}" backend (is it using another copy of @tensorflow/tfjs-core?)` };
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(tfName);
  } catch (err) {
    return { ok: false, reason: `failed to initialise: ${firstLine(err)}` };
  }
  if (!ok) return { ok: false, reason: `failed to initialise the "${tfName}" backend` };
  if (choice === 'tfjs-node-gpu') {
    const b = tf.backend() as unknown as { isUsingGpuDevice?: boolean | (() => boolean) };
    const gpu = typeof b.isUsingGpuDevice === 'function' ? b.isUsingGpuDevice() : b.isUsingGpuDevice;
    if (gpu !== true) return { ok: false, reason: 'loaded but TensorFlow sees no GPU device' };
  }
  if (choice === 'wasm') {
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
    const multi = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean;
    const mod = (await dynamicImport(pkg)) as { getThreadsCount?: () => number };
    const threads = multi && typeof mod.getThreadsCount === 'function' ? mod.getThreadsCount() : 1;
    return { ok: true, simd, threads };
  }
  return { ok: true, threads: choice === 'cpu' ? 1 : undefined };
}
