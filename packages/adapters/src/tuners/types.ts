import type * as tf from '@tensorflow/tfjs-core';

/** The frozen projection an adapter attaches to: W [out, in] in the PyTorch layout, y = x W^T + b. */
export interface BaseWeights {
  weight: tf.Tensor2D;
  bias?: tf.Tensor1D;
}

/** Settings every method shares. */
export interface CommonAdapterOptions {
  /** Total rank budget. */
  r: number;
  /** Scaling numerator; defaults to r. */
  alpha?: number;
  /** Dropout on the adapter's input while training, in [0, 1). */
  dropout?: number;
}

/** How serializeAdapter writes a layer's state. */
export interface PeftStateOptions {
  /** Write a PiSSA adapter as PEFT's converted LoRA (rank 2r, on the original weight). */
  pissaAsLora?: boolean;
}

/** Per-module data a method needs to rebuild a layer exactly (saved beside the weights). */
export type ModuleExtras = Record<string, unknown>;

/** How a layer is built besides its config and base weights. */
export interface CreateAdapterOptions {
  /** Seeds the layer's initialisation (same seed, same factors); unseeded when absent. */
  seed?: number;
  /** Saved per-module data (SMoA block orders) that replaces recomputation. */
  extras?: ModuleExtras;
}

/** Where a merge writes its weight: a `Linear` of @smoa/core, or the layer's own slot. */
export interface WeightSlot {
  weight: tf.Tensor2D;
}

/**
 * One adapter attached to one linear projection. apply(x) is x (W + dW)^T + b for x [..., in];
 * state() keys are relative to the module and named as PEFT names them.
 */
export interface AdapterLayer {
  readonly method: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** When false, apply() is the base projection alone. */
  enabled: boolean;
  /** Dropout is active only while training. */
  training: boolean;
  /**
   * Seeds the dropout masks: setting it restarts a fixed sequence of masks (one per forward pass), so a
   * training run with dropout repeats. undefined: unseeded masks.
   */
  dropoutSeed: number | undefined;
  readonly merged: boolean;
  apply(x: tf.Tensor): tf.Tensor;
  /** The scaled update dW [out, in] (a new tensor the caller disposes). */
  deltaWeight(): tf.Tensor2D;
  /** The weight that replaces `current` when this adapter is merged into it (a new tensor). */
  mergedWeight(current: tf.Tensor2D): tf.Tensor2D;
  /**
   * Folds the update into `slot.weight` (default: the layer's own base), keeping the weight it replaced
   * so unmerge() restores it exactly. While merged, apply() multiplies by the merged weight alone.
   * AdapterModel.merge passes each projection's Linear as the slot.
   */
  merge(slot?: WeightSlot): void;
  /** Puts the replaced weight back into the slot and releases the merged one. */
  unmerge(): void;
  /** Ends a merge for good: the slot keeps the merged weight and the replaced weight is returned to the caller. */
  detachMerge(): tf.Tensor2D;
  readonly trainableVariables: tf.Variable[];
  readonly numTrainableParams: number;
  /** The adapter's variables by PEFT key (the live variables, not copies). */
  state(): Record<string, tf.Tensor>;
  /** Assigns every key; missing, extra or mis-shaped keys are an error naming the key. */
  loadState(record: Record<string, tf.Tensor>): void;
  /** Data beyond the weights that a saved adapter needs to be rebuilt exactly (SMoA block orders). */
  extras(): ModuleExtras | undefined;
  /**
   * The state as PEFT files hold it, when it differs from state() (HiRA folds its alpha / r into hira_B;
   * a PiSSA LoRA converted for the original weight). New tensors the caller disposes.
   */
  peftState?(options: PeftStateOptions): Record<string, tf.Tensor>;
  dispose(): void;
}

/**
 * One method, as the registry knows it: adding a method means writing one of these in its own folder
 * and listing it in registry.ts.
 */
export interface Tuner<C extends { method: string }> {
  readonly method: C['method'];
  /** peft_type written to adapter_config.json. */
  readonly peftType: string;
  /** The config keys this method accepts in code besides `method` (unknown keys are errors). */
  readonly keys: readonly string[];
  /** Whether a parsed adapter_config.json with this tuner's peft_type belongs to it (LoRA vs DoRA). */
  claims(peft: Record<string, unknown>): boolean;
  /** Checks a user config (errors name the field) and fills the defaults. */
  resolve(config: C): C;
  /** Builds the layer; `options.extras` come from a saved adapter and replace recomputation. */
  create(config: C, base: BaseWeights, options?: CreateAdapterOptions): AdapterLayer;
  /** Method-specific adapter_config.json fields (snake_case). */
  toPeft(config: C): Record<string, unknown>;
  /** Reads the method's fields back; `used` collects the keys it understood. */
  fromPeft(peft: Record<string, unknown>, used: Set<string>): C;
}
