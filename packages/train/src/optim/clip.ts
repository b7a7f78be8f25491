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
  const sq = squaredNorm(grads);
  const value = sq.dataSync()[0];
  sq.dispose();
  return Math.sqrt(value);
}

/**
 * clipByGlobalNorm with the norm read back asynchronously: on a GPU backend a synchronous read stalls
 * the device (and tfjs-backend-webgpu cannot do one under Node), so the trainer uses this.
 */
export async function clipByGlobalNormAsync(grads: readonly tf.Tensor[], maxNorm: number): Promise<{ grads: tf.Tensor[]; norm: number }> {
  let norm = 0;
  if (grads.length > 0) {
    const sq = squaredNorm(grads);
    norm = Math.sqrt((await sq.data())[0]);
    sq.dispose();
  }
  const scale = maxNorm > 0 && Number.isFinite(maxNorm) && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
  return { grads: grads.map((g) => (scale === 1 ? tf.clone(g) : tf.mul(g, scale))), norm };
}

/**
 * Sum of squares of every gradient, added pairwise: one tf.addN over all of them binds one buffer per
 * input, and tfjs-backend-webgpu's AddN fails past the device's limit of storage buffers per shader
 * (8 on SwiftShader; SMoA on 35 projections has 140 gradients).
 */
function squaredNorm(grads: readonly tf.Tensor[]): tf.Tensor {
  return tf.tidy(() => {
    let parts = grads.map((g) => tf.sum(tf.square(g)));
    while (parts.length > 1) {
      const next: tf.Tensor[] = [];
      for (let i = 0; i < parts.length; i += 2) next.push(i + 1 < parts.length ? tf.add(parts[i], parts[i + 1]) : parts[i]);
      parts = next;
    }
    return parts[0];
  });
}
