import { eighSymmetric } from './eigh';
import { defaultSpectralProducts, matMul, matMulABt, rowMajor, type SpectralProducts } from './gemm';

/**
 * Thin SVD W = U diag(s) V^T of a row-major [out, in] matrix in float64, obtained from one symmetric
 * eigen-decomposition of the smaller Gram matrix. One side comes out orthonormal (the eigenvectors);
 * the other comes out already multiplied by s (W V = U s or W^T U = V s), which is all the spectral
 * score and the subspace masks need, so no division by a possibly tiny singular value happens here.
 *
 * Factors are stored transposed (row j is singular direction j) so later loops run along rows.
 */
export interface SpectralFactors {
  out: number;
  in: number;
  /** q = min(out, in). */
  q: number;
  /** Singular values, descending. */
  s: Float64Array;
  /** [q, out]: row j is s_j u_j. */
  uScaled: Float64Array;
  /** [q, in]: row j is s_j v_j. */
  vScaled: Float64Array;
  /** Which side is orthonormal: 'u' when out <= in (eigenvectors of W W^T), else 'v'. */
  unitSide: 'u' | 'v';
  /** [q, out] or [q, in]: the orthonormal side, row j a unit vector. */
  unit: Float64Array;
}

/**
 * `products` runs the three big products (the Gram matrix, the back-transformation, the final
 * product); default: the process-wide choice (`useSpectralThreads`), else this thread. A thread pool splits each by row blocks, which leaves every element's summation order, and
 * so every factor and order, bit-identical to the single-thread run.
 */
export function spectralFactors(weight: ArrayLike<number>, out: number, inn: number, products: SpectralProducts = defaultSpectralProducts()): SpectralFactors {
  const w = products.alloc(out * inn);
  w.set(weight);
  if (out <= inn) {
    const { values, vectors } = eighSymmetric(matMulABt(w, w, out, out, inn, true, products), out, products);
    // vScaled[j] = W^T u_j = s_j v_j, i.e. U^T W with U^T as rows.
    const vScaled = matMul(vectors, w, out, inn, out, products);
    return { out, in: inn, q: out, s: singular(values), uScaled: scaleRows(vectors, values, out), vScaled, unitSide: 'u', unit: vectors };
  }
  const { values, vectors } = eighSymmetric(gramOfColumns(w, out, inn, products), inn, products);
  // uScaled[j] = W v_j = s_j u_j.
  const uScaled = matMulABt(vectors, w, inn, out, inn, false, products);
  return { out, in: inn, q: inn, s: singular(values), uScaled, vScaled: scaleRows(vectors, values, inn), unitSide: 'v', unit: vectors };
}

/** W^T W for a row-major W [out, in], reading W through a transposed view (no copy). */
function gramOfColumns(w: Float64Array, out: number, inn: number, products: SpectralProducts): Float64Array {
  const g = products.alloc(inn * inn);
  products.gemm(inn, inn, out, rowMajor(w, inn, true), rowMajor(w, inn), g, { triangle: 'upper' });
  for (let i = 0; i < inn; i++) for (let j = 0; j < i; j++) g[i * inn + j] = g[j * inn + i];
  return g;
}

function singular(values: Float64Array): Float64Array {
  return values.map((v) => Math.sqrt(Math.max(v, 0)));
}

function scaleRows(vectors: Float64Array, values: Float64Array, q: number): Float64Array {
  const n = vectors.length / q;
  const outRows = new Float64Array(vectors.length);
  for (let j = 0; j < q; j++) {
    const sj = Math.sqrt(Math.max(values[j], 0));
    for (let i = 0; i < n; i++) outRows[j * n + i] = vectors[j * n + i] * sj;
  }
  return outRows;
}
