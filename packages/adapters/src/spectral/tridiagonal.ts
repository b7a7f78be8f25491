import { rowMajor, singleThread, type SpectralProducts } from './gemm';
import { kernelsWithMemory } from './wasm/gemm-kernel';

/**
 * A = Q T Q^T for a symmetric A, T tridiagonal (diagonal d, off-diagonal e[i] between i and i+1),
 * Q = H_0 H_1 ... H_{n-2}, H_i = I - tau_i v_i v_i^T with v_i[i+1] = 1 and v_i[r] = a[r * n + i] for
 * r >= i + 2 (the reflectors overwrite A's strict lower part below the subdiagonal, as in LAPACK).
 */
export interface Tridiagonal {
  n: number;
  d: Float64Array;
  e: Float64Array;
  tau: Float64Array;
  /** The overwritten input, holding the reflectors. */
  a: Float64Array;
}

/** Panel width: half the work goes through the blocked rank-2k update (gemm), half through symv. */
const NB = 16;

/**
 * Blocked Householder tridiagonalisation (LAPACK dsytrd/dlatrd, lower triangle) in float64. Only the
 * lower triangle of `a` is read; `a` is overwritten. Row-major storage makes every symv row and every
 * panel row a contiguous run.
 */
export function tridiagonalize(input: Float64Array, n: number, products: SpectralProducts = singleThread): Tridiagonal {
  // The matrix and the symv vectors live in a WASM memory of their own so the SIMD symv reads them in
  // place; with threads that memory is shared, so the pool's workers can run the trailing updates.
  const threaded = products.threads > 1;
  const bytes = (n * n + 2 * n) * 8;
  const kernels = (threaded ? kernelsWithMemory(bytes, true) : null) ?? kernelsWithMemory(bytes);
  const a = kernels ? new Float64Array(kernels.memory.buffer, 0, n * n) : threaded ? products.alloc(n * n) : new Float64Array(n * n);
  a.set(input.subarray(0, n * n));
  const v = kernels ? new Float64Array(kernels.memory.buffer, n * n * 8, n) : new Float64Array(n);
  const y = kernels ? new Float64Array(kernels.memory.buffer, (n * n + n) * 8, n) : new Float64Array(n);
  const symv = kernels
    ? (s: number): void => {
        const m = n - s;
        y.fill(0, 0, m);
        kernels.symv(0, n, s, v.byteOffset, y.byteOffset, m);
        if (m % 2 === 1) symvLastRow(a, n, s, v, y);
      }
    : (s: number): void => symvLower(a, n, s, v, y);
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  const tau = new Float64Array(Math.max(n - 1, 0));
  const w = new Float64Array(n * NB);
  const w2 = new Float64Array(NB);
  const w3 = new Float64Array(NB);
  for (let k0 = 0; k0 < n - 1; k0 += NB) {
    const nb = Math.min(NB, n - 1 - k0);
    for (let jj = 0; jj < nb; jj++) {
      const i = k0 + jj;
      if (jj > 0) {
        // Bring column i up to date with the panel's earlier reflectors: A -= V W^T + W V^T.
        const wi = i * NB;
        const ai = i * n + k0;
        for (let r = i; r < n; r++) {
          const ar = r * n + k0;
          const wr = r * NB;
          let s = 0;
          for (let t = 0; t < jj; t++) s += a[ar + t] * w[wi + t] + w[wr + t] * a[ai + t];
          a[r * n + i] -= s;
        }
      }
      const m = n - 1 - i;
      // Reflector annihilating A(i+2:n, i) (dlarfg).
      const alpha = a[(i + 1) * n + i];
      let ss = 0;
      for (let r = i + 2; r < n; r++) ss += a[r * n + i] * a[r * n + i];
      const xnorm = Math.sqrt(ss);
      let t = 0;
      let beta = alpha;
      if (xnorm !== 0) {
        beta = -Math.sign(alpha || 1) * Math.hypot(alpha, xnorm);
        t = (beta - alpha) / beta;
        const scale = 1 / (alpha - beta);
        for (let r = i + 2; r < n; r++) a[r * n + i] *= scale;
      }
      tau[i] = t;
      e[i] = beta;
      a[(i + 1) * n + i] = 1;
      for (let r = 0; r < m; r++) v[r] = a[(i + 1 + r) * n + i];
      // W(:, jj) = tau (A22 v - V (W^T v) - W (V^T v)), then the dsytd2 correction along v.
      symv(i + 1);
      if (jj > 0) {
        w2.fill(0, 0, jj);
        w3.fill(0, 0, jj);
        for (let r = 0; r < m; r++) {
          const wr = (i + 1 + r) * NB;
          const ar = (i + 1 + r) * n + k0;
          const vr = v[r];
          for (let q = 0; q < jj; q++) {
            w2[q] += w[wr + q] * vr;
            w3[q] += a[ar + q] * vr;
          }
        }
        for (let r = 0; r < m; r++) {
          const wr = (i + 1 + r) * NB;
          const ar = (i + 1 + r) * n + k0;
          let s = 0;
          for (let q = 0; q < jj; q++) s += a[ar + q] * w2[q] + w[wr + q] * w3[q];
          y[r] -= s;
        }
      }
      let dot = 0;
      for (let r = 0; r < m; r++) {
        y[r] *= t;
        dot += y[r] * v[r];
      }
      const alpha2 = -0.5 * t * dot;
      for (let r = 0; r < m; r++) w[(i + 1 + r) * NB + jj] = y[r] + alpha2 * v[r];
    }
    // Trailing update of the lower triangle: A22 -= [V W] [W V]^T, one gemm with inner size 2 nb. Split
    // by rows, the elements of the lower triangle get the same sums; only the (never read) strict upper
    // triangle near the diagonal may differ.
    const t0 = k0 + nb;
    const m2 = n - t0;
    if (m2 > 0) {
      const x = products.alloc(m2 * 2 * nb);
      const z = products.alloc(m2 * 2 * nb);
      for (let r = 0; r < m2; r++) {
        const ar = (t0 + r) * n + k0;
        const wr = (t0 + r) * NB;
        const o = r * 2 * nb;
        for (let q = 0; q < nb; q++) {
          x[o + q] = a[ar + q];
          x[o + nb + q] = w[wr + q];
          z[o + q] = w[wr + q];
          z[o + nb + q] = a[ar + q];
        }
      }
      products.gemm(m2, m2, 2 * nb, rowMajor(x, 2 * nb), rowMajor(z, 2 * nb, true), a, {
        alpha: -1,
        accumulate: true,
        triangle: 'lower',
        cOffset: t0 * n + t0,
        ldc: n,
      });
    }
    for (let jj = 0; jj < nb; jj++) {
      const i = k0 + jj;
      d[i] = a[i * n + i];
      a[(i + 1) * n + i] = e[i];
    }
  }
  if (n > 0) d[n - 1] = a[(n - 1) * n + n - 1];
  return { n, d, e, tau, a: kernels ? Float64Array.from(a) : a };
}

