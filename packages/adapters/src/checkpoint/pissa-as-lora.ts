import * as tf from '@tensorflow/tfjs-core';

/**
 * PEFT's saved form of a PiSSA adapter after conversion (save_pretrained with
 * path_initial_model_for_weight_conversion, peft/peft_model.py + LoraModel.subtract_mutated_init): a
 * plain LoRA on the *original* weight, since W_res + s B A = W + s (B A - B0 A0) = W + s [B, -B0] [A; A0].
 * The rank doubles; alpha doubles too (alpha * sqrt 2 with rsLoRA) so the scale s stays the same, and
 * init_lora_weights becomes true.
 */
export function pissaAsLoraRank(r: number, alpha: number, rslora: boolean): { r: number; alpha: number } {
  return { r: 2 * r, alpha: rslora ? alpha * Math.SQRT2 : 2 * alpha };
}

/** [A; A0] ([2r, in]) and [B, -B0] ([out, 2r]): new tensors the caller disposes. */
export function pissaAsLoraFactors(a: tf.Tensor2D, b: tf.Tensor2D, a0: tf.Tensor2D, b0: tf.Tensor2D): { a: tf.Tensor2D; b: tf.Tensor2D } {
  return tf.tidy(() => ({ a: tf.concat([a, a0], 0), b: tf.concat([b, tf.neg(b0)], 1) }));
}
