import * as tf from '@tensorflow/tfjs-core';

/*
 * Products that never reach tfjs-backend-wasm's transposed matmul paths. On wasm every transpose flag
 * of BatchMatMul (a^T b, a b^T, a^T b^T) is ~10x slower than the plain a b (measured at 512 rows through
 * 512 -> 1376: 40 ms plain, 550-675 ms with any flag), and tf.matMul's own gradient uses exactly those
 * flags (da = dy b^T, db = a^T dy). Here each operand is transposed explicitly (a memory copy, ~4 ms
 * for 1376 x 512) and both passes multiply untransposed only.
 */

/** Swaps the last two axes. */
function swapLast<T extends tf.Tensor>(x: T): T {
  const perm = x.shape.map((_, i) => i);
  perm[x.rank - 1] = x.rank - 2;
  perm[x.rank - 2] = x.rank - 1;
  return tf.transpose(x, perm);
}

function sameBatch(a: tf.Tensor, b: tf.Tensor): boolean {
  return a.rank === b.rank && a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
}

/**
 * tf.matMul(a, b, transposeA, transposeB) for operands of equal rank (>= 2) and equal batch shape,
 * differentiable in both operands, whose forward and backward passes use only untransposed products.
 * Broadcast batch shapes fall back to tf.matMul.
 */
export function untransposedMatMul<T extends tf.Tensor>(a: T, b: T, transposeA = false, transposeB = false): T {
  if (!sameBatch(a, b) || a.rank < 2) return tf.matMul(a, b, transposeA, transposeB) as T;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [aIn, bIn, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const left = transposeA ? swapLast(aIn) : aIn;
    const right = transposeB ? swapLast(bIn) : bIn;
    save([left, right]);
    return {
      value: tf.matMul(left, right),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [l, r] = saved;
        // d(left) = dy right^T; d(right) = left^T dy; mapped back through the explicit transposes.
        const dLeft = transposeA ? tf.matMul(r, swapLast(dy)) : tf.matMul(dy, swapLast(r));
        const dRight = transposeB ? tf.matMul(swapLast(dy), l) : tf.matMul(swapLast(l), dy);
        return [dLeft, dRight];
      },
    };
  });
  return op(a, b) as T;
}

/** x w^T, transposing whichever moves less memory: w, or x and the output. */
function frozenForward(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const viaW = w.size <= x.size + x.shape[0] * w.shape[0];
  return (viaW ? tf.matMul(x, tf.transpose(w)) : tf.transpose(tf.matMul(w, tf.transpose(x)))) as tf.Tensor2D;
}

/**
 * x [N, in] times w^T for a constant w [out, in] (a frozen projection): the gradient flows to x only
 * (dx = dy w, an untransposed product), so backpropagation spends nothing on w. w must stay alive
 * until the backward pass (a model's own weight does); it is not saved, because saving a tensor
 * copies it on wasm (its Identity kernel is a copy), 64 MB per step for an LM head.
 */
export function matMulFrozenT(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x2, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([]);
    return {
      value: frozenForward(x2, w),
      gradFunc: (dy: tf.Tensor) => tf.matMul(dy, w),
    };
  });
  return op(x) as tf.Tensor2D;
}

/**
 * x [N, in] times w^T for w [out, in], by the fast formulations: gradient to w as well only when w is
 * a trainable variable (full fine-tuning), otherwise w is treated as frozen.
 */
export function matMulWeightT(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const trainable = w instanceof tf.Variable && w.trainable;
  return trainable ? untransposedMatMul(x, w, false, true) : matMulFrozenT(x, w);
}