/** y = A(s:n, s:n) v from the lower triangle only, two rows per pass over contiguous row runs. */
function symvLower(a: Float64Array, n: number, s: number, v: Float64Array, y: Float64Array): void {
  const m = n - s;
  y.fill(0, 0, m);
  for (let r = 0; r + 1 < m; r += 2) {
    const row0 = (s + r) * n + s;
    const row1 = row0 + n;
    const v0 = v[r];
    const v1 = v[r + 1];
    let acc0 = 0;
    let acc1 = 0;
    for (let c = 0; c < r; c++) {
      const x0 = a[row0 + c];
      const x1 = a[row1 + c];
      const vc = v[c];
      acc0 += x0 * vc;
      acc1 += x1 * vc;
      y[c] += x0 * v0 + x1 * v1;
    }
    const off = a[row1 + r];
    y[r] += acc0 + a[row0 + r] * v0 + off * v1;
    y[r + 1] += acc1 + off * v0 + a[row1 + r + 1] * v1;
  }
  if (m % 2 === 1) symvLastRow(a, n, s, v, y);
}

/** The contribution of the last row of an odd-sized trailing matrix (the pairwise kernels skip it). */
function symvLastRow(a: Float64Array, n: number, s: number, v: Float64Array, y: Float64Array): void {
  const r = n - s - 1;
  const row = (s + r) * n + s;
  const vr = v[r];
  let acc = 0;
  for (let c = 0; c < r; c++) {
    acc += a[row + c] * v[c];
    y[c] += a[row + c] * vr;
  }
  y[r] += acc + a[row + r] * vr;
}
