import * as tf from '@tensorflow/tfjs-core';
import { BaseAdapterLayer, kaimingUniform } from '../shared/base-layer';
import { modulatedDelta, modulatedForward, type ModulatedSpec } from '../shared/modulated';
import { readCommonPeft } from '../shared/peft';
import { resolveCommon } from '../shared/validate';
import type { BaseWeights, CommonAdapterOptions, Tuner } from '../types';

export interface HiRAConfig extends CommonAdapterOptions {
  method: 'hira';
}

type ResolvedHiRAConfig = Required<HiRAConfig>;

const resolve = (c: HiRAConfig): ResolvedHiRAConfig => ({ method: 'hira', ...resolveCommon('HiRA config', c) });

/**
 * HiRA: dW = (alpha / r) (B A) * W, a full-rank Hadamard modulation of the frozen weight (the
 * reference HiRA code omits alpha / r; we keep it so HiRA equals SMoA with one block).
 */
export class HiRALayer extends BaseAdapterLayer<ResolvedHiRAConfig> {
  private readonly spec: ModulatedSpec;
  private readonly a: tf.Variable<tf.Rank.R2>;
  private readonly b: tf.Variable<tf.Rank.R2>;

  constructor(config: ResolvedHiRAConfig, base: BaseWeights) {
    super(config, base);
    const [out, inn] = [this.outFeatures, this.inFeatures];
    this.a = this.addParam('lora_A.weight', kaimingUniform(config.r, inn));
    this.b = this.addParam('lora_B.weight', tf.zeros<tf.Rank.R2>([out, config.r]));
    const term = { index: 0, rowStart: 0, rowEnd: out, colStart: 0, colEnd: inn, anchor: this.weight };
    this.spec = { out, in: inn, layout: 'full', rowBounds: [0, out], colBounds: [0, inn], terms: [term], scale: config.alpha / config.r };
  }

  protected forward(x2: tf.Tensor2D, dropped: tf.Tensor2D | undefined): tf.Tensor2D {
    const y = modulatedForward(this.spec, this.weight, x2, dropped, [this.a], [this.b]);
    return this.bias ? (tf.add(y, this.bias) as tf.Tensor2D) : y;
  }

  deltaWeight(): tf.Tensor2D {
    return modulatedDelta(this.spec, [this.a], [this.b]);
  }
}

export const hiraTuner: Tuner<HiRAConfig> = {
  method: 'hira',
  peftType: 'HIRA',
  claims: () => true,
  resolve,
  create: (config, base) => new HiRALayer(resolve(config), base),
  toPeft: () => ({}),
  fromPeft: (p, used) => ({ method: 'hira', ...readCommonPeft(p, used) }),
};
