/**
 * Eigenvalues and eigenvectors of a symmetric tridiagonal matrix (diagonal d, off-diagonal e) without
 * the O(n^3) rotation accumulation of QL with vectors: eigenvalues by implicit QL (O(n^2)), then each
 * eigenvector by inverse iteration (LAPACK dstein, O(n) per solve), reorthogonalised against the
 * vectors of nearby eigenvalues. The matrix is first split where an off-diagonal is negligible.
 */
export interface TridiagonalEigen {
  /** Eigenvalues, ascending within each unreduced block, blocks in order. */
  values: Float64Array;
  /** Row j (of [n, n]) is the unit eigenvector of values[j]. */
  vectors: Float64Array;
}

const EPS = 2 ** -52;

export function tridiagonalEigen(d: Float64Array, e: Float64Array, n: number): TridiagonalEigen {
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  let start = 0;
  for (let i = 0; i < n; i++) {
    const split = i === n - 1 || Math.abs(e[i]) <= EPS * Math.sqrt(Math.abs(d[i])) * Math.sqrt(Math.abs(d[i + 1]));
    if (!split) continue;
    const bd = d.slice(start, i + 1);
    const be = new Float64Array(i + 1 - start);
    be.set(e.subarray(start, i));
    const w = qlEigenvalues(bd.slice(), be.slice());
    inverseIteration(bd, be, w, vectors, n, start, values);
    start = i + 1;
  }
  return { values, vectors };
}

