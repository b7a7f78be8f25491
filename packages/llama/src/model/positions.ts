import * as tf from '@tensorflow/tfjs-core';

/**
 * Position ids from an attention mask [B, T] as Hugging Face's generate computes them: the running
 * count of real tokens minus one, so a left-padded row gets the positions it would get alone.
 * Padding gets 1, as there (its outputs are never used).
 */
export function positionsFromMask(mask: ArrayLike<number>, B: number, T: number): Int32Array {
  const out = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    let seen = 0;
    for (let t = 0; t < T; t++) out[b * T + t] = mask[b * T + t] ? seen++ : 1;
  }
  return out;
}

/** The key mask [B, S] as a tensor, or undefined when nothing is padding (the decoder then skips masking it). */
export function keyMaskTensor(mask: Int32Array, B: number, S: number): tf.Tensor2D | undefined {
  return mask.every((m) => m === 1) ? undefined : tf.tensor2d(mask, [B, S], 'int32');
}
