import * as tf from '@tensorflow/tfjs-core';

/**
 * A frozen linear projection y = x W^T + b in the PyTorch layout (W is [out, in]) that adapters attach
 * to. Models (our Llama, a user's own) build their projections from this class and expose them through
 * `ModuleContainer.namedLinears()`, which is all the injection machinery needs to know about a model.
 */
export class Linear {
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

  /** x [..., in] -> [..., out]. */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      const x2 = tf.reshape(x, [-1, this.inFeatures]) as tf.Tensor2D;
      let y: tf.Tensor = tf.matMul(x2, this.weight, false, true);
      if (this.bias) y = tf.add(y, this.bias);
      return tf.reshape(y, [...lead, this.outFeatures]);
    });
  }
}

/** Any model whose linear modules can be addressed by dotted path (Hugging Face names for Llama). */
export interface ModuleContainer {
  namedLinears(): Iterable<[string, Linear]>;
}
