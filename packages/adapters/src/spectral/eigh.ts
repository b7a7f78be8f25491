import { applyQTranspose } from './back-transform';
import { singleThread, type SpectralProducts } from './gemm';
import { tridiagonalize } from './tridiagonal';
import { tridiagonalEigen } from './tridiagonal-eigen';

/**
 * Eigen-decomposition of a real symmetric matrix in float64 with about 10/3 n^3 flops, nearly all in
 * gemm: blocked Householder tridiagonalisation, eigenvalues by QL and eigenvectors by inverse iteration
 * on the tridiagonal matrix (O(n^2)), then one blocked back-transformation. (QL with accumulated
 * rotations, kept as the test oracle in `src/testing/eigh-ql.ts`, spends 3-6 n^3 in memory-bound rotations.)
 */
export interface SymmetricEigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Row j is the unit eigenvector of values[j] (row-major [n, n]). */
  vectors: Float64Array;
}

export function eighSymmetric(a: Float64Array, n: number, products: SpectralProducts = singleThread): SymmetricEigen {
  if (a.length !== n * n) throw new Error(`eighSymmetric: expected ${n * n} values for a ${n}x${n} matrix, got ${a.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new Error(`eighSymmetric: entry (${Math.floor(i / n)}, ${i % n}) is ${a[i]}, expected a finite number`);
  }
  const tri = tridiagonalize(a, n, products);
  const { values: raw, vectors: eig } = tridiagonalEigen(tri.d, tri.e, n);
  const z = products.alloc(n * n);
  z.set(eig);
  applyQTranspose(tri, z, n, products);
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => raw[y] - raw[x] || x - y);
  const values = new Float64Array(n);
  const vectors = products.alloc(n * n);
  order.forEach((src, dst) => {
    values[dst] = raw[src];
    vectors.set(z.subarray(src * n, src * n + n), dst * n);
  });
  return { values, vectors };
}
