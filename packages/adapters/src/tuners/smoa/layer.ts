import * as tf from '@tensorflow/tfjs-core';
import { spectralFactors, type SpectralFactors } from '../../spectral/factors';
import { BaseAdapterLayer } from '../shared/base-layer';
import { bounds } from '../shared/blocks';
import { kaimingUniform } from '../shared/init';
import { modulatedDelta, modulatedForward, type ModulatedSpec } from '../shared/modulated';
import { checkNumBlocks, resolveBranchRanks } from '../shared/validate';
import type { BaseWeights, CreateAdapterOptions, ModuleExtras } from '../types';
import { ordersFromExtras, ordersToExtras, type BlockOrders } from './checkpoint';
import type { ResolvedSMoAConfig } from './config';
import { blockModulation, energyGroups, spectralOrders } from './partition';

export interface SMoABlock {
  /** Rows of W in this block, in score order. */
  rows: Int32Array;
  /** Columns of W in this block, in score order. */
  cols: Int32Array;
}

const WHERE = 'SMoA adapter';

/**
 * SMoA on one projection. 'blocks': K spectral blocks of W (rows and columns ordered by their
 * energy-weighted mean singular index, split into K chunks, chunk k of rows paired with chunk k of
 * columns), each with its own low-rank factor modulating the frozen anchor W[R_k, C_k].
 * 'subspaces': K full-size branches modulating the spectral pieces M_k of W.
 */
export class SMoALayer extends BaseAdapterLayer<ResolvedSMoAConfig> {
  readonly blocks: SMoABlock[];
  readonly branchRanks: number[];
  private readonly spec: ModulatedSpec;
  private readonly as: tf.Variable<tf.Rank.R2>[] = [];
  private readonly bs: tf.Variable<tf.Rank.R2>[] = [];
  private readonly orders?: BlockOrders;

  constructor(config: ResolvedSMoAConfig, base: BaseWeights, options: CreateAdapterOptions = {}) {
    const values = base.weight.dataSync();
    super(config, base, { seed: options.seed, weightValues: values });
    const extras = options.extras;
    const [out, inn] = [this.outFeatures, this.inFeatures];
    const K = checkNumBlocks(WHERE, config.numBlocks, out, inn);
    this.branchRanks = resolveBranchRanks(WHERE, config.r, K, config.branchRanks);
    const scale = config.alpha / config.r;
    if (config.partition === 'blocks') {
      this.orders = extras ? ordersFromExtras(WHERE, extras, out, inn) : spectralOrders(spectralFactors(values, out, inn));
      const rb = bounds(out, K);
      const cb = bounds(inn, K);
      this.blocks = rb.slice(0, K).map((_, k) => ({
        rows: this.orders!.rowOrder.slice(rb[k], rb[k + 1]),
        cols: this.orders!.colOrder.slice(cb[k], cb[k + 1]),
      }));
      this.spec = this.blockSpec(rb, cb, scale);
    } else {
      const f = spectralFactors(values, out, inn);
      this.blocks = [];
      this.spec = this.subspaceSpec(f, K, scale);
    }
  }

  private blockSpec(rb: number[], cb: number[], scale: number): ModulatedSpec {
    const { spec, tensors } = blockModulation(this.weight, this.orders!, rb, cb, this.branchRanks, scale);
    for (const t of tensors) this.keep(t);
    this.branchRanks.forEach((rk, k) => {
      if (rk === 0) return;
      this.as.push(this.addParam(`lora_A.${k}.weight`, kaimingUniform(rk, cb[k + 1] - cb[k], this.initSeeds())));
      this.bs.push(this.addParam(`lora_B.${k}.weight`, tf.zeros<tf.Rank.R2>([rb[k + 1] - rb[k], rk])));
    });
    return spec;
  }

  private subspaceSpec(f: SpectralFactors, K: number, scale: number): ModulatedSpec {
    const groups = energyGroups(f, K);
    const terms: ModulatedSpec['terms'] = [];
    const [out, inn] = [this.outFeatures, this.inFeatures];
    this.branchRanks.forEach((rk, k) => {
      if (rk === 0) return;
      const anchor = this.keep(spectralPiece(f, groups[k], groups[k + 1]));
      terms.push({ index: k, rowStart: 0, rowEnd: out, colStart: 0, colEnd: inn, anchor });
      this.as.push(this.addParam(`lora_A.${k}.weight`, kaimingUniform(rk, inn, this.initSeeds())));
      this.bs.push(this.addParam(`lora_B.${k}.weight`, tf.zeros<tf.Rank.R2>([out, rk])));
    });
    return { out, in: inn, layout: 'full', rowBounds: [0, out], colBounds: [0, inn], terms, scale };
  }

  protected forward(x2: tf.Tensor2D, dropped: tf.Tensor2D | undefined): tf.Tensor2D {
    const y = modulatedForward(this.spec, this.weight, x2, dropped, this.as, this.bs);
    return this.bias ? (tf.add(y, this.bias) as tf.Tensor2D) : y;
  }

  deltaWeight(): tf.Tensor2D {
    if (this.as.length === 0) return tf.zeros([this.outFeatures, this.inFeatures]);
    return modulatedDelta(this.spec, this.as, this.bs);
  }

  override extras(): ModuleExtras | undefined {
    return this.orders ? ordersToExtras(this.orders) : undefined;
  }
}

/** M = sum_{j in [lo, hi)} s_j u_j v_j^T, one side taken orthonormal and the other pre-scaled by s. */
function spectralPiece(f: SpectralFactors, lo: number, hi: number): tf.Tensor2D {
  const rows = (m: Float64Array, n: number) => tf.tensor2d(Float32Array.from(m.subarray(lo * n, hi * n)), [hi - lo, n]);
  return tf.tidy(() => {
    const u = f.unitSide === 'u' ? rows(f.unit, f.out) : rows(f.uScaled, f.out);
    const v = f.unitSide === 'u' ? rows(f.vScaled, f.in) : rows(f.unit, f.in);
    return tf.matMul(u, v, true, false);
  });
}
