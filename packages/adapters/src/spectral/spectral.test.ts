import { afterEach, describe, expect, it } from 'vitest';
import { eighSymmetric } from './eigh';
import { eighSymmetricQL } from '../testing/eigh-ql';
import { gemm, matMul, matMulABt, rowMajor } from './gemm';
import { spectralOrdersOf } from './index';
import { argsortStable, coordinateScores } from './order';
import { seededRandom } from '../testing/fixtures';
import { setWasmKernels, wasmGemm } from './wasm/gemm-kernel';

function random(len: number, seed: number): Float64Array {
  const rnd = seededRandom(seed);
  return Float64Array.from({ length: len }, () => rnd() - 0.5);
}

function naive(a: Float64Array, b: Float64Array, m: number, n: number, k: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let l = 0; l < k; l++) c[i * n + j] += a[i * k + l] * b[l * n + j];
  return c;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** max |G v - lambda v| / |lambda_max| and max |V V^T - I| of a decomposition. */
function quality(g: Float64Array, n: number, values: Float64Array, vectors: Float64Array): { residual: number; orthogonality: number } {
  const gv = matMulABt(vectors, g, n, n, n);
  const vv = matMulABt(vectors, vectors, n, n, n, true);
  let residual = 0;
  let orthogonality = 0;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      residual = Math.max(residual, Math.abs(gv[j * n + i] - values[j] * vectors[j * n + i]));
      orthogonality = Math.max(orthogonality, Math.abs(vv[j * n + i] - (i === j ? 1 : 0)));
    }
  }
  const scale = Math.max(...Array.from(values, Math.abs), 1e-300);
  return { residual: residual / scale, orthogonality };
}

/** The orders as the previous implementation computed them: Gram, tred2 + tql2, then the scores. */
function previousOrders(w: Float64Array, out: number, inn: number): { rowOrder: Int32Array; colOrder: Int32Array } {
  const small = Math.min(out, inn);
  const wt = new Float64Array(out * inn);
  for (let i = 0; i < out; i++) for (let j = 0; j < inn; j++) wt[j * out + i] = w[i * inn + j];
  const x = out <= inn ? w : wt; // [small, large]
  const large = Math.max(out, inn);
  const { values, vectors } = eighSymmetricQL(naive(x, out <= inn ? wt : w, small, small, large), small);
  const unitScaled = vectors.map((v, idx) => v * Math.sqrt(Math.max(values[Math.floor(idx / small)], 0)));
  const other = naive(vectors, x, small, large, small);
  const [rowsScaled, colsScaled] = out <= inn ? [unitScaled, other] : [other, unitScaled];
  return { rowOrder: argsortStable(coordinateScores(rowsScaled, small)), colOrder: argsortStable(coordinateScores(colsScaled, small)) };
}

const PATHS = wasmGemm() ? (['wasm', 'js'] as const) : (['js'] as const);

afterEach(() => setWasmKernels(true));

describe.each(PATHS)('spectral kernels (%s)', (path) => {
  const use = () => setWasmKernels(path === 'wasm');

  it('gemm matches a naive product for ragged shapes, strided views, alpha, accumulate and triangles', () => {
    use();
    for (const [m, n, k] of [[1, 1, 1], [5, 7, 3], [37, 29, 300], [130, 530, 261]]) {
      const a = random(m * k, m);
      const b = random(k * n, n);
      const want = naive(a, b, m, n, k);
      expect(maxAbsDiff(matMul(a, b, m, n, k), want)).toBeLessThan(1e-12);
      // B given as its transpose [n, k].
      const bt = new Float64Array(n * k);
      for (let l = 0; l < k; l++) for (let j = 0; j < n; j++) bt[j * k + l] = b[l * n + j];
      expect(maxAbsDiff(matMulABt(a, bt, m, n, k), want)).toBeLessThan(1e-12);
      // Into a sub-block of a larger C, accumulating -2 A B onto ones.
      const ldc = n + 3;
      const c = new Float64Array((m + 2) * ldc).fill(1);
      gemm(m, n, k, rowMajor(a, k), rowMajor(b, n), c, { alpha: -2, accumulate: true, cOffset: 2 * ldc + 1, ldc });
      expect(c[0]).toBe(1);
      expect(c[2 * ldc]).toBe(1);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) expect(c[(i + 2) * ldc + 1 + j]).toBeCloseTo(1 - 2 * want[i * n + j], 10);
    }
    const a = random(70 * 40, 9);
    const g = matMulABt(a, a, 70, 70, 40, true);
    const full = matMulABt(a, a, 70, 70, 40);
    expect(maxAbsDiff(g, full)).toBeLessThan(1e-12);
  });

  it('eighSymmetric: small residuals and orthonormal vectors on random, graded and degenerate matrices', () => {
    use();
    const cases: [string, Float64Array, number][] = [];
    for (const n of [1, 2, 3, 37, 130]) {
      const x = random(n * (n + 5), n);
      cases.push([`gram ${n}`, matMulABt(x, x, n, n, n + 5, true), n]);
    }
    const low = random(60 * 4, 3); // rank 4: 56 zero eigenvalues in one cluster
    cases.push(['rank 4 of 60', matMulABt(low, low, 60, 60, 4, true), 60]);
    cases.push(['zero 20', new Float64Array(400), 20]);
    const blocks = new Float64Array(30 * 30); // splits into independent blocks, repeated eigenvalues
    for (let i = 0; i < 30; i++) blocks[i * 30 + i] = i % 3;
    for (let i = 10; i < 19; i++) blocks[i * 30 + i + 1] = blocks[(i + 1) * 30 + i] = 0.5;
    cases.push(['block diagonal 30', blocks, 30]);
    for (const [name, g, n] of cases) {
      const { values, vectors } = eighSymmetric(g, n);
      for (let j = 1; j < n; j++) expect(values[j], name).toBeLessThanOrEqual(values[j - 1]);
      const q = quality(g, n, values, vectors);
      expect(q.residual, name).toBeLessThan(1e-13);
      expect(q.orthogonality, name).toBeLessThan(1e-12);
      const ref = eighSymmetricQL(g, n);
      expect(maxAbsDiff(values, ref.values) / Math.max(Math.abs(ref.values[0]), 1e-300), name).toBeLessThan(1e-13);
    }
  });

  it('block orders equal the previous implementation (tred2 + tql2) on random weights', () => {
    use();
    for (const [out, inn, seed] of [[256, 384, 1], [384, 256, 2], [256, 384, 3], [97, 97, 4]]) {
      const w = random(out * inn, seed);
      const want = previousOrders(w, out, inn);
      const got = spectralOrdersOf(w, out, inn);
      expect(Array.from(got.rowOrder), `${out}x${inn} rows`).toEqual(Array.from(want.rowOrder));
      expect(Array.from(got.colOrder), `${out}x${inn} cols`).toEqual(Array.from(want.colOrder));
    }
  });
});

describe('spectral bad input', () => {
  it('names the size mismatch and non-finite entries', () => {
    expect(() => eighSymmetric(new Float64Array(5), 2)).toThrow(/expected 4 values for a 2x2 matrix, got 5/);
    expect(() => eighSymmetric(Float64Array.of(1, NaN, NaN, 1), 2)).toThrow(/entry \(0, 1\) is NaN, expected a finite number/);
    expect(() => spectralOrdersOf(new Float32Array(6), 2, 4)).toThrow(/expected 8 values for \[2, 4\], got 6/);
  });
});
