import * as tf from '@tensorflow/tfjs-core';
import { untransposedMatMul } from '@smoa/core';
import { bounds } from '../smoa/partition';
import { BaseAdapterLayer, kaimingUniform } from '../shared/base-layer';
import { optional, readCommonPeft } from '../shared/peft';
import { checkNumBlocks, checkPositiveInt, resolveBranchRanks, resolveCommon } from '../shared/validate';
import type { BaseWeights, CommonAdapterOptions, Tuner } from '../types';

export interface MELoRAConfig extends CommonAdapterOptions {
  method: 'melora';
  /** Number of mini LoRAs on the diagonal (required). */
  numBlocks: number;
}

type ResolvedMELoRAConfig = Required<MELoRAConfig>;

const WHERE = 'MELoRA config';

function resolve(c: MELoRAConfig): ResolvedMELoRAConfig {
  return { method: 'melora', ...resolveCommon(WHERE, c), numBlocks: checkPositiveInt(WHERE, 'numBlocks', c.numBlocks) };
}

/**
 * MELoRA: K mini LoRAs on the contiguous diagonal blocks of W in natural order (no permutation, no
 * anchor); block k has rank r_k (r split as evenly as possible) and scale alpha / r_k.
 */
export class MELoRALayer extends BaseAdapterLayer<ResolvedMELoRAConfig> {
  readonly branchRanks: number[];
  private readonly rowBounds: number[];
  private readonly colBounds: number[];
  private readonly factors: ({ a: tf.Variable<tf.Rank.R2>; b: tf.Variable<tf.Rank.R2>; scale: number } | undefined)[];

  constructor(config: ResolvedMELoRAConfig, base: BaseWeights) {
    super(config, base);
    const K = checkNumBlocks('MELoRA adapter', config.numBlocks, this.outFeatures, this.inFeatures);
    this.branchRanks = resolveBranchRanks('MELoRA adapter', config.r, K, undefined);
    this.rowBounds = bounds(this.outFeatures, K);
    this.colBounds = bounds(this.inFeatures, K);
    this.factors = this.branchRanks.map((rk, k) => {
      if (rk === 0) return undefined;
      const rows = this.rowBounds[k + 1] - this.rowBounds[k];
      const cols = this.colBounds[k + 1] - this.colBounds[k];
      const a = this.addParam(`lora_A.${k}.weight`, kaimingUniform(rk, cols));
      const b = this.addParam(`lora_B.${k}.weight`, tf.zeros<tf.Rank.R2>([rows, rk]));
      return { a, b, scale: config.alpha / rk };
    });
  }

  protected forward(x2: tf.Tensor2D, dropped: tf.Tensor2D | undefined): tf.Tensor2D {
    const xs = tf.split(dropped ?? x2, this.colBounds.slice(1).map((b, k) => b - this.colBounds[k]), 1);
    const n = x2.shape[0];
    const parts = this.factors.map((f, k) =>
      f ? tf.mul(untransposedMatMul(untransposedMatMul(xs[k] as tf.Tensor2D, f.a as tf.Tensor2D, false, true), f.b as tf.Tensor2D, false, true), f.scale) : tf.zeros([n, this.rowBounds[k + 1] - this.rowBounds[k]]),
    );
    return tf.add(this.baseOutput(x2), tf.concat(parts, 1));
  }

  deltaWeight(): tf.Tensor2D {
    return tf.tidy(() => {
      const rows = this.factors.map((f, k) => {
        const height = this.rowBounds[k + 1] - this.rowBounds[k];
        const left = this.colBounds[k];
        const width = this.colBounds[k + 1] - left;
        const block = f ? tf.mul(tf.matMul(f.b, f.a), f.scale) : tf.zeros([height, width]);
        return tf.pad(block, [[0, 0], [left, this.inFeatures - left - width]]);
      });
      return tf.concat(rows, 0) as tf.Tensor2D;
    });
  }
}

export const meloraTuner: Tuner<MELoRAConfig> = {
  method: 'melora',
  peftType: 'MELORA',
  claims: () => true,
  resolve,
  create: (config, base) => new MELoRALayer(resolve(config), base),
  toPeft: (config) => ({ num_blocks: config.numBlocks }),
  fromPeft: (p, used) => ({ method: 'melora', ...readCommonPeft(p, used), numBlocks: optional<number>(p, 'num_blocks', used) as number }),
};