/** Implicit QL (EISPACK tql1) eigenvalues of an unreduced block, ascending. e[i] couples i and i+1. */
function qlEigenvalues(d: Float64Array, e: Float64Array): Float64Array {
  const n = d.length;
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > EPS * tst1) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error(`eighSymmetric: no convergence for eigenvalue ${l} after 60 QL sweeps`);
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.sqrt(p * p + 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const el1 = e[l + 1];
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.sqrt(p * p + e[i] * e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > EPS * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  return d.sort();
}

/**
 * dstein for one unreduced block at rows/columns [off, off + bn): eigenvector of each eigenvalue w[j]
 * (ascending) by inverse iteration from a fixed pseudo-random start, written to vectors row off + j.
 * Vectors whose eigenvalues lie within 1e-3 ||T|| of each other are kept orthogonal by Gram-Schmidt at
 * every step (LAPACK's cluster rule, applied as a sliding window instead of a transitive chain so a
 * dense spectrum does not turn into one O(n^3) cluster).
 */
function inverseIteration(d: Float64Array, e: Float64Array, w: Float64Array, vectors: Float64Array, n: number, off: number, values: Float64Array): void {
  const bn = d.length;
  values.set(w, off);
  if (bn === 1) {
    vectors[off * n + off] = 1;
    return;
  }
  let onenrm = 0;
  for (let i = 0; i < bn; i++) onenrm = Math.max(onenrm, Math.abs(d[i]) + (i > 0 ? Math.abs(e[i - 1]) : 0) + (i < bn - 1 ? Math.abs(e[i]) : 0));
  const ortol = 1e-3 * onenrm;
  const dtpcrt = Math.sqrt(0.1 / bn);
  const u0 = new Float64Array(bn), u1 = new Float64Array(bn), u2 = new Float64Array(bn), mult = new Float64Array(bn);
  const swap = new Uint8Array(bn);
  const x = new Float64Array(bn);
  const xs = new Float64Array(bn);
  let seed = 0x2545f491;
  let gp = 0;
  for (let j = 0; j < bn; j++) {
    let xj = w[j];
    if (j > 0) {
      const pertol = 10 * Math.abs(EPS * xj);
      if (xj - xs[j - 1] < pertol) xj = xs[j - 1] + pertol;
    }
    xs[j] = xj;
    while (xs[j] - xs[gp] > ortol) gp++;
    for (let i = 0; i < bn; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      x[i] = seed / 2147483648 - 1;
    }
    const tol = factor(d, e, xj, u0, u1, u2, mult, swap) * EPS;
    let extra = 0;
    for (let its = 0; its < 5; its++) {
      let asum = 0;
      for (let i = 0; i < bn; i++) asum += Math.abs(x[i]);
      const scl = (bn * onenrm * Math.max(EPS, Math.abs(u0[bn - 1]))) / asum;
      for (let i = 0; i < bn; i++) x[i] *= scl;
      solve(u0, u1, u2, mult, swap, x, Math.max(tol, EPS * onenrm));
      for (let g = gp; g < j; g++) {
        const z = (off + g) * n + off;
        let dot = 0;
        for (let i = 0; i < bn; i++) dot += x[i] * vectors[z + i];
        for (let i = 0; i < bn; i++) x[i] -= dot * vectors[z + i];
      }
      let nrm = 0;
      for (let i = 0; i < bn; i++) nrm = Math.max(nrm, Math.abs(x[i]));
      if (nrm >= dtpcrt && ++extra > 2) break;
    }
    let ss = 0;
    let jmax = 0;
    for (let i = 0; i < bn; i++) {
      ss += x[i] * x[i];
      if (Math.abs(x[i]) > Math.abs(x[jmax])) jmax = i;
    }
    const scl = (x[jmax] < 0 ? -1 : 1) / Math.sqrt(ss);
    const z = (off + j) * n + off;
    for (let i = 0; i < bn; i++) vectors[z + i] = x[i] * scl;
  }
}

/**
 * LU factorisation with partial pivoting of T - lambda I (dlagtf): U has diagonals u0, u1, u2; row k
 * was swapped with k + 1 when swap[k]. Returns ||T - lambda I||_1-ish scale for the pivot tolerance.
 */
function factor(d: Float64Array, e: Float64Array, lambda: number, u0: Float64Array, u1: Float64Array, u2: Float64Array, mult: Float64Array, swap: Uint8Array): number {
  const n = d.length;
  let diag = d[0] - lambda;
  let sup = e[0];
  let scale = Math.abs(diag) + Math.abs(sup);
  for (let k = 0; k < n - 1; k++) {
    const sub = e[k];
    const nextDiag = d[k + 1] - lambda;
    const nextSup = k + 1 < n - 1 ? e[k + 1] : 0;
    scale = Math.max(scale, Math.abs(sub) + Math.abs(nextDiag) + Math.abs(nextSup));
    if (Math.abs(diag) >= Math.abs(sub)) {
      const m = diag === 0 ? 0 : sub / diag;
      u0[k] = diag;
      u1[k] = sup;
      u2[k] = 0;
      mult[k] = m;
      swap[k] = 0;
      diag = nextDiag - m * sup;
      sup = nextSup;
    } else {
      const m = diag / sub;
      u0[k] = sub;
      u1[k] = nextDiag;
      u2[k] = nextSup;
      mult[k] = m;
      swap[k] = 1;
      diag = sup - m * nextDiag;
      sup = -m * nextSup;
    }
  }
  u0[n - 1] = diag;
  return scale;
}

/** Solves (T - lambda I) x = b in place from the factorisation; pivots below tol are raised to tol. */
function solve(u0: Float64Array, u1: Float64Array, u2: Float64Array, mult: Float64Array, swap: Uint8Array, x: Float64Array, tol: number): void {
  const n = x.length;
  for (let k = 0; k < n - 1; k++) {
    if (swap[k]) {
      const t = x[k];
      x[k] = x[k + 1];
      x[k + 1] = t - mult[k] * x[k];
    } else {
      x[k + 1] -= mult[k] * x[k];
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    let s = x[k];
    if (k + 1 < n) s -= u1[k] * x[k + 1];
    if (k + 2 < n) s -= u2[k] * x[k + 2];
    let p = u0[k];
    if (Math.abs(p) < tol) p = p < 0 ? -tol : tol;
    x[k] = s / p;
  }
}
