import * as tf from '@tensorflow/tfjs-core';
import { layers, initializers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import { seedStream, type SeedStream } from './init';
import { checkDropout, checkFinite, checkPositiveInt } from './validate';

type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;
type Kwargs = Record<string, unknown>;

export interface AdapterDenseArgs extends LayerArgs {
  units: number;
  useBias?: boolean;
  r: number;
  alpha?: number;
  dropout?: number;
  /** Seeds the adapter factors' initialisation (unseeded when absent). Not saved in the layer config. */
  seed?: number;
}

/**
 * A Dense projection (kernel [in, out], as tfjs stores it) whose kernel and bias are frozen and whose
 * output carries an adapter update. Only the adapter weights are trainable. Each method's subclass
 * (tuners/<method>/dense.ts) adds its weights in buildAdapter and reuses its method's math from
 * tuners/<method>/layer.ts: adaptedOutput for the forward pass, deltaWeight for merging.
 */
export abstract class AdapterDense extends layers.Layer {
  readonly units: number;
  readonly useBias: boolean;
  readonly r: number;
  readonly alpha: number;
  readonly dropout: number;
  protected kernel?: LayerVariable;
  protected bias?: LayerVariable;
  private readonly initSeeds: SeedStream;
  private dropoutSeeds: SeedStream = () => undefined;
  private seedOfDropout?: number;
  private held?: { source: object; weight: tf.Tensor2D };

  constructor(args: AdapterDenseArgs, where: string) {
    super(args);
    this.units = checkPositiveInt(where, 'units', args.units);
    this.r = checkPositiveInt(where, 'r', args.r);
    this.alpha = args.alpha === undefined ? this.r : checkFinite(where, 'alpha', args.alpha);
    this.dropout = args.dropout === undefined ? 0 : checkDropout(where, args.dropout);
    this.useBias = args.useBias ?? true;
    this.initSeeds = seedStream(where, args.seed);
  }

  /** Seeds the dropout masks: setting it restarts a fixed sequence of masks, one per training call. */
  get dropoutSeed(): number | undefined {
    return this.seedOfDropout;
  }

  set dropoutSeed(seed: number | undefined) {
    this.dropoutSeeds = seedStream(`${this.getClassName()} (dropout)`, seed);
    this.seedOfDropout = seed;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const inDim = shape[shape.length - 1] as number;
    this.kernel = this.addWeight('kernel', [inDim, this.units], 'float32', initializers.glorotUniform({}), undefined, false);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], 'float32', initializers.zeros(), undefined, false);
    this.buildAdapter(inDim);
    this.built = true;
  }

  protected abstract buildAdapter(inDim: number): void;

  /** x2 [N, in] -> x2 W^T + dropped dW^T (no bias), W [out, in]. */
  protected abstract adaptedOutput(x2: tf.Tensor2D, dropped: tf.Tensor2D | undefined, weight: tf.Tensor2D): tf.Tensor2D;

  /** The update dW [out, in] for the frozen W = kernel^T (a new tensor): what merging adds. */
  abstract deltaWeight(weight: tf.Tensor2D): tf.Tensor2D;

  /** U(-1/sqrt(fanIn), 1/sqrt(fanIn)), PyTorch's kaiming_uniform(a = sqrt(5)), for A [rows, fanIn]. */
  protected addA(name: string, rows: number, fanIn: number): LayerVariable {
    const b = 1 / Math.sqrt(fanIn);
    return this.addWeight(name, [rows, fanIn], 'float32', initializers.randomUniform({ minval: -b, maxval: b, seed: this.initSeeds() }), undefined, true);
  }

  protected addB(name: string, rows: number, rank: number): LayerVariable {
    return this.addWeight(name, [rows, rank], 'float32', initializers.zeros(), undefined, true);
  }

  /**
   * W = kernel^T [out, in], held until the kernel's value changes (loading, setBase): the methods'
   * custom gradients use W in the backward pass, and tfjs-layers disposes a call's own intermediates
   * before that runs.
   */
  protected frozenWeight(): tf.Tensor2D {
    const kernel = this.kernel!.read();
    const source = (kernel as unknown as { dataId: object }).dataId;
    if (this.held?.source !== source) {
      this.held?.weight.dispose();
      this.held = { source, weight: tf.keep(tf.transpose(kernel) as tf.Tensor2D) };
    }
    return this.held.weight;
  }

  override dispose() {
    this.held?.weight.dispose();
    this.held = undefined;
    return super.dispose();
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const inDim = x.shape[x.rank - 1] as number;
    const x2 = tf.reshape(x, [-1, inDim]) as tf.Tensor2D;
    const dropped = kwargs.training === true && this.dropout > 0 ? (tf.dropout(x2, this.dropout, undefined, this.dropoutSeeds()) as tf.Tensor2D) : undefined;
    let y: tf.Tensor = this.adaptedOutput(x2, dropped, this.frozenWeight());
    if (this.bias) y = tf.add(y, this.bias.read());
    return tf.reshape(y, [...x.shape.slice(0, -1), this.units]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [...shape.slice(0, -1), this.units];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, useBias: this.useBias, r: this.r, alpha: this.alpha, dropout: this.dropout };
  }

  /** Sets the frozen kernel [in, out] and bias from an existing Dense layer's values. */
  setBase(kernel: tf.Tensor, bias?: tf.Tensor): void {
    this.kernel!.write(kernel);
    if (bias && this.bias) this.bias.write(bias);
    this.baseChanged();
  }

  /** Called after setBase, for adapter weights that start from the base (DoRA's magnitude). */
  protected baseChanged(): void {}

  /** The merged kernel (W + dW)^T [in, out] and the bias: what a plain Dense needs to replace this layer. */
  mergedWeights(): { kernel: tf.Tensor2D; bias?: tf.Tensor1D } {
    const kernel = tf.tidy(() => {
      const w = this.frozenWeight();
      return tf.transpose(tf.add(w, this.deltaWeight(w))) as tf.Tensor2D;
    });
    return { kernel, bias: this.bias ? (tf.clone(this.bias.read()) as tf.Tensor1D) : undefined };
  }

  /** The frozen kernel and bias alone (copies). */
  baseWeights(): { kernel: tf.Tensor2D; bias?: tf.Tensor1D } {
    return { kernel: tf.clone(this.kernel!.read()) as tf.Tensor2D, bias: this.bias ? (tf.clone(this.bias.read()) as tf.Tensor1D) : undefined };
  }
}
