import * as tf from '@tensorflow/tfjs-core';

/**
 * Global L2 norm of all gradients and, when it exceeds maxNorm, the gradients scaled down to it
 * (torch.nn.utils.clip_grad_norm_). Returns new tensors; the caller disposes the inputs.
 * maxNorm <= 0 or Infinity only measures.
 */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: number } {
  const norm = globalNorm(grads);
  const scale = maxNorm > 0 && Number.isFinite(maxNorm) && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
  return { grads: grads.map((g) => (scale === 1 ? tf.clone(g) : tf.mul(g, scale))), norm };
}

export function globalNorm(grads: readonly tf.Tensor[]): number {
  if (grads.length === 0) return 0;
  const sq = tf.tidy(() => tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
  const value = sq.dataSync()[0];
  sq.dispose();
  return Math.sqrt(value);
}
