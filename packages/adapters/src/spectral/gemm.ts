/**
 * C = A B^T in float64 for row-major A [m, p] and B [n, p]. Both operands are read along contiguous
 * rows and a 4x4 tile of C lives in registers, which is what makes this loop fast in V8 (no SIMD for
 * doubles there). With `symmetric` (A === B) only the upper triangle is computed and then mirrored.
 */
export function matMulABt(
  a: Float64Array,
  b: Float64Array,
  m: number,
  n: number,
  p: number,
  symmetric = false,
): Float64Array {
  const c = new Float64Array(m * n);
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    const a0 = i * p, a1 = a0 + p, a2 = a1 + p, a3 = a2 + p;
    for (let j = symmetric ? i : 0; j < n4; j += 4) {
      const b0 = j * p, b1 = b0 + p, b2 = b1 + p, b3 = b2 + p;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let k = 0; k < p; k++) {
        const x0 = a[a0 + k], x1 = a[a1 + k], x2 = a[a2 + k], x3 = a[a3 + k];
        const y0 = b[b0 + k], y1 = b[b1 + k], y2 = b[b2 + k], y3 = b[b3 + k];
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      const r0 = i * n + j, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
      c[r0] = c00; c[r0 + 1] = c01; c[r0 + 2] = c02; c[r0 + 3] = c03;
      c[r1] = c10; c[r1 + 1] = c11; c[r1 + 2] = c12; c[r1 + 3] = c13;
      c[r2] = c20; c[r2 + 1] = c21; c[r2 + 2] = c22; c[r2 + 3] = c23;
      c[r3] = c30; c[r3 + 1] = c31; c[r3 + 2] = c32; c[r3 + 3] = c33;
    }
  }
  // Ragged edges: plain dot products.
  const dot = (i: number, j: number): number => {
    let s = 0;
    const ai = i * p, bj = j * p;
    for (let k = 0; k < p; k++) s += a[ai + k] * b[bj + k];
    return s;
  };
  for (let i = 0; i < m; i++) {
    const jStart = i < m4 ? n4 : symmetric ? i : 0;
    for (let j = jStart; j < n; j++) c[i * n + j] = dot(i, j);
  }
  if (symmetric) {
    for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) c[i * n + j] = c[j * n + i];
  }
  return c;
}

/** Row-major transpose of a [rows, cols] matrix. */
export function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}
