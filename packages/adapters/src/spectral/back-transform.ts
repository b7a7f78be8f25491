import { rowMajor, singleThread, type SpectralProducts } from './gemm';
import type { Tridiagonal } from './tridiagonal';

/** Reflectors per block: each block is applied as two gemms (compact WY, LAPACK dlarft + dlarfb). */
const NB = 64;

/**
 * Rows of `x` ([rows, n]) times Q^T in place, Q from `tridiagonalize`: turns eigenvectors of T (as rows)
 * into eigenvectors of A. Blocks of reflectors go last to first, each as X <- X - (X V) T^T V^T, with V
 * restricted to its non-zero rows so the whole costs 2 rows n^2 flops.
 */
export function applyQTranspose(tri: Tridiagonal, x: Float64Array, rows: number, products: SpectralProducts = singleThread): void {
  const { n, a, tau } = tri;
  const last = n - 2;
  if (last < 0) return;
  for (let i1 = last + 1; i1 > 0; i1 -= NB) {
    const i0 = Math.max(0, i1 - NB);
    const k = i1 - i0;
    const len = n - 1 - i0;
    // vr[t][r] = v_{i0+t}[i0+1+r]: zero above the implicit unit.
    const vr = products.alloc(k * len);
    for (let t = 0; t < k; t++) {
      vr[t * len + t] = 1;
      for (let r = t + 1; r < len; r++) vr[t * len + r] = a[(i0 + 1 + r) * n + i0 + t];
    }
    const tf = triangularFactor(vr, k, len, tau.subarray(i0, i1));
    const y = products.alloc(rows * k);
    products.gemm(rows, k, len, rowMajor(x, n, false, i0 + 1), rowMajor(vr, len, true), y);
    // y <- y T^T, T upper triangular: (y T^T)[t] = sum_{s >= t} y[s] T[t][s].
    for (let r = 0; r < rows; r++) {
      const o = r * k;
      for (let t = 0; t < k; t++) {
        let s = 0;
        for (let q = t; q < k; q++) s += y[o + q] * tf[t * k + q];
        y[o + t] = s;
      }
    }
    products.gemm(rows, len, k, rowMajor(y, k), rowMajor(vr, len), x, { alpha: -1, accumulate: true, cOffset: i0 + 1, ldc: n });
  }
}

/** Upper-triangular T with H_0 ... H_{k-1} = I - V T V^T (dlarft, forward, columnwise), V as rows. */
function triangularFactor(vr: Float64Array, k: number, len: number, tau: Float64Array): Float64Array {
  const t = new Float64Array(k * k);
  const g = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    t[i * k + i] = tau[i];
    if (i === 0 || tau[i] === 0) continue;
    for (let s = 0; s < i; s++) {
      let dot = 0;
      for (let r = i; r < len; r++) dot += vr[s * len + r] * vr[i * len + r];
      g[s] = dot;
    }
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let q = j; q < i; q++) s += t[j * k + q] * g[q];
      t[j * k + i] = -tau[i] * s;
    }
  }
  return t;
}
