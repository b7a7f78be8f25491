import * as tf from '@tensorflow/tfjs-core';
import type { LlamaConfig } from '../config';
import { generate, type GenerateOptions } from '../generate/generate';
import { LlamaModelCore, type LlamaWeights } from './llama';
import { keyMaskTensor, positionsFromMask } from './positions';

/**
 * Backends whose tensors live on a GPU: a synchronous read there stalls the pipeline, and under
 * Node.js tfjs-backend-webgpu cannot do one at all (it reads through an OffscreenCanvas).
 */
const GPU_BACKENDS = new Set(['webgpu', 'webgl']);
const onGpu = (): boolean => GPU_BACKENDS.has(tf.getBackend());

export interface ForwardOptions {
  /** [B, T], 1 for a token and 0 for padding (left padding for generation-style batches). */
  attentionMask?: tf.Tensor2D;
}

/**
 * LlamaForCausalLM on TensorFlow.js: the causal-LM contract the trainer and evaluators consume
 * (forward, generate, trainableVariables) on top of the model definition in ./llama.ts.
 * Base weights are plain tensors, so gradients reach only adapter variables unless
 * `enableFullFineTuning()` turns every weight into a variable.
 */
export class LlamaForCausalLM extends LlamaModelCore {
  private fullFineTuning = false;
  private checkpointActivations = false;

  constructor(
    config: LlamaConfig,
    weights: LlamaWeights,
    /** Names the model in errors: the directory or URL it came from. */
    readonly name = 'llama',
  ) {
    super(config, weights);
  }

