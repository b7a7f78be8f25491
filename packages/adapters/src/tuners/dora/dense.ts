import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable } from '@tensorflow/tfjs-layers';
import { LoRADense, type LoRADenseArgs } from '../lora/dense';
import { doraDelta, doraForward, rowNorm, type DoRAParts } from './layer';

export type DoRADenseArgs = LoRADenseArgs;

/**
 * tfjs-layers Dense with DoRA: W' = m * (W + s B A) / ||W + s B A|| per output (W = kernel^T), the
 * magnitude m trainable and set to ||W|| when the base kernel is set, so the layer starts as the Dense.
 */
export class DoRADense extends LoRADense {
  static override readonly className: string = 'DoRADense';
  private magnitude?: LayerVariable;

  constructor(args: DoRADenseArgs) {
    super(args, 'DoRADense');
  }

  protected override buildAdapter(inDim: number): void {
    super.buildAdapter(inDim);
    this.magnitude = this.addWeight('lora_magnitude_vector', [this.units], 'float32', initializers.ones(), undefined, true);
    this.baseChanged();
  }

  protected override baseChanged(): void {
    if (!this.magnitude) return;
    this.magnitude.write(tf.tidy(() => rowNorm(this.frozenWeight())));
  }

  private parts(weight: tf.Tensor2D): DoRAParts {
    return { weight, a: this.a!.read(), b: this.b!.read(), magnitude: this.magnitude!.read(), scale: this.scale };
  }

  protected override adaptedOutput(x2: tf.Tensor2D, dropped: tf.Tensor2D | undefined, weight: tf.Tensor2D): tf.Tensor2D {
    return doraForward(this.parts(weight), x2, dropped);
  }

  override deltaWeight(weight: tf.Tensor2D = this.frozenWeight()): tf.Tensor2D {
    return doraDelta(this.parts(weight));
  }
}

tf.serialization.registerClass(DoRADense);
