import * as tf from '@tensorflow/tfjs-core';
import { untransposedMatMul, matMulWeightT } from '@smoa/core';
import type { BaseLayerOptions } from '../shared/base-layer';
import { LoRALayer } from '../lora/layer';
import { loraUpdate } from '../shared/low-rank';
import type { BaseWeights } from '../types';
import type { ResolvedDoRAConfig } from './config';

/**
 * DoRA: W' = m * (W + s B A) / ||W + s B A|| with one norm per output row (PyTorch layout) and the
 * magnitude m trainable, starting at ||W|| so W' = W at initialisation. Unlike PEFT, the norm is not
 * detached: gradients are those of the formula above (PEFT drops the norm's gradient to save memory).
 */
export class DoRALayer extends LoRALayer<ResolvedDoRAConfig> {
  private readonly magnitude: tf.Variable;

  constructor(config: ResolvedDoRAConfig, base: BaseWeights, options: BaseLayerOptions = {}) {
    super(config, base, options);
    this.magnitude = this.addParam('lora_magnitude_vector', tf.tidy(() => rowNorm(this.weight)));
  }

  protected override forward(x2: tf.Tensor2D, dropped: tf.Tensor2D | undefined): tf.Tensor2D {
    const y = doraForward({ weight: this.weight, a: this.a, b: this.b, magnitude: this.magnitude, scale: this.scale }, x2, dropped);
    return this.bias ? (tf.add(y, this.bias) as tf.Tensor2D) : y;
  }

  override deltaWeight(): tf.Tensor2D {
    return doraDelta({ weight: this.weight, a: this.a, b: this.b, magnitude: this.magnitude, scale: this.scale });
  }
}

/** The tensors of one DoRA projection (W [out, in] frozen; A, B, m trainable). */
export interface DoRAParts {
  weight: tf.Tensor2D;
  a: tf.Tensor;
  b: tf.Tensor;
  magnitude: tf.Tensor;
  scale: number;
}

/** ||W|| per output row: the magnitude's starting value. */
export function rowNorm(w: tf.Tensor): tf.Tensor1D {
  return tf.sqrt(tf.sum(tf.square(w), 1)) as tf.Tensor1D;
}

/** m / ||W + s B A|| per output. */
function magnitudeScale(p: DoRAParts): tf.Tensor1D {
  return tf.div(p.magnitude, rowNorm(tf.add(p.weight, tf.mul(untransposedMatMul(p.b as tf.Tensor2D, p.a as tf.Tensor2D), p.scale)))) as tf.Tensor1D;
}

/** x W'^T without bias (shared with DoRADense). */
export function doraForward(p: DoRAParts, x2: tf.Tensor2D, dropped: tf.Tensor2D | undefined): tf.Tensor2D {
  const scale = magnitudeScale(p);
  const plain = matMulWeightT(x2, p.weight);
  // PEFT's form: the base output stays undropped; the magnitude rescales the adapter input's path.
  const xd = dropped ?? x2;
  const adapted = tf.add(tf.mul(dropped ? matMulWeightT(xd, p.weight) : plain, tf.sub(scale, 1)), tf.mul(loraUpdate(xd, p.a, p.b, p.scale), scale));
  return tf.add(plain, adapted) as tf.Tensor2D;
}

/** W' - W [out, in]. */
export function doraDelta(p: DoRAParts): tf.Tensor2D {
  return tf.tidy(() => {
    const v = tf.add(p.weight, tf.mul(tf.matMul(p.b, p.a), p.scale));
    return tf.sub(tf.mul(v, tf.expandDims(magnitudeScale(p), 1)), p.weight) as tf.Tensor2D;
  });
}
