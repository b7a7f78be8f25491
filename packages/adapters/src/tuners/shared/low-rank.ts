import * as tf from '@tensorflow/tfjs-core';
import { untransposedMatMul } from '@smoa/core';

// The low-rank product B A that LoRA, DoRA and MELoRA's mini LoRAs share (layers and Dense wrappers).

/** s (x A^T) B^T: the low-rank path, never an [out, in] matrix. */
export function loraUpdate(x: tf.Tensor2D, a: tf.Tensor, b: tf.Tensor, scale: number): tf.Tensor2D {
  return tf.mul(untransposedMatMul(untransposedMatMul(x, a as tf.Tensor2D, false, true), b as tf.Tensor2D, false, true), scale) as tf.Tensor2D;
}

/** s B A [out, in]. */
export function loraDelta(a: tf.Tensor, b: tf.Tensor, scale: number): tf.Tensor2D {
  return tf.mul(tf.matMul(b, a), scale) as tf.Tensor2D;
}
