import * as tf from '@tensorflow/tfjs-core';
import { matMulWeightT, replayableDraw } from '@smoa/core';
import type { AdapterLayer, BaseWeights, CreateAdapterOptions, ModuleExtras, WeightSlot } from '../types';
import { seedStream, type SeedStream } from './init';
import { checkBaseWeight } from './validate';

/** What a layer is built from besides its config and base weights. */
export interface BaseLayerOptions extends Pick<CreateAdapterOptions, 'seed'> {
  /** The base weight's values when the subclass has read them already (checked once here). */
  weightValues?: ArrayLike<number>;
}

/** A merge in force: where it wrote and what it replaced. */
interface ActiveMerge {
  slot: WeightSlot;
  previous: tf.Tensor2D;
}

/**
 * What every method shares: the frozen base, the enabled / training / merged switches, PEFT-keyed
 * state, seeded initialisation and dropout, and merging by swapping a merged weight into a slot
 * (unmerge restores the original exactly instead of subtracting, so a merge/unmerge cycle cannot drift).
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
  /** Seeds for the initial factors, drawn in creation order. */
  protected readonly initSeeds: SeedStream;
  private dropoutSeeds: SeedStream = () => undefined;
  private seedOfDropout?: number;
  private active?: ActiveMerge;

  constructor(
    readonly config: Readonly<C>,
    base: BaseWeights,
    options: BaseLayerOptions = {},
  ) {
    const where = `${config.method} adapter`;
    this.initSeeds = seedStream(where, options.seed);
    checkBaseWeight(where, options.weightValues ?? base.weight.dataSync(), base.weight.shape);
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
    return this.active !== undefined;
  }

  get dropoutSeed(): number | undefined {
    return this.seedOfDropout;
  }

  set dropoutSeed(seed: number | undefined) {
    this.dropoutSeeds = seedStream(`${this.method} adapter (dropout)`, seed);
    this.seedOfDropout = seed;
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
    if (!this.training || this.config.dropout <= 0) return undefined;
    // Through replayableDraw: an activation-checkpointed recompute gets the same mask.
    return tf.dropout(x2, this.config.dropout, undefined, replayableDraw(this.dropoutSeeds)) as tf.Tensor2D;
  }

  apply(x: tf.Tensor): tf.Tensor {
    if (x.shape[x.rank - 1] !== this.inFeatures) {
      throw new Error(`${this.method} adapter: input's last dimension must be ${this.inFeatures}, got shape [${x.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      const x2 = tf.reshape(x, [-1, this.inFeatures]) as tf.Tensor2D;
      let y: tf.Tensor2D;
      if (this.active) y = this.baseOutput(x2, this.active.slot.weight);
      else if (!this.enabled) y = this.baseOutput(x2, this.weight);
      else y = this.forward(x2, this.dropInput(x2));
      return tf.reshape(y, [...x.shape.slice(0, -1), this.outFeatures]);
    });
  }

  mergedWeight(current: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(current, this.deltaWeight()));
  }

  merge(slot: WeightSlot = { weight: this.weight }): void {
    if (this.active) throw new Error(`${this.method} adapter: already merged`);
    const previous = slot.weight;
    slot.weight = this.mergedWeight(previous);
    this.active = { slot, previous };
  }

  unmerge(): void {
    const merged = this.endMerge();
    merged.slot.weight.dispose();
    merged.slot.weight = merged.previous;
  }

  detachMerge(): tf.Tensor2D {
    return this.endMerge().previous;
  }

  private endMerge(): ActiveMerge {
    if (!this.active) throw new Error(`${this.method} adapter: not merged`);
    const merged = this.active;
    this.active = undefined;
    return merged;
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
    // tf.cast returns a new tensor even for float32 input: tidy frees it (it leaked one per tensor loaded).
    tf.tidy(() => {
      for (const [key, v] of this.params) v.assign(tf.cast(record[key], 'float32'));
    });
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
    if (this.active) this.unmerge();
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
    for (const t of this.owned) t.dispose();
    this.owned.length = 0;
  }
}
