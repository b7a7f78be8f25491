/**
 * Reference (previous) solver, kept as the test oracle of the faster `eigh.ts`. Eigen-decomposition of a
 * real symmetric matrix in float64: Householder reduction to tridiagonal form
 * followed by the implicit QL method (the EISPACK tred2/tql2 pair, as in JAMA, public domain).
 *
 * The classic code walks columns of the eigenvector matrix; here it works on the transpose so every
 * inner loop runs along a contiguous row, which is several times faster in V8 than the column walk
 * (ml-matrix runs the same algorithm over arrays of rows). See the package README for the figures.
 */
export interface SymmetricEigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Row j is the unit eigenvector of values[j] (row-major [n, n]). */
  vectors: Float64Array;
}

export function eighSymmetricQL(a: Float64Array, n: number): SymmetricEigen {
  if (a.length !== n * n) throw new Error(`eighSymmetricQL: expected ${n * n} values for a ${n}x${n} matrix, got ${a.length}`);
  // t is V^T: t[j * n + k] stands for V[k][j] of the column-oriented original.
  const t = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return { values: d, vectors: t };
  tridiagonalize(t, d, e, n);
  implicitQL(t, d, e, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y] - d[x] || x - y);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = d[src];
    vectors.set(t.subarray(src * n, src * n + n), dst * n);
  });
  return { values, vectors };
}

function tridiagonalize(t: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = t[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = t[j * n + i - 1];
        t[j * n + i] = 0;
        t[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        const row = j * n;
        f = d[j];
        t[i * n + j] = f;
        g = e[j] + t[row + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const v = t[row + k];
          g += v * d[k];
          e[k] += v * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        const row = j * n;
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) t[row + k] -= f * e[k] + g * d[k];
        d[j] = t[row + i - 1];
        t[row + i] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the Householder transformations.
  for (let i = 0; i < n - 1; i++) {
    t[i * n + n - 1] = t[i * n + i];
    t[i * n + i] = 1;
    const h = d[i + 1];
    const next = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = t[next + k] / h;
      for (let j = 0; j <= i; j++) {
        const row = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += t[next + k] * t[row + k];
        for (let k = 0; k <= i; k++) t[row + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) t[next + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = t[j * n + n - 1];
    t[j * n + n - 1] = 0;
  }
  t[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

function implicitQL(t: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  const cs = new Float64Array(n);
  const sn = new Float64Array(n);
  const carry = new Float64Array(ROTATION_BLOCK);
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error(`eighSymmetricQL: no convergence for eigenvalue ${l} after 60 QL sweeps`);
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
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
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
          cs[i] = c;
          sn[i] = s;
        }
        applyRotations(t, n, l, m, cs, sn, carry);
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

const ROTATION_BLOCK = 256;

/**
 * Applies one QL sweep's rotations (i = m-1 down to l, each mixing rows i and i+1) to the eigenvector
 * rows. Rotation i writes row i+1 for good and passes its row-i result on to rotation i-1, so that value
 * is carried in a small buffer: each row is read and written once per sweep instead of twice, one
 * block of columns at a time so the carry stays in L1.
 */
function applyRotations(t: Float64Array, n: number, l: number, m: number, cs: Float64Array, sn: Float64Array, carry: Float64Array): void {
  for (let k0 = 0; k0 < n; k0 += ROTATION_BLOCK) {
    const width = Math.min(ROTATION_BLOCK, n - k0);
    const last = m * n + k0;
    for (let k = 0; k < width; k++) carry[k] = t[last + k];
    for (let i = m - 1; i >= l; i--) {
      const c = cs[i];
      const s = sn[i];
      const ri = i * n + k0;
      const rj = ri + n;
      for (let k = 0; k < width; k++) {
        const v = t[ri + k];
        const x = carry[k];
        t[rj + k] = s * v + c * x;
        carry[k] = c * v - s * x;
      }
    }
    const first = l * n + k0;
    for (let k = 0; k < width; k++) t[first + k] = carry[k];
  }
}
