import type { SpectralFactors } from '../../spectral/factors';
import { spectralOrders, splitSizes } from '../../spectral/order';

/** Cumulative boundaries [0, s0, s0 + s1, ..., n] of numpy array_split chunk sizes. */
export function bounds(n: number, k: number): number[] {
  const out = [0];
  for (const s of splitSizes(n, k)) out.push(out[out.length - 1] + s);
  return out;
}

/** Checks saved orders: a permutation of 0..n-1 each. */
export function checkOrder(where: string, field: string, order: unknown, n: number): Int32Array {
  if (!Array.isArray(order) && !(order instanceof Int32Array)) throw new Error(`${where}: "${field}" must be a list of ${n} indices`);
  const arr = Int32Array.from(order as ArrayLike<number>);
  const seen = new Uint8Array(n);
  if (arr.length !== n) throw new Error(`${where}: "${field}" has ${arr.length} indices, expected ${n}`);
  for (const i of arr) {
    if (!(i >= 0 && i < n) || seen[i]) throw new Error(`${where}: "${field}" is not a permutation of 0..${n - 1} (index ${i})`);
    seen[i] = 1;
  }
  return arr;
}

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
