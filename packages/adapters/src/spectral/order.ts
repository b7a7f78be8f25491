import type { SpectralFactors } from './factors';

/**
 * Energy-weighted mean spectral index of every coordinate: score_i = sum_j j e_ij / sum_j e_ij with
 * e_ij = (s_j x_ij)^2, x the rows of `scaled` ([q, n], row j = s_j times singular vector j).
 * A coordinate with no energy (a zero row or column of W) scores 0.
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
  return num.map((v, i) => (den[i] > 0 ? v / den[i] : 0));
}

/** Indices sorted by ascending score; ties keep ascending index (a stable sort). */
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
