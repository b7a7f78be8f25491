import * as tf from '@tensorflow/tfjs-core';
import { BaseAdapterLayer, type BaseLayerOptions } from '../shared/base-layer';
import { kaimingUniform } from '../shared/init';
import { modulatedDelta, modulatedForward, type ModulatedSpec } from '../shared/modulated';
import type { BaseWeights } from '../types';
import type { ResolvedHiRAConfig } from './config';

/**
 * HiRA: dW = (alpha / r) (B A) * W, a full-rank Hadamard modulation of the frozen weight (the
 * reference HiRA code omits alpha / r; we keep it so HiRA equals SMoA with one block).
 */
export class HiRALayer extends BaseAdapterLayer<ResolvedHiRAConfig> {
  private readonly spec: ModulatedSpec;
  private readonly a: tf.Variable<tf.Rank.R2>;
  private readonly b: tf.Variable<tf.Rank.R2>;

  constructor(config: ResolvedHiRAConfig, base: BaseWeights, options: BaseLayerOptions = {}) {
    super(config, base, options);
    const [out, inn] = [this.outFeatures, this.inFeatures];
    this.a = this.addParam('lora_A.weight', kaimingUniform(config.r, inn, this.initSeeds()));
    this.b = this.addParam('lora_B.weight', tf.zeros<tf.Rank.R2>([out, config.r]));
    this.spec = hiraSpec(this.weight, config.alpha / config.r);
  }

  protected forward(x2: tf.Tensor2D, dropped: tf.Tensor2D | undefined): tf.Tensor2D {
    const y = modulatedForward(this.spec, this.weight, x2, dropped, [this.a], [this.b]);
    return this.bias ? (tf.add(y, this.bias) as tf.Tensor2D) : y;
  }

  deltaWeight(): tf.Tensor2D {
    return modulatedDelta(this.spec, [this.a], [this.b]);
  }
}

/** HiRA as a modulated update: one term covering W, anchored on W itself (shared with HiRADense). */
export function hiraSpec(weight: tf.Tensor2D, scale: number): ModulatedSpec {
  const [out, inn] = weight.shape;
  const term = { index: 0, rowStart: 0, rowEnd: out, colStart: 0, colEnd: inn, anchor: weight };
  return { out, in: inn, layout: 'full', rowBounds: [0, out], colBounds: [0, inn], terms: [term], scale };
}
