import { spectralFactors } from './factors';
import type { SpectralProducts } from './gemm';
import { spectralOrders, type SpectralOrders } from './order';

export interface SpectralOptions {
  /**
   * Where the float64 products run: a pool from `createSpectralPool` (`@smoa/adapters/node`) splits
   * them by row blocks over worker threads with bit-identical results. Default: the pool installed by
   * `useSpectralThreads`, else this thread.
   */
  products?: SpectralProducts;
}

/**
 * Row and column orders of SMoA's spectral blocks for a row-major [out, in] weight, computed in
 * float64 from one symmetric eigen-decomposition of the smaller Gram matrix.
 */
export function spectralOrdersOf(weight: ArrayLike<number>, out: number, inn: number, options: SpectralOptions = {}): SpectralOrders {
  if (weight.length !== out * inn) throw new Error(`spectralOrdersOf: expected ${out * inn} values for [${out}, ${inn}], got ${weight.length}`);
  return spectralOrders(spectralFactors(weight, out, inn, options.products));
}

export type { SpectralOrders, SpectralProducts };
