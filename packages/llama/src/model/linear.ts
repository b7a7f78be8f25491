import * as tf from '@tensorflow/tfjs-core';
import { Linear } from '@smoa/adapters';

/**
 * The Linear of @smoa/adapters with a base product that avoids tfjs-wasm's transposed-B matmul:
 * `matMul(x, W, false, true)` takes a slow path there (measured 40x slower than an untransposed
 * product at 512 rows of a 512 -> 1408 projection), so y = (W x^T)^T, which costs two activation
 * transposes and no copy of W. While `transposed` holds W^T (generation), y = x W^T directly.
 */
export class LlamaLinear extends Linear {
  /** W^T [in, out] and the weight it was made from; used only while it still matches `weight`. */
  private transposedOf?: { source: tf.Tensor2D; value: tf.Tensor2D };

  override baseForward(x2: tf.Tensor2D): tf.Tensor2D {
    const t = this.transposedOf?.source === this.weight ? this.transposedOf.value : undefined;
    const y = (t ? tf.matMul(x2, t) : tf.transpose(tf.matMul(this.weight, tf.transpose(x2)))) as tf.Tensor2D;
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
