import * as tf from '@tensorflow/tfjs-core';
import { untransposedMatMul } from '@smoa/core';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import { AdapterDense, type AdapterDenseArgs } from '../shared/adapter-dense';
import { loraDelta, loraUpdate } from '../shared/low-rank';

export interface LoRADenseArgs extends AdapterDenseArgs {
  rslora?: boolean;
}

/** tfjs-layers Dense with a LoRA update: y = x K + b + s (x A^T) B^T (K = W^T is frozen). */
export class LoRADense extends AdapterDense {
  static readonly className: string = 'LoRADense';
  readonly rslora: boolean;
  protected a?: LayerVariable;
  protected b?: LayerVariable;

  constructor(args: LoRADenseArgs, where = 'LoRADense') {
    super(args, where);
    this.rslora = args.rslora ?? false;
  }

  protected get scale(): number {
    return this.rslora ? this.alpha / Math.sqrt(this.r) : this.alpha / this.r;
  }

  protected buildAdapter(inDim: number): void {
    this.a = this.addA('lora_A', this.r, inDim);
    this.b = this.addB('lora_B', this.units, this.r);
  }

  protected adaptedOutput(x2: tf.Tensor2D, dropped: tf.Tensor2D | undefined, weight: tf.Tensor2D): tf.Tensor2D {
    const update = loraUpdate(dropped ?? x2, this.a!.read(), this.b!.read(), this.scale);
    // weight is this call's transpose of the kernel (gone before the backward pass), so the product that
    // saves its operands serves here rather than matMulFrozenT.
    return tf.add(untransposedMatMul(x2, weight, false, true), update);
  }

  deltaWeight(): tf.Tensor2D {
    return loraDelta(this.a!.read(), this.b!.read(), this.scale);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rslora: this.rslora };
  }
}

tf.serialization.registerClass(LoRADense);
