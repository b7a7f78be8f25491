import * as tf from '@tensorflow/tfjs-core';
import { matMulWeightT } from './matmul';

/** What an attached adapter set does to a projection's forward pass (installed by AdapterModel). */
export interface LinearHook {
  /** x2 [N, in] -> [N, out], the adapted output. */
  forward(linear: Linear, x2: tf.Tensor2D): tf.Tensor2D;
  /** Trainable variables of the adapters that are active on this projection. */
  trainableVariables(): tf.Variable[];
}

/**
 * A frozen linear projection y = x W^T + b in the PyTorch layout (W is [out, in]) that adapters attach
 * to. Models (our Llama, a user's own) build their projections from this class and expose them through
 * `ModuleContainer.namedLinears()`, which is all the injection machinery needs to know about a model.
 */
export class Linear {
  /** Set by adapter injection; a plain Linear has none. */
  hook?: LinearHook;

  constructor(
    public weight: tf.Tensor2D,
    public bias?: tf.Tensor1D,
  ) {}

  get inFeatures(): number {
    return this.weight.shape[1];
  }

  get outFeatures(): number {
    return this.weight.shape[0];
  }

  /** x [..., in] -> [..., out], through the attached adapters if any. */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      const x2 = tf.reshape(x, [-1, this.inFeatures]) as tf.Tensor2D;
      const y = this.hook ? this.hook.forward(this, x2) : this.baseForward(x2);
      return tf.reshape(y, [...lead, this.outFeatures]);
    });
  }

  /** x2 [N, in] -> x2 W^T + b with the current weight, ignoring adapters. */
  baseForward(x2: tf.Tensor2D): tf.Tensor2D {
    const y = matMulWeightT(x2, this.weight);
    return this.bias ? (tf.add(y, this.bias) as tf.Tensor2D) : y;
  }

  /** Variables of the active adapters (none for a plain projection). */
  trainableVariables(): tf.Variable[] {
    return this.hook ? this.hook.trainableVariables() : [];
  }

  /** Parameters of the frozen projection. */
  get numParams(): number {
    return this.weight.size + (this.bias?.size ?? 0);
  }
}

/** Any model whose linear modules can be addressed by dotted path (Hugging Face names for Llama). */
export interface ModuleContainer {
  namedLinears(): Iterable<[string, Linear]>;
}
