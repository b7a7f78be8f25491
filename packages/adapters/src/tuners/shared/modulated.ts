import * as tf from '@tensorflow/tfjs-core';
import { untransposedMatMul, matMulFrozenT, matMulWeightT } from '@smoa/core';

/**
 * The update shared by SMoA and HiRA: dW = s * sum_k place_k((B_k A_k) * M_k), each term a Hadamard
 * modulation of a frozen anchor M_k by a low-rank product.
 *
 * Coordinates are permuted once (SMoA's spectral orders) so every block is a contiguous
 * [rowStart, rowEnd) x [colStart, colEnd) rectangle; the update is assembled by concatenation, mapped
 * back by two fixed gathers and added to W, and the output needs one matmul with that effective weight.
 * The backward pass is written out (tf.customGrad): it never forms dy^T x for the whole matrix when
 * the blocks are disjoint (only the K diagonal blocks, 1/K of it), never differentiates through the
 * gathers, and spends nothing on the frozen W.
 */
export interface ModulatedTerm {
  rowStart: number;
  rowEnd: number;
  colStart: number;
  colEnd: number;
  /** Frozen anchor [rowEnd - rowStart, colEnd - colStart]. */
  anchor: tf.Tensor2D;
}

export interface ModulatedSpec {
  out: number;
  in: number;
  /** 'blocks': disjoint diagonal rectangles in permuted coordinates; 'full': every term covers W. */
  layout: 'blocks' | 'full';
  /** Row / column of W held at each permuted position (undefined: identity). */
  rowOrder?: tf.Tensor1D;
  colOrder?: tf.Tensor1D;
  /** Inverse permutations, to map the update back. */
  rowInverse?: tf.Tensor1D;
  colInverse?: tf.Tensor1D;
  /** Block boundaries in permuted coordinates, including blocks without parameters (layout 'blocks'). */
  rowBounds: number[];
  colBounds: number[];
  /** Terms with parameters, in the order of the A / B lists; `index` is the block they fill. */
  terms: (ModulatedTerm & { index: number })[];
  scale: number;
}

/** The modulated update in permuted coordinates. */
function permutedDelta(spec: ModulatedSpec, as: tf.Tensor2D[], bs: tf.Tensor2D[]): tf.Tensor2D {
  const products = spec.terms.map((t, k) => tf.mul(tf.matMul(bs[k], as[k]), t.anchor) as tf.Tensor2D);
  if (spec.layout === 'full') return tf.mul(products.length === 1 ? products[0] : tf.addN(products), spec.scale);
  const byBlock = new Map(spec.terms.map((t, k) => [t.index, products[k]]));
  const rows: tf.Tensor2D[] = [];
  for (let b = 0; b + 1 < spec.rowBounds.length; b++) {
    const height = spec.rowBounds[b + 1] - spec.rowBounds[b];
    if (height === 0) continue;
    const p = byBlock.get(b);
    if (!p) {
      rows.push(tf.zeros([height, spec.in]));
      continue;
    }
    const left = spec.colBounds[b];
    const right = spec.in - spec.colBounds[b + 1];
    const parts: tf.Tensor2D[] = [];
    if (left > 0) parts.push(tf.zeros([height, left]));
    parts.push(tf.mul(p, spec.scale));
    if (right > 0) parts.push(tf.zeros([height, right]));
    rows.push(parts.length === 1 ? parts[0] : tf.concat(parts, 1));
  }
  return rows.length === 1 ? rows[0] : tf.concat(rows, 0);
}

/**
 * dW^T [in, out] in W's own coordinates. Only rows are gathered: a column gather (GatherV2 on axis 1)
 * is the slow case on wasm (about 21 ms for a 512 x 1376 matrix, 1.7 s of an SMoA step with 20
 * targets), so the column permutation is applied as a row gather of the transpose.
 */
function modulatedDeltaT(spec: ModulatedSpec, as: tf.Tensor2D[], bs: tf.Tensor2D[]): tf.Tensor2D {
  let d = permutedDelta(spec, as, bs);
  if (spec.rowInverse) d = tf.gather(d, spec.rowInverse, 0);
  let dT = tf.transpose(d);
  if (spec.colInverse) dT = tf.gather(dT, spec.colInverse, 0);
  return dT;
}

