import { spectralFactors } from './factors';
import { spectralOrders, type SpectralOrders } from './order';

/**
 * Row and column orders of SMoA's spectral blocks for a row-major [out, in] weight, computed in
 * float64 from one symmetric eigen-decomposition of the smaller Gram matrix.
 */
export function spectralOrdersOf(weight: ArrayLike<number>, out: number, inn: number): SpectralOrders {
  if (weight.length !== out * inn) throw new Error(`spectralOrdersOf: expected ${out * inn} values for [${out}, ${inn}], got ${weight.length}`);
  return spectralOrders(spectralFactors(weight, out, inn));
}

export type { SpectralOrders };