  /** logits [B, T, vocab]. With a mask, positions count real tokens only, so a left-padded row gets the logits it would get alone. */
  forward(ids: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor3D {
    return tf.tidy(() => this.lmHead(this.hiddenStates(ids, options)));
  }

  /**
   * The final hidden states [B, T, hidden] (after the last norm) that the LM head multiplies: with
   * `outputProjection()`, what a loss needs to fuse the head in and never hold all [B, T, vocab] logits.
   */
  hiddenStates(ids: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor3D {
    const [B, T] = this.checkIds(ids);
    const mask = options.attentionMask;
    if (mask && (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== T)) {
      throw new Error(`${this.name}: attentionMask has shape [${mask.shape.join(', ')}]; expected [${B}, ${T}] like the ids`);
    }
    if (mask && onGpu()) {
      // The same positions and key mask, computed on the device (no read back).
      return tf.tidy(() => {
        const m = tf.cast(mask, 'int32');
        const positions = tf.where(tf.cast(m, 'bool'), tf.sub(tf.cumsum(m, 1), tf.scalar(1, 'int32')), tf.onesLike(m)) as tf.Tensor2D;
        return this.decode(ids, { positions, keyMask: m as tf.Tensor2D, checkpoint: this.checkpointActivations }).hidden;
      });
    }
    const maskValues = mask ? Int32Array.from(mask.dataSync()) : new Int32Array(B * T).fill(1);
    if (maskValues.some((m) => m !== 0 && m !== 1)) throw new Error(`${this.name}: attentionMask must hold only 0 and 1`);
    return tf.tidy(() => {
      const positions = tf.tensor2d(positionsFromMask(maskValues, B, T), [B, T], 'int32');
      const keyMask = keyMaskTensor(maskValues, B, T);
      return this.decode(ids, { positions, keyMask, checkpoint: this.checkpointActivations }).hidden;
    });
  }

  /**
   * The [vocab, hidden] matrix W of the LM head (logits = h W^T) when the head is that plain product:
   * the tied embedding, or lm_head without bias or adapters. Undefined otherwise (use `forward`).
   */
  outputProjection(): tf.Tensor2D | undefined {
    const { lmHead, embedTokens } = this.weights;
    if (!lmHead) return embedTokens;
    return lmHead.hook || lmHead.bias ? undefined : lmHead.weight;
  }

  /**
   * Activation checkpointing for training passes (`forward`, `hiddenStates`): each decoder layer keeps
   * only its input and is recomputed in the backward pass. Less memory (activations of one layer at a
   * time instead of all), about one more forward pass of time. Generation is unaffected.
   */
  setActivationCheckpointing(on: boolean): void {
    this.checkpointActivations = on;
  }

  get activationCheckpointing(): boolean {
    return this.checkpointActivations;
  }

  /** New tokens per prompt (prompts may differ in length). Temperature 0 (the default) is greedy. */
  generate(prompts: number[][], options: GenerateOptions): Promise<number[][]> {
    return generate(this, prompts, options);
  }

  /** Adapter variables attached to the projections, or every weight in full fine-tuning mode. */
  trainableVariables(): tf.Variable[] {
    const found = new Set<tf.Variable>();
    if (this.fullFineTuning) {
      for (const t of this.weightTensors()) if (t instanceof tf.Variable) found.add(t);
    }
    for (const [, linear] of this.namedLinears()) for (const v of linear.trainableVariables()) found.add(v);
    return [...found];
  }

  /** Turns every base weight into a trainable variable (once; the plain tensors are released). */
  enableFullFineTuning(): void {
    if (this.fullFineTuning) return;
    const adapted = [...this.namedLinears()].find(([, l]) => l.hook);
    if (adapted) {
      // Adapters captured the current weight tensors; swapping them for variables would pull those away.
      throw new Error(`${this.name}: ${adapted[0]} carries adapters; enable full fine-tuning before injecting adapters, or train the adapters only`);
    }
    const w = this.weights;
    const toVar = <T extends tf.Tensor>(t: T, name: string): T => {
      const v = tf.variable(t, true, `${this.name}/${name}`) as unknown as T;
      t.dispose();
      return v;
    };
    w.embedTokens = toVar(w.embedTokens, 'model.embed_tokens.weight');
    w.norm = toVar(w.norm, 'model.norm.weight');
    for (const [i, layer] of w.layers.entries()) {
      layer.inputLayernorm = toVar(layer.inputLayernorm, `model.layers.${i}.input_layernorm.weight`);
      layer.postAttentionLayernorm = toVar(layer.postAttentionLayernorm, `model.layers.${i}.post_attention_layernorm.weight`);
    }
    for (const [path, linear] of this.namedLinears()) {
      linear.weight = toVar(linear.weight, `${path}.weight`);
      if (linear.bias) linear.bias = toVar(linear.bias, `${path}.bias`);
    }
    this.fullFineTuning = true;
  }

  get isFullFineTuning(): boolean {
    return this.fullFineTuning;
  }

  /**
   * Throws a clear error for ids that are not int32 [B, T], out of the vocabulary, or too long. On
   * GPU backends the values are not read back (see GPU_BACKENDS): only dtype, shape and length count.
   */
  checkIds(ids: tf.Tensor): [number, number] {
    if (ids.rank !== 2 || ids.dtype !== 'int32') {
      throw new Error(`${this.name}: ids must be an int32 tensor [batch, time]; got ${ids.dtype} [${ids.shape.join(', ')}]`);
    }
    const [B, T] = ids.shape as [number, number];
    this.checkLength(T);
    if (onGpu()) return [B, T];
    const values = ids.dataSync();
    for (let i = 0; i < values.length; i++) this.checkToken(values[i], `[${Math.floor(i / T)}, ${i % T}]`);
    return [B, T];
  }

  checkToken(id: number, at: string): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.config.vocabSize) {
      throw new Error(`${this.name}: token id ${id} at ${at} is outside the vocabulary (vocab_size ${this.config.vocabSize})`);
    }
  }

  checkLength(positions: number, what = 'input'): void {
    const max = this.config.maxPositionEmbeddings;
    if (positions > max) throw new Error(`${this.name}: ${what} needs ${positions} positions but max_position_embeddings is ${max}`);
    const window = this.config.slidingWindow;
    if (window !== undefined && positions > window) {
      throw new Error(`${this.name}: ${what} needs ${positions} positions but sliding_window is ${window}; sliding-window attention is not implemented, so longer sequences are refused`);
    }
  }

  /** Every weight tensor once (tied embeddings are one tensor). */
  weightTensors(): tf.Tensor[] {
    const w = this.weights;
    const out = new Set<tf.Tensor>([w.embedTokens, w.norm]);
    for (const l of w.layers) {
      out.add(l.inputLayernorm);
      out.add(l.postAttentionLayernorm);
    }
    for (const [, linear] of this.namedLinears()) {
      out.add(linear.weight);
      if (linear.bias) out.add(linear.bias);
    }
    return [...out];
  }

  /** Number of base weights (parameters), counting tied embeddings once. */
  numParameters(): number {
    return this.weightTensors().reduce((n, t) => n + t.size, 0);
  }

  override dispose(): void {
    for (const t of this.weightTensors()) t.dispose();
    super.dispose();
  }
}