/** dW [out, in] in W's own coordinates. */
export function modulatedDelta(spec: ModulatedSpec, as: tf.Tensor2D[], bs: tf.Tensor2D[]): tf.Tensor2D {
  return tf.tidy(() => tf.transpose(modulatedDeltaT(spec, as, bs)));
}

/** Gradients of the A_k, B_k given the scaled gradient dE of each term's rectangle. */
function factorGrads(spec: ModulatedSpec, dE: tf.Tensor2D[], as: tf.Tensor2D[], bs: tf.Tensor2D[]): [tf.Tensor[], tf.Tensor[]] {
  const gA: tf.Tensor[] = [];
  const gB: tf.Tensor[] = [];
  spec.terms.forEach((t, k) => {
    const g = tf.mul(dE[k], t.anchor) as tf.Tensor2D;
    gA.push(untransposedMatMul(bs[k], g, true, false));
    gB.push(untransposedMatMul(g, as[k], false, true));
  });
  return [gA, gB];
}

/** Rows [start, end) of the permuted order of m's rows (m itself when there is no order). */
function permutedRows(m: tf.Tensor2D, order: tf.Tensor1D | undefined, start: number, end: number): tf.Tensor2D {
  if (!order) return tf.slice(m, [start, 0], [end - start, m.shape[1]]);
  return tf.gather(m, tf.slice(order, start, end - start), 0);
}

/**
 * s * dy^T src restricted to each term's rectangle (permuted coordinates). dy and src are transposed
 * once so each block's rows and columns are row gathers (see modulatedDeltaT), and every product is
 * an untransposed one.
 */
function termGradients(spec: ModulatedSpec, dy: tf.Tensor2D, src: tf.Tensor2D): tf.Tensor2D[] {
  if (spec.layout === 'full') {
    const full = tf.mul(untransposedMatMul(dy, src, true, false), spec.scale) as tf.Tensor2D;
    return spec.terms.map(() => full);
  }
  const dyT = tf.transpose(dy);
  const srcT = tf.transpose(src);
  return spec.terms.map((t) => {
    const dyk = permutedRows(dyT, spec.rowOrder, t.rowStart, t.rowEnd);
    const srck = permutedRows(srcT, spec.colOrder, t.colStart, t.colEnd);
    return tf.mul(tf.matMul(dyk, tf.transpose(srck)), spec.scale) as tf.Tensor2D;
  });
}

/**
 * x W^T + dropped dW^T for x [N, in] (no bias). With `dropped` undefined the adapter sees x itself
 * and one matmul with W + dW does both paths.
 */
export function modulatedForward(
  spec: ModulatedSpec,
  weight: tf.Tensor2D,
  x: tf.Tensor2D,
  dropped: tf.Tensor2D | undefined,
  as: tf.Tensor2D[],
  bs: tf.Tensor2D[],
): tf.Tensor2D {
  const K = as.length;
  if (K === 0) return matMulWeightT(x, weight);
  const fused = dropped === undefined;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const tensors = args as tf.Tensor2D[];
    const xIn = tensors[0];
    const xd = fused ? xIn : tensors[1];
    const first = fused ? 1 : 2;
    const aIn = tensors.slice(first, first + K);
    const bIn = tensors.slice(first + K, first + 2 * K);
    // Everything in W^T's layout [in, out]: both passes then multiply untransposed (fast on wasm).
    const deltaT = modulatedDeltaT(spec, aIn, bIn);
    let value: tf.Tensor2D;
    let keepT: tf.Tensor2D;
    if (fused) {
      keepT = tf.add(tf.transpose(weight), deltaT);
      value = tf.matMul(xIn, keepT);
    } else {
      keepT = deltaT;
      value = tf.add(matMulFrozenT(xIn, weight), tf.matMul(xd, deltaT));
    }
    save([xd, keepT]);
    return {
      value,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [src, wT] = saved as tf.Tensor2D[];
        const dE = termGradients(spec, dy, src);
        const [gA, gB] = factorGrads(spec, dE, aIn, bIn);
        const w = tf.transpose(wT);
        const dx = fused ? [tf.matMul(dy, w)] : [tf.matMul(dy, weight), tf.matMul(dy, w)];
        return [...dx, ...gA, ...gB];
      },
    };
  });
  const inputs = fused ? [x, ...as, ...bs] : [x, dropped, ...as, ...bs];
  return op(...inputs) as tf.Tensor2D;
}
