import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import { spectralOrdersOf } from '../../spectral';
import { AdapterDense, type AdapterDenseArgs } from '../shared/adapter-dense';
import { bounds } from '../shared/blocks';
import { modulatedDelta, modulatedForward, type ModulatedSpec } from '../shared/modulated';
import { checkNumBlocks, resolveBranchRanks } from '../shared/validate';
import { checkOrder } from './checkpoint';
import { blockModulation } from './partition';

export interface SMoADenseArgs extends AdapterDenseArgs {
  numBlocks?: number;
  branchRanks?: number[];
  /** Spectral row / column orders of W = kernel^T; computed from the kernel when absent. */
  rowOrder?: number[];
  colOrder?: number[];
}

const WHERE = 'SMoADense';

/**
 * tfjs-layers Dense with SMoA spectral blocks. The block orders are part of the layer config, so a
 * saved model reloads with exactly the blocks it was trained with.
 */
export class SMoADense extends AdapterDense {
  static readonly className = 'SMoADense';
  readonly numBlocks: number;
  private branchRanks?: number[];
  private rowOrder?: Int32Array;
  private colOrder?: Int32Array;
  private readonly as: LayerVariable[] = [];
  private readonly bs: LayerVariable[] = [];
  /** Anchors depend on the frozen kernel; rebuilt when its value is replaced (e.g. by loading). */
  private cache?: { kernelData: object; spec: ModulatedSpec; tensors: tf.Tensor[] };

  constructor(args: SMoADenseArgs) {
    super(args, WHERE);
    this.numBlocks = args.numBlocks ?? 2;
    this.branchRanks = args.branchRanks;
    if (args.rowOrder) this.rowOrder = checkOrder(WHERE, 'rowOrder', args.rowOrder, this.units);
    if (args.colOrder) this.colOrder = Int32Array.from(args.colOrder);
  }

  protected buildAdapter(inDim: number): void {
    const K = checkNumBlocks(WHERE, this.numBlocks, this.units, inDim);
    this.branchRanks = resolveBranchRanks(WHERE, this.r, K, this.branchRanks);
    if (this.colOrder) checkOrder(WHERE, 'colOrder', this.colOrder, inDim);
    if (!this.rowOrder || !this.colOrder) {
      const w = tf.tidy(() => tf.transpose(this.kernel!.read()).dataSync());
      const orders = spectralOrdersOf(w, this.units, inDim);
      this.rowOrder = orders.rowOrder;
      this.colOrder = orders.colOrder;
    }
    const rb = bounds(this.units, K);
    const cb = bounds(inDim, K);
    this.branchRanks.forEach((rk, k) => {
      if (rk === 0) return;
      this.as.push(this.addA(`lora_A.${k}`, rk, cb[k + 1] - cb[k]));
      this.bs.push(this.addB(`lora_B.${k}`, rb[k + 1] - rb[k], rk));
    });
  }

  private spec(weight: tf.Tensor2D): ModulatedSpec {
    const kernelData = (this.kernel!.read() as unknown as { dataId: object }).dataId;
    if (this.cache?.kernelData === kernelData) return this.cache.spec;
    this.dropCache();
    const [out, inn] = weight.shape;
    const K = this.branchRanks!.length;
    const { spec, tensors } = blockModulation(weight, { rowOrder: this.rowOrder!, colOrder: this.colOrder! }, bounds(out, K), bounds(inn, K), this.branchRanks!, this.alpha / this.r);
    for (const t of tensors) tf.keep(t);
    this.cache = { kernelData, spec, tensors };
    return spec;
  }

  protected adaptedOutput(x2: tf.Tensor2D, dropped: tf.Tensor2D | undefined, weight: tf.Tensor2D): tf.Tensor2D {
    const as = this.as.map((v) => v.read() as tf.Tensor2D);
    const bs = this.bs.map((v) => v.read() as tf.Tensor2D);
    return modulatedForward(this.spec(weight), weight, x2, dropped, as, bs);
  }

  deltaWeight(weight: tf.Tensor2D): tf.Tensor2D {
    const as = this.as.map((v) => v.read() as tf.Tensor2D);
    const bs = this.bs.map((v) => v.read() as tf.Tensor2D);
    if (as.length === 0) return tf.zeros([this.units, weight.shape[1]]);
    return modulatedDelta(this.spec(weight), as, bs);
  }

  private dropCache(): void {
    if (this.cache) for (const t of this.cache.tensors) t.dispose();
    this.cache = undefined;
  }

  override dispose() {
    this.dropCache();
    return super.dispose();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numBlocks: this.numBlocks,
      branchRanks: this.branchRanks ?? null,
      rowOrder: this.rowOrder ? Array.from(this.rowOrder) : null,
      colOrder: this.colOrder ? Array.from(this.colOrder) : null,
    };
  }
}

tf.serialization.registerClass(SMoADense);
