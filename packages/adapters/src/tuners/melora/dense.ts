import * as tf from '@tensorflow/tfjs-core';
import { untransposedMatMul } from '@smoa/core';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import { AdapterDense, type AdapterDenseArgs } from '../shared/adapter-dense';
import { meloraBlocks, meloraDelta, meloraUpdate, type MELoRABlocks, type MiniLoRA } from './layer';

export interface MELoRADenseArgs extends AdapterDenseArgs {
  /** Number of mini LoRAs on the diagonal (required). */
  numBlocks: number;
}

/** tfjs-layers Dense with MELoRA: K mini LoRAs on the diagonal blocks of W = kernel^T. */
export class MELoRADense extends AdapterDense {
  static readonly className = 'MELoRADense';
  readonly numBlocks: number;
  private blocks?: MELoRABlocks;
  private readonly as: (LayerVariable | undefined)[] = [];
  private readonly bs: (LayerVariable | undefined)[] = [];

  constructor(args: MELoRADenseArgs) {
    super(args, 'MELoRADense');
    this.numBlocks = args.numBlocks;
  }

  protected buildAdapter(inDim: number): void {
    this.blocks = meloraBlocks('MELoRADense', { r: this.r, numBlocks: this.numBlocks }, this.units, inDim);
    const { rowBounds, colBounds, branchRanks } = this.blocks;
    branchRanks.forEach((rk, k) => {
      this.as.push(rk === 0 ? undefined : this.addA(`lora_A.${k}`, rk, colBounds[k + 1] - colBounds[k]));
      this.bs.push(rk === 0 ? undefined : this.addB(`lora_B.${k}`, rowBounds[k + 1] - rowBounds[k], rk));
    });
  }

  private factors(): MiniLoRA[] {
    return this.blocks!.branchRanks.map((rk, k) => (rk === 0 ? undefined : { a: this.as[k]!.read(), b: this.bs[k]!.read(), scale: this.alpha / rk }));
  }

  protected adaptedOutput(x2: tf.Tensor2D, dropped: tf.Tensor2D | undefined, weight: tf.Tensor2D): tf.Tensor2D {
    return tf.add(untransposedMatMul(x2, weight, false, true), meloraUpdate(this.blocks!, this.factors(), dropped ?? x2));
  }

  deltaWeight(weight: tf.Tensor2D): tf.Tensor2D {
    return meloraDelta(this.blocks!, this.factors(), weight.shape[1]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numBlocks: this.numBlocks };
  }
}

tf.serialization.registerClass(MELoRADense);
