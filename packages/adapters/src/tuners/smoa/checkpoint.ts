import type { ModuleExtras } from '../types';

/*
 * What a saved SMoA adapter carries beyond its weights: the spectral row and column orders of each
 * module, so a reload rebuilds exactly the blocks it was trained with (the generic file code stores
 * these extras as JSON in the safetensors metadata, see checkpoint/files.ts).
 */

export interface BlockOrders {
  rowOrder: Int32Array;
  colOrder: Int32Array;
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

/** The extras of one module (snake_case, as in the file). */
export function ordersToExtras(orders: BlockOrders): ModuleExtras {
  return { row_order: Array.from(orders.rowOrder), col_order: Array.from(orders.colOrder) };
}

/** Orders read back from a module's extras, checked against the weight's shape. */
export function ordersFromExtras(where: string, extras: ModuleExtras, out: number, inn: number): BlockOrders {
  return {
    rowOrder: checkOrder(`${where} (saved block orders)`, 'row_order', extras.row_order, out),
    colOrder: checkOrder(`${where} (saved block orders)`, 'col_order', extras.col_order, inn),
  };
}
