import { initBackend, BACKEND_CHOICES, type BackendChoice, type BackendInfo } from '@smoa/backend';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/**
 * Picks the tfjs backend through @smoa/backend (webgpu, webgl, wasm, cpu: the first that works here).
 * The wasm binaries are served beside the page (see vite.config.ts), so tell the wasm backend where.
 * `?backend=wasm` (or a comma-separated list) in the page URL forces a choice, as SMOA_BACKEND does on Node.
 */
export async function startBackend(search = location.search): Promise<BackendInfo> {
  setWasmPaths(new URL('tfjs-wasm/', document.baseURI).href);
  const requested = new URLSearchParams(search).get('backend');
  if (requested === null || requested === '') return initBackend();
  const prefer = requested.split(',').map((s) => s.trim());
  for (const p of prefer) {
    if (!(BACKEND_CHOICES as readonly string[]).includes(p)) throw new Error(`?backend=${requested}: unknown backend "${p}"; valid: ${BACKEND_CHOICES.join(', ')}`);
  }
  return initBackend({ prefer: prefer as BackendChoice[] });
}

export function describeBackend(info: BackendInfo): string {
  const simd = info.simd === undefined ? '' : info.simd ? ', SIMD' : ', no SIMD';
  const skipped = info.skipped.map((s) => `${s.source}: ${s.reason}`).join('; ');
  return `${info.name} (${info.source}, ${info.threads} thread${info.threads === 1 ? '' : 's'}${simd})` + (skipped ? ` — skipped ${skipped}` : '');
}
