import * as tf from '@tensorflow/tfjs-core';
import { BaseAdapterLayer, type BaseLayerOptions } from '../shared/base-layer';
import { bounds } from '../shared/blocks';
import { kaimingUniform } from '../shared/init';
import { checkNumBlocks, resolveBranchRanks } from '../shared/validate';
import { loraDelta, loraUpdate } from '../shared/low-rank';
import type { BaseWeights } from '../types';
import type { ResolvedMELoRAConfig } from './config';

/** One mini LoRA of the diagonal (undefined for a block of rank 0). */
export type MiniLoRA = { a: tf.Tensor; b: tf.Tensor; scale: number } | undefined;

/** MELoRA's block layout: boundaries of the diagonal blocks and each block's rank. */
export interface MELoRABlocks {
  rowBounds: number[];
  colBounds: number[];
  branchRanks: number[];
}

/** The diagonal blocks of an [out, in] weight for a config (shared with MELoRADense). */
export function meloraBlocks(where: string, config: Pick<ResolvedMELoRAConfig, 'r' | 'numBlocks'>, out: number, inn: number): MELoRABlocks {
  const K = checkNumBlocks(where, config.numBlocks, out, inn);
  return { rowBounds: bounds(out, K), colBounds: bounds(inn, K), branchRanks: resolveBranchRanks(where, config.r, K, undefined) };
}

/** The update's output [N, out] for x [N, in]: each input block through its mini LoRA. */
export function meloraUpdate(blocks: MELoRABlocks, factors: MiniLoRA[], x: tf.Tensor2D): tf.Tensor2D {
  const { rowBounds, colBounds } = blocks;
  const xs = tf.split(x, colBounds.slice(1).map((b, k) => b - colBounds[k]), 1);
  const n = x.shape[0];
  const parts = factors.map((f, k) => (f ? loraUpdate(xs[k] as tf.Tensor2D, f.a, f.b, f.scale) : tf.zeros([n, rowBounds[k + 1] - rowBounds[k]])));
  return tf.concat(parts, 1) as tf.Tensor2D;
}

/** dW [out, in]: the mini LoRAs' products on the diagonal, zeros elsewhere. */
export function meloraDelta(blocks: MELoRABlocks, factors: MiniLoRA[], inn: number): tf.Tensor2D {
  const { rowBounds, colBounds } = blocks;
  return tf.tidy(() => {
    const rows = factors.map((f, k) => {
      const height = rowBounds[k + 1] - rowBounds[k];
      const left = colBounds[k];
      const width = colBounds[k + 1] - left;
      const block = f ? loraDelta(f.a, f.b, f.scale) : tf.zeros([height, width]);
      return tf.pad(block, [[0, 0], [left, inn - left - width]]);
    });
    return tf.concat(rows, 0) as tf.Tensor2D;
  });
}

/**
 * MELoRA: K mini LoRAs on the contiguous diagonal blocks of W in natural order (no permutation, no
 * anchor); block k has rank r_k (r split as evenly as possible) and scale alpha / r_k.
 */
export class MELoRALayer extends BaseAdapterLayer<ResolvedMELoRAConfig> {
  readonly branchRanks: number[];
  private readonly blocks: MELoRABlocks;
  private readonly factors: MiniLoRA[];

  constructor(config: ResolvedMELoRAConfig, base: BaseWeights, options: BaseLayerOptions = {}) {
    super(config, base, options);
    this.blocks = meloraBlocks('MELoRA adapter', config, this.outFeatures, this.inFeatures);
    this.branchRanks = this.blocks.branchRanks;
    const { rowBounds, colBounds } = this.blocks;
    this.factors = this.branchRanks.map((rk, k) => {
      if (rk === 0) return undefined;
      const rows = rowBounds[k + 1] - rowBounds[k];
      const cols = colBounds[k + 1] - colBounds[k];
      const a = this.addParam(`lora_A.${k}.weight`, kaimingUniform(rk, cols, this.initSeeds()));
      const b = this.addParam(`lora_B.${k}.weight`, tf.zeros<tf.Rank.R2>([rows, rk]));
      return { a, b, scale: config.alpha / rk };
    });
  }

  protected forward(x2: tf.Tensor2D, dropped: tf.Tensor2D | undefined): tf.Tensor2D {
    return tf.add(this.baseOutput(x2), meloraUpdate(this.blocks, this.factors, dropped ?? x2));
  }

  deltaWeight(): tf.Tensor2D {
    return meloraDelta(this.blocks, this.factors, this.inFeatures);
  }
}
