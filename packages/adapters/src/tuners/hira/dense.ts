import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import { AdapterDense, type AdapterDenseArgs } from '../shared/adapter-dense';
import { modulatedDelta, modulatedForward } from '../shared/modulated';
import { hiraSpec } from './layer';

export type HiRADenseArgs = AdapterDenseArgs;

/** tfjs-layers Dense with HiRA: dW = (alpha / r) (B A) * W for the frozen W = kernel^T. */
export class HiRADense extends AdapterDense {
  static readonly className = 'HiRADense';
  private a?: LayerVariable;
  private b?: LayerVariable;

  constructor(args: HiRADenseArgs) {
    super(args, 'HiRADense');
  }

  protected buildAdapter(inDim: number): void {
    this.a = this.addA('lora_A', this.r, inDim);
    this.b = this.addB('lora_B', this.units, this.r);
  }

  protected adaptedOutput(x2: tf.Tensor2D, dropped: tf.Tensor2D | undefined, weight: tf.Tensor2D): tf.Tensor2D {
    return modulatedForward(hiraSpec(weight, this.alpha / this.r), weight, x2, dropped, [this.a!.read() as tf.Tensor2D], [this.b!.read() as tf.Tensor2D]);
  }

  deltaWeight(weight: tf.Tensor2D): tf.Tensor2D {
    return modulatedDelta(hiraSpec(weight, this.alpha / this.r), [this.a!.read() as tf.Tensor2D], [this.b!.read() as tf.Tensor2D]);
  }
}

tf.serialization.registerClass(HiRADense);
