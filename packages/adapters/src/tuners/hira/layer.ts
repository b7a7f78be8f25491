import * as tf from '@tensorflow/tfjs-core';
import { BaseAdapterLayer, type BaseLayerOptions } from '../shared/base-layer';
import { kaimingUniform } from '../shared/init';
import { modulatedDelta, modulatedForward, type ModulatedSpec } from '../shared/modulated';
import type { BaseWeights } from '../types';
import type { ResolvedHiRAConfig } from './config';

/** PEFT's HiRA keys (peft/tuners/hira: ParameterDicts hira_A [r, in], hira_B [out, r]). */
export const HIRA_KEYS = { a: 'hira_A', b: 'hira_B' } as const;
/** What @smoa/adapters 0.1 wrote instead (LoRA's keys); still read, with a warning. */
export const HIRA_LEGACY_KEYS: Record<string, string> = { 'lora_A.weight': HIRA_KEYS.a, 'lora_B.weight': HIRA_KEYS.b };

/**
 * HiRA: dW = (alpha / r) (B A) * W, a full-rank Hadamard modulation of the frozen weight (the
 * reference HiRA code and PEFT omit alpha / r; we keep it so HiRA equals SMoA with one block, and fold
 * it into hira_B when writing PEFT files, which have no alpha).
 */
export class HiRALayer extends BaseAdapterLayer<ResolvedHiRAConfig> {
  private readonly spec: ModulatedSpec;
  private readonly a: tf.Variable<tf.Rank.R2>;
  private readonly b: tf.Variable<tf.Rank.R2>;

  constructor(config: ResolvedHiRAConfig, base: BaseWeights, options: BaseLayerOptions = {}) {
    super(config, base, options);
    const [out, inn] = [this.outFeatures, this.inFeatures];
    this.a = this.addParam(HIRA_KEYS.a, kaimingUniform(config.r, inn, this.initSeeds()));
    this.b = this.addParam(HIRA_KEYS.b, tf.zeros<tf.Rank.R2>([out, config.r]));
    this.spec = hiraSpec(this.weight, config.alpha / config.r);
  }

  protected forward(x2: tf.Tensor2D, dropped: tf.Tensor2D | undefined): tf.Tensor2D {
    const y = modulatedForward(this.spec, this.weight, x2, dropped, [this.a], [this.b]);
    return this.bias ? (tf.add(y, this.bias) as tf.Tensor2D) : y;
  }

  deltaWeight(): tf.Tensor2D {
    return modulatedDelta(this.spec, [this.a], [this.b]);
  }

  /** PEFT's HiRA has no alpha: hira_B carries alpha / r, so PEFT computes the same update. */
  peftState(): Record<string, tf.Tensor> {
    return { [HIRA_KEYS.a]: tf.clone(this.a), [HIRA_KEYS.b]: tf.mul(this.b, this.spec.scale) };
  }
}

/** HiRA as a modulated update: one term covering W, anchored on W itself (shared with HiRADense). */
export function hiraSpec(weight: tf.Tensor2D, scale: number): ModulatedSpec {
  const [out, inn] = weight.shape;
  const term = { index: 0, rowStart: 0, rowEnd: out, colStart: 0, colEnd: inn, anchor: weight };
  return { out, in: inn, layout: 'full', rowBounds: [0, out], colBounds: [0, inn], terms: [term], scale };
}
