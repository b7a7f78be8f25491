import * as tf from '@tensorflow/tfjs-core';
import { untransposedMatMul, matMulWeightT } from '@smoa/core';
import { LoRALayer } from '../lora/layer';
import type { BaseWeights } from '../types';
import type { ResolvedDoRAConfig } from './config';

/**
 * DoRA: W' = m * (W + s B A) / ||W + s B A|| with one norm per output row (PyTorch layout) and the
 * magnitude m trainable, starting at ||W|| so W' = W at initialisation. Unlike PEFT, the norm is not
 * detached: gradients are those of the formula above (PEFT drops the norm's gradient to save memory).
 */
export class DoRALayer extends LoRALayer<ResolvedDoRAConfig> {
  private readonly magnitude: tf.Variable;

  constructor(config: ResolvedDoRAConfig, base: BaseWeights) {
    super(config, base);
    this.magnitude = this.addParam('lora_magnitude_vector', tf.tidy(() => rowNorm(this.weight)));
  }

  /** m / ||W + s B A|| per output. */
  private magnitudeScale(): tf.Tensor1D {
    return tf.div(this.magnitude, rowNorm(tf.add(this.weight, tf.mul(untransposedMatMul(this.b as tf.Tensor2D, this.a as tf.Tensor2D), this.scale)))) as tf.Tensor1D;
  }

  protected override forward(x2: tf.Tensor2D, dropped: tf.Tensor2D | undefined): tf.Tensor2D {
    const scale = this.magnitudeScale();
    const plain = matMulWeightT(x2, this.weight);
    // PEFT's form: the base output stays undropped; the magnitude rescales the adapter input's path.
    const xd = dropped ?? x2;
    const adapted = tf.add(tf.mul(dropped ? matMulWeightT(xd, this.weight) : plain, tf.sub(scale, 1)), tf.mul(this.update(xd), scale));
    const y = tf.add(plain, adapted) as tf.Tensor2D;
    return this.bias ? (tf.add(y, this.bias) as tf.Tensor2D) : y;
  }

  override deltaWeight(): tf.Tensor2D {
    return tf.tidy(() => {
      const v = tf.add(this.weight, tf.mul(tf.matMul(this.b, this.a), this.scale));
      return tf.sub(tf.mul(v, tf.expandDims(this.magnitudeScale(), 1)), this.weight) as tf.Tensor2D;
    });
  }
}

function rowNorm(w: tf.Tensor): tf.Tensor1D {
  return tf.sqrt(tf.sum(tf.square(w), 1)) as tf.Tensor1D;
}
