import * as tf from '@tensorflow/tfjs-core';
import { layers, initializers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import { checkDropout, checkFinite, checkPositiveInt } from '../tuners/shared/validate';

type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;
type Kwargs = Record<string, unknown>;

export interface AdapterDenseArgs extends LayerArgs {
  units: number;
  useBias?: boolean;
  r: number;
  alpha?: number;
  dropout?: number;
}

/**
 * A Dense projection (kernel [in, out], as tfjs stores it) whose kernel and bias are frozen and whose
 * output carries an adapter update. Only the adapter weights are trainable. Subclasses add their
 * weights in buildAdapter and compute x W^T + dW^T-update in adaptedOutput (W = kernel^T [out, in]).
 */
export abstract class AdapterDense extends layers.Layer {
  readonly units: number;
  readonly useBias: boolean;
  readonly r: number;
  readonly alpha: number;
  readonly dropout: number;
  protected kernel?: LayerVariable;
  protected bias?: LayerVariable;

  constructor(args: AdapterDenseArgs, where: string) {
    super(args);
    this.units = checkPositiveInt(where, 'units', args.units);
    this.r = checkPositiveInt(where, 'r', args.r);
    this.alpha = args.alpha === undefined ? this.r : checkFinite(where, 'alpha', args.alpha);
    this.dropout = args.dropout === undefined ? 0 : checkDropout(where, args.dropout);
    this.useBias = args.useBias ?? true;
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

  /** U(-1/sqrt(fanIn), 1/sqrt(fanIn)), PyTorch's kaiming_uniform(a = sqrt(5)), for A [rows, fanIn]. */
  protected addA(name: string, rows: number, fanIn: number): LayerVariable {
    const b = 1 / Math.sqrt(fanIn);
    return this.addWeight(name, [rows, fanIn], 'float32', initializers.randomUniform({ minval: -b, maxval: b }), undefined, true);
  }

  protected addB(name: string, rows: number, rank: number): LayerVariable {
    return this.addWeight(name, [rows, rank], 'float32', initializers.zeros(), undefined, true);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const inDim = x.shape[x.rank - 1] as number;
    const x2 = tf.reshape(x, [-1, inDim]) as tf.Tensor2D;
    const dropped = kwargs.training === true && this.dropout > 0 ? (tf.dropout(x2, this.dropout) as tf.Tensor2D) : undefined;
    const weight = tf.transpose(this.kernel!.read()) as tf.Tensor2D;
    let y: tf.Tensor = this.adaptedOutput(x2, dropped, weight);
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
  }
}
