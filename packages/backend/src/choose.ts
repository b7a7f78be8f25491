import { BACKEND_CHOICES, type BackendChoice } from './types';

// webgpu under Node: through Dawn (the optional `webgpu` package), on a hardware adapter only.
export const NODE_ORDER: BackendChoice[] = ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'];
export const BROWSER_ORDER: BackendChoice[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/**
 * Resolves what to try, in order. An explicit request (option or SMOA_BACKEND, which may be a
 * comma-separated list) is validated here so a typo fails loudly instead of silently falling back.
 */
export function resolveOrder(
  prefer: BackendChoice | BackendChoice[] | undefined,
  env: string | undefined,
  isNode: boolean,
): { order: BackendChoice[]; explicit: boolean } {
  let requested: string[] | undefined;
  let origin = 'prefer';
  if (prefer !== undefined) requested = Array.isArray(prefer) ? prefer : [prefer];
  else if (env !== undefined && env.trim() !== '') {
    requested = env.split(',').map((s) => s.trim()).filter((s) => s !== '');
    origin = 'SMOA_BACKEND';
  }
  if (requested === undefined) return { order: isNode ? NODE_ORDER : BROWSER_ORDER, explicit: false };
  if (requested.length === 0) throw new Error(`${origin}: expected at least one backend name; valid names: ${BACKEND_CHOICES.join(', ')}`);
  for (const name of requested) {
    if (!(BACKEND_CHOICES as readonly string[]).includes(name)) {
      throw new Error(`${origin}: unknown backend "${name}"; valid names: ${BACKEND_CHOICES.join(', ')}`);
    }
  }
  return { order: requested as BackendChoice[], explicit: true };
}
