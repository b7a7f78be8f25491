import * as tf from '@tensorflow/tfjs-core';
import { spectralFactors } from '../../spectral/factors';
import { BaseAdapterLayer, type BaseLayerOptions } from '../shared/base-layer';
import { kaimingUniform } from '../shared/init';
import { loraDelta, loraUpdate } from '../shared/low-rank';
import { pissaAsLoraFactors } from '../../checkpoint/pissa-as-lora';
import type { BaseWeights, PeftStateOptions } from '../types';
import type { ResolvedLoRAConfig } from './config';

/** What LoRA-shaped methods (LoRA, DoRA) share. */
export interface LoRAFamilyConfig {
  method: string;
  r: number;
  alpha: number;
  dropout: number;
  rslora: boolean;
  init?: 'default' | 'gaussian' | 'pissa';
}

/** LoRA: dW = s B A with s = alpha / r (alpha / sqrt(r) for rsLoRA). */
export class LoRALayer<C extends LoRAFamilyConfig = ResolvedLoRAConfig> extends BaseAdapterLayer<C> {
  protected readonly a: tf.Variable<tf.Rank.R2>;
  protected readonly b: tf.Variable<tf.Rank.R2>;
  protected readonly scale: number;
  /** PiSSA replaces the frozen weight by its residual W - s B0 A0. */
  private readonly residual?: tf.Tensor2D;
  /** PiSSA's initial factors A0, B0, kept to write PEFT's converted form (pissaAsLora). */
  private readonly initial?: { a: tf.Tensor2D; b: tf.Tensor2D };

  constructor(config: C, base: BaseWeights, options: BaseLayerOptions = {}) {
    const values = base.weight.dataSync();
    super(config, base, { ...options, weightValues: values });
    const { r } = config;
    this.scale = config.rslora ? config.alpha / Math.sqrt(r) : config.alpha / r;
    if (config.init === 'pissa') {
      const [a, b] = pissaFactors(values, this.outFeatures, this.inFeatures, r, this.scale);
      this.initial = { a: this.keep(tf.clone(a)), b: this.keep(tf.clone(b)) };
      this.a = this.addParam('lora_A.weight', a);
      this.b = this.addParam('lora_B.weight', b);
      this.residual = this.keep(tf.tidy(() => tf.sub(this.weight, tf.mul(tf.matMul(this.b, this.a), this.scale)) as tf.Tensor2D));
    } else {
      const seed = this.initSeeds();
      const a = config.init === 'gaussian' ? tf.randomNormal<tf.Rank.R2>([r, this.inFeatures], 0, 1 / r, 'float32', seed) : kaimingUniform(r, this.inFeatures, seed);
      this.a = this.addParam('lora_A.weight', a);
      this.b = this.addParam('lora_B.weight', tf.zeros<tf.Rank.R2>([this.outFeatures, r]));
    }
  }

  /**
   * With pissaAsLora, a PiSSA adapter as PEFT writes it after conversion: lora_A = [A; A0],
   * lora_B = [B, -B0], a rank-2r LoRA on the original weight (see checkpoint/pissa-as-lora.ts).
   */
  peftState(options: PeftStateOptions): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(this.state())) out[k] = tf.clone(v);
    if (options.pissaAsLora && this.initial) {
      tf.dispose([out['lora_A.weight'], out['lora_B.weight']]);
      const { a, b } = pissaAsLoraFactors(this.a, this.b, this.initial.a, this.initial.b);
      Object.assign(out, { 'lora_A.weight': a, 'lora_B.weight': b });
    }
    return out;
  }

  protected override get baseWeight(): tf.Tensor2D {
    return this.residual ?? this.weight;
  }

  protected update(x: tf.Tensor2D): tf.Tensor2D {
    return loraUpdate(x, this.a, this.b, this.scale);
  }

  protected forward(x2: tf.Tensor2D, dropped: tf.Tensor2D | undefined): tf.Tensor2D {
    return tf.add(this.baseOutput(x2), this.update(dropped ?? x2));
  }

  deltaWeight(): tf.Tensor2D {
    // Relative to the caller's W: for PiSSA that includes the residual swap.
    return tf.tidy(() => {
      const d = loraDelta(this.a, this.b, this.scale);
      return this.residual ? tf.add(d, tf.sub(this.residual, this.weight)) : d;
    });
  }
}

/**
 * PiSSA: A = sqrt(S_r / s) V_r^T, B = U_r sqrt(S_r / s), so s B A is W's best rank-r part (PEFT's
 * pissa_init). Singular triplets come from the float64 eigensolver.
 */
function pissaFactors(values: ArrayLike<number>, out: number, inn: number, r: number, scale: number): [tf.Tensor2D, tf.Tensor2D] {
  const f = spectralFactors(values, out, inn);
  if (r > f.q) throw new Error(`LoRA adapter: PiSSA needs r <= min(out, in) = ${f.q}, got r = ${r}`);
  const a = new Float32Array(r * inn);
  const b = new Float32Array(out * r);
  for (let j = 0; j < r; j++) {
    const s = f.s[j];
    const root = Math.sqrt(s / scale);
    // One side is unit, the other carries s: divide it out (a zero singular value leaves a zero pair).
    for (let i = 0; i < inn; i++) {
      const v = f.unitSide === 'v' ? f.unit[j * inn + i] : s > 0 ? f.vScaled[j * inn + i] / s : 0;
      a[j * inn + i] = root * v;
    }
    for (let i = 0; i < out; i++) {
      const u = f.unitSide === 'u' ? f.unit[j * out + i] : s > 0 ? f.uScaled[j * out + i] / s : 0;
      b[i * r + j] = root * u;
    }
  }
  return [tf.tensor2d(a, [r, inn]), tf.tensor2d(b, [out, r])];
}
