import * as tf from '@tensorflow/tfjs-core';
import { matMulWeightT } from '@smoa/core';
import type { AdapterLayer, BaseWeights, ModuleExtras } from '../types';
import { checkBaseWeight } from './validate';

/**
 * What every method shares: the frozen base, the enabled / training / merged switches, PEFT-keyed
 * state, and merging by swapping in a merged weight (unmerge restores the original exactly instead of
 * subtracting, so a merge/unmerge cycle cannot drift).
 */
export abstract class BaseAdapterLayer<C extends { method: string; dropout: number }> implements AdapterLayer {
  enabled = true;
  training = false;
  readonly inFeatures: number;
  readonly outFeatures: number;
  protected readonly weight: tf.Tensor2D;
  protected readonly bias?: tf.Tensor1D;
  /** Frozen tensors this layer created and must dispose (anchors, permutations, ...). */
  protected readonly owned: tf.Tensor[] = [];
  protected readonly params = new Map<string, tf.Variable>();
  private mergedW?: tf.Tensor2D;

  constructor(
    readonly config: Readonly<C>,
    base: BaseWeights,
    /** Checked once when the weight values are already read for preprocessing. */
    weightValues?: ArrayLike<number>,
  ) {
    const where = `${config.method} adapter`;
    checkBaseWeight(where, weightValues ?? base.weight.dataSync(), base.weight.shape);
    this.weight = base.weight;
    this.bias = base.bias;
    [this.outFeatures, this.inFeatures] = base.weight.shape;
    if (this.bias && (this.bias.rank !== 1 || this.bias.shape[0] !== this.outFeatures)) {
      throw new Error(`${where}: base "bias" must have shape [${this.outFeatures}], got [${this.bias.shape.join(', ')}]`);
    }
  }

  get method(): string {
    return this.config.method;
  }

  get merged(): boolean {
    return this.mergedW !== undefined;
  }

  /** x2 [N, in] -> full output [N, out] with the update (not merged, enabled). */
  protected abstract forward(x2: tf.Tensor2D, dropped: tf.Tensor2D | undefined): tf.Tensor2D;

  abstract deltaWeight(): tf.Tensor2D;

  /** Weight the base path multiplies by (a PiSSA layer swaps in its residual). */
  protected get baseWeight(): tf.Tensor2D {
    return this.weight;
  }

  protected baseOutput(x2: tf.Tensor2D, weight: tf.Tensor2D = this.baseWeight): tf.Tensor2D {
    const y = matMulWeightT(x2, weight);
    return this.bias ? (tf.add(y, this.bias) as tf.Tensor2D) : y;
  }

  /** Dropout of the adapter input, or undefined when it is the identity (eval, or p = 0). */
  protected dropInput(x2: tf.Tensor2D): tf.Tensor2D | undefined {
    return this.training && this.config.dropout > 0 ? (tf.dropout(x2, this.config.dropout) as tf.Tensor2D) : undefined;
  }

  apply(x: tf.Tensor): tf.Tensor {
    if (x.shape[x.rank - 1] !== this.inFeatures) {
      throw new Error(`${this.method} adapter: input's last dimension must be ${this.inFeatures}, got shape [${x.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      const x2 = tf.reshape(x, [-1, this.inFeatures]) as tf.Tensor2D;
      let y: tf.Tensor2D;
      if (this.mergedW) y = this.baseOutput(x2, this.mergedW);
      else if (!this.enabled) y = this.baseOutput(x2, this.weight);
      else y = this.forward(x2, this.dropInput(x2));
      return tf.reshape(y, [...x.shape.slice(0, -1), this.outFeatures]);
    });
  }

  mergedWeight(current: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(current, this.deltaWeight()));
  }

  merge(): void {
    if (this.mergedW) throw new Error(`${this.method} adapter: already merged`);
    this.mergedW = this.mergedWeight(this.weight);
  }

  unmerge(): void {
    if (!this.mergedW) throw new Error(`${this.method} adapter: not merged`);
    this.mergedW.dispose();
    this.mergedW = undefined;
  }

  get trainableVariables(): tf.Variable[] {
    return [...this.params.values()];
  }

  get numTrainableParams(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  state(): Record<string, tf.Tensor> {
    return Object.fromEntries(this.params);
  }

  loadState(record: Record<string, tf.Tensor>): void {
    const where = `${this.method} adapter`;
    const missing = [...this.params.keys()].filter((k) => !(k in record));
    if (missing.length) throw new Error(`${where}: state is missing ${missing.map((k) => `"${k}"`).join(', ')}`);
    const extra = Object.keys(record).filter((k) => !this.params.has(k));
    if (extra.length) {
      throw new Error(`${where}: state has unexpected ${extra.map((k) => `"${k}"`).join(', ')}; expected ${[...this.params.keys()].map((k) => `"${k}"`).join(', ')}`);
    }
    for (const [key, v] of this.params) {
      const t = record[key];
      if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
        throw new Error(`${where}: state "${key}" has shape [${t.shape.join(', ')}], expected [${v.shape.join(', ')}]`);
      }
    }
    for (const [key, v] of this.params) v.assign(tf.cast(record[key], 'float32'));
  }

  extras(): ModuleExtras | undefined {
    return undefined;
  }

  /** Registers a trainable variable under its PEFT key. */
  protected addParam<R extends tf.Rank>(key: string, init: tf.Tensor<R>): tf.Variable<R> {
    const v = tf.variable(init, true);
    init.dispose();
    this.params.set(key, v);
    return v;
  }

  /** Keeps a frozen tensor for the layer's lifetime. */
  protected keep<T extends tf.Tensor>(t: T): T {
    tf.keep(t);
    this.owned.push(t);
    return t;
  }

  dispose(): void {
    this.mergedW?.dispose();
    this.mergedW = undefined;
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
    for (const t of this.owned) t.dispose();
    this.owned.length = 0;
  }
}

/** PyTorch's kaiming_uniform_(a=sqrt(5)) for a [rows, fanIn] matrix: uniform(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
let initSeed: number | undefined;

/**
 * Makes adapter initialisation repeatable, as torch.manual_seed before get_peft_model does in PEFT:
 * every factor created after this call draws from a sequence fixed by `seed`. `undefined` goes back
 * to unseeded initialisation.
 */
export function seedAdapterInit(seed: number | undefined): void {
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0)) {
    throw new Error(`seedAdapterInit: "seed" must be a non-negative integer, got ${JSON.stringify(seed)}`);
  }
  initSeed = seed;
}

/** Next seed of the sequence, or undefined when initialisation is unseeded. */
export function nextInitSeed(): number | undefined {
  if (initSeed === undefined) return undefined;
  initSeed = (Math.imul(initSeed, 1664525) + 1013904223) >>> 0;
  return initSeed;
}

export function kaimingUniform(rows: number, fanIn: number): tf.Tensor2D {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.randomUniform([rows, fanIn], -bound, bound, 'float32', nextInitSeed());
}
