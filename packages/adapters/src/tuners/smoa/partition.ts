import * as tf from '@tensorflow/tfjs-core';
import type { SpectralFactors } from '../../spectral/factors';
import type { ModulatedSpec } from '../shared/modulated';
import { spectralOrders } from '../../spectral/order';
import { bounds } from '../shared/blocks';

export { spectralOrders };

/**
 * Contiguous groups of singular indices by cumulative energy E(i) = sum_{j<=i} s_j / sum_j s_j: group k
 * takes the indices whose E falls in (k/K, (k+1)/K]. The paper leaves two cases open; our choices:
 * a group that would be empty (one dominant singular value spans several quantiles) borrows the nearest
 * index so that every group keeps at least one, and a zero matrix is split evenly.
 * Returns the K + 1 boundaries in singular-index space.
 */
export function energyGroups(f: SpectralFactors, k: number): number[] {
  const q = f.q;
  const total = f.s.reduce((a, b) => a + b, 0);
  const b = new Array<number>(k + 1).fill(0);
  b[k] = q;
  if (!(total > 0)) return bounds(q, k);
  let acc = 0;
  const group = new Int32Array(q);
  for (let i = 0; i < q; i++) {
    acc += f.s[i];
    group[i] = Math.min(k - 1, Math.max(0, Math.ceil((acc / total) * k - 1e-12) - 1));
  }
  for (let g = 1; g < k; g++) b[g] = group.reduce((n, gi) => n + (gi < g ? 1 : 0), 0);
  for (let g = 1; g < k; g++) b[g] = Math.max(b[g], b[g - 1] + 1);
  for (let g = k - 1; g >= 1; g--) b[g] = Math.min(b[g], b[g + 1] - 1);
  return b;
}

/**
 * The modulation spec of SMoA's spectral blocks for a weight [out, in]: anchors W[R_k, C_k] cut from
 * the permuted weight, and the fixed permutations. Returns every tensor it created so the caller
 * decides their lifetime.
 */
export function blockModulation(
  weight: tf.Tensor2D,
  orders: { rowOrder: Int32Array; colOrder: Int32Array },
  rb: number[],
  cb: number[],
  ranks: number[],
  scale: number,
): { spec: ModulatedSpec; tensors: tf.Tensor[] } {
  const [out, inn] = weight.shape;
  const tensors: tf.Tensor[] = [];
  const own = <T extends tf.Tensor>(t: T): T => (tensors.push(t), t);
  const rowOrder = own(tf.tensor1d(orders.rowOrder, 'int32'));
  const colOrder = own(tf.tensor1d(orders.colOrder, 'int32'));
  const permuted = tf.tidy(() => tf.gather(tf.gather(weight, rowOrder, 0), colOrder, 1) as tf.Tensor2D);
  const terms: ModulatedSpec['terms'] = [];
  ranks.forEach((rk, k) => {
    if (rk === 0) return;
    const anchor = own(tf.slice(permuted, [rb[k], cb[k]], [rb[k + 1] - rb[k], cb[k + 1] - cb[k]]));
    terms.push({ index: k, rowStart: rb[k], rowEnd: rb[k + 1], colStart: cb[k], colEnd: cb[k + 1], anchor });
  });
  permuted.dispose();
  const spec: ModulatedSpec = {
    out,
    in: inn,
    layout: 'blocks',
    rowOrder,
    colOrder,
    rowInverse: own(tf.tensor1d(inverse(orders.rowOrder), 'int32')),
    colInverse: own(tf.tensor1d(inverse(orders.colOrder), 'int32')),
    rowBounds: rb,
    colBounds: cb,
    terms,
    scale,
  };
  return { spec, tensors };
}

function inverse(order: Int32Array): Int32Array {
  const inv = new Int32Array(order.length);
  order.forEach((v, i) => (inv[v] = i));
  return inv;
}
