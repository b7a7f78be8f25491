import type { SpectralFactors } from './factors';

/**
 * float32 machine epsilon (2^-23 = 1.1920929e-7): the authors' code clamps the score's denominator at
 * it, in absolute terms, so we do the same to give the same orders on degenerate weights.
 */
export const SCORE_DENOMINATOR_FLOOR = 2 ** -23;

/**
 * Energy-weighted mean spectral index of every coordinate: score_i = sum_j j e_ij / max(sum_j e_ij, eps)
 * with e_ij = (s_j x_ij)^2, x the rows of `scaled` ([q, n], row j = s_j times singular vector j), and
 * eps = float32 epsilon as in the authors' code (misonsky/SMoA). The denominator is the squared row or
 * column norm of W, so a coordinate with (almost) no energy scores (almost) 0 and sorts first, whatever
 * rounding noise its eigenvector entries carry; an all-zero row or column scores exactly 0.
 */
export function coordinateScores(scaled: Float64Array, q: number): Float64Array {
  const n = scaled.length / q;
  const num = new Float64Array(n);
  const den = new Float64Array(n);
  for (let j = 0; j < q; j++) {
    const row = j * n;
    for (let i = 0; i < n; i++) {
      const e = scaled[row + i] * scaled[row + i];
      num[i] += j * e;
      den[i] += e;
    }
  }
  return num.map((v, i) => v / Math.max(den[i], SCORE_DENOMINATOR_FLOOR));
}

/**
 * Indices sorted by ascending score; ties keep ascending index (a stable sort). The authors' torch.argsort
 * is not stable and runs on float32 scores, so exact ties (e.g. several zero rows) and near-ties below
 * float32 resolution may be ordered differently there; files that store their orders are unaffected.
 */
export function argsortStable(scores: ArrayLike<number>): Int32Array {
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  idx.sort((a, b) => scores[a] - scores[b] || a - b);
  return Int32Array.from(idx);
}

/** Chunk sizes of numpy's array_split: the first n mod k chunks get one more. */
export function splitSizes(n: number, k: number): number[] {
  const base = Math.floor(n / k);
  const extra = n % k;
  return Array.from({ length: k }, (_, i) => base + (i < extra ? 1 : 0));
}

/** Consecutive chunks of `order` with splitSizes. */
export function splitOrder(order: Int32Array, k: number): Int32Array[] {
  const out: Int32Array[] = [];
  let at = 0;
  for (const size of splitSizes(order.length, k)) {
    out.push(order.slice(at, at + size));
    at += size;
  }
  return out;
}

export interface SpectralOrders {
  rowOrder: Int32Array;
  colOrder: Int32Array;
}

/** Row and column orders of the spectral-blocks partition (spec step 2). */
export function spectralOrders(f: SpectralFactors): SpectralOrders {
  return {
    rowOrder: argsortStable(coordinateScores(f.uScaled, f.q)),
    colOrder: argsortStable(coordinateScores(f.vScaled, f.q)),
  };
}
