import { splitSizes } from '../../spectral/order';

/*
 * Block arithmetic the block-structured methods share (SMoA's spectral blocks, MELoRA's diagonal
 * blocks): sizes follow numpy's array_split, so a [out, in] weight cut into K blocks matches the
 * authors' Python code.
 */

/** Cumulative boundaries [0, s0, s0 + s1, ..., n] of numpy array_split chunk sizes. */
export function bounds(n: number, k: number): number[] {
  const out = [0];
  for (const s of splitSizes(n, k)) out.push(out[out.length - 1] + s);
  return out;
}
