import * as tf from '@tensorflow/tfjs-core';
import { Linear } from '@smoa/core';

/**
 * The Linear of @smoa/core (whose base product already avoids tfjs-wasm's slow transposed matmuls,
 * forward and backward) plus an optional held W^T: while `holdTransposed` is in force (generation),
 * y = x W^T directly, without the per-call transpose.
 */
export class LlamaLinear extends Linear {
  /** W^T [in, out] and the weight it was made from; used only while it still matches `weight`. */
  private transposedOf?: { source: tf.Tensor2D; value: tf.Tensor2D };

  override baseForward(x2: tf.Tensor2D): tf.Tensor2D {
    const t = this.transposedOf?.source === this.weight ? this.transposedOf.value : undefined;
    if (!t) return super.baseForward(x2);
    const y = tf.matMul(x2, t) as tf.Tensor2D;
    return this.bias ? (tf.add(y, this.bias) as tf.Tensor2D) : y;
  }

  /** Keeps W^T until `releaseTransposed` (worth it for many one-token steps: x W^T is the fast product). */
  holdTransposed(): void {
    if (this.transposedOf?.source === this.weight) return;
    this.releaseTransposed();
    this.transposedOf = { source: this.weight, value: tf.keep(tf.transpose(this.weight)) };
  }

  releaseTransposed(): void {
    this.transposedOf?.value.dispose();
    this.transposedOf = undefined;
  }
}
