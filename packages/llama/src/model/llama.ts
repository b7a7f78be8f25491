import * as tf from '@tensorflow/tfjs-core';
import { checkpoint, Linear, untransposedMatMul, matMulWeightT, type ModuleContainer } from '@smoa/core';
import type { LlamaConfig } from '../config';
import { LlamaLinear } from './linear';
import { embeddingLookup, groupMask, groupQueries, mergeHeads, RotaryTables, rotate, splitHeads, ungroupHeads, type Rotary } from './speed-tricks';

/**
 * Llama as Hugging Face's LlamaForCausalLM defines it, read top to bottom like nanoGPT: the weights,
 * the parts (RMSNorm, SwiGLU MLP, attention with rotary positions), the decoder block built from them,
 * then the model: embed -> N x block -> RMSNorm -> lm_head. Every projection is a `Linear` so adapters
 * attach by module path. Layout and folding tricks for speed live in ./speed-tricks.ts.
 */

// ---------------------------------------------------------------------------------------------------
// Weights

export interface AttentionWeights {
  qProj: Linear;
  kProj: Linear;
  vProj: Linear;
  oProj: Linear;
}

export interface MlpWeights {
  gateProj: Linear;
  upProj: Linear;
  downProj: Linear;
}

export interface DecoderLayerWeights {
  inputLayernorm: tf.Tensor1D;
  selfAttn: AttentionWeights;
  postAttentionLayernorm: tf.Tensor1D;
  mlp: MlpWeights;
}

export interface LlamaWeights {
  embedTokens: tf.Tensor2D;
  layers: DecoderLayerWeights[];
  norm: tf.Tensor1D;
  /** Absent when the input embedding doubles as the output projection (tie_word_embeddings). */
  lmHead?: Linear;
}

/** Keys and values of earlier positions, per layer: [B, numKeyValueHeads, S, headDim]. */
export type KVCache = { k: tf.Tensor4D; v: tf.Tensor4D }[];

/** What one pass over new tokens needs besides the tokens: their positions and what each may attend to. */
export interface StepInputs {
  /** int32 [B, T]: rotary position of each new token. */
  positions: tf.Tensor2D;
  /** [B, S] with S = cached + new positions: 1 where a key is a real token, 0 for padding. Absent: no padding. */
  keyMask?: tf.Tensor2D;
  cache?: KVCache;
  /**
   * Recompute each decoder layer in the backward pass instead of keeping its intermediates (activation
   * checkpointing, for training). No cache is returned then.
   */
  checkpoint?: boolean;
}

/** What every block of one pass shares: the sizes, the rotary tables at the tokens' positions, the mask. */
interface PassInputs {
  config: LlamaConfig;
  B: number;
  T: number;
  rope: Rotary;
  /** Additive attention mask in the grouped layout, absent when nothing is masked (one new token, no padding). */
  bias?: tf.Tensor4D;
  eps: tf.Scalar;
}

// ---------------------------------------------------------------------------------------------------
// Parts

/** x * rsqrt(mean(x^2) + eps) * weight over the last axis. */
function rmsNorm(x: tf.Tensor2D, weight: tf.Tensor1D, eps: tf.Scalar): tf.Tensor2D {
  const variance = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, eps))), weight);
}

/** down(silu(gate(x)) * up(x)). */
function mlp(m: MlpWeights, x: tf.Tensor2D): tf.Tensor2D {
  const gate = m.gateProj.apply(x);
  const act = tf.mul(gate, tf.sigmoid(gate));
  return m.downProj.apply(tf.mul(act, m.upProj.apply(x))) as tf.Tensor2D;
}

/**
 * softmax(rope(q) rope(k)^T / sqrt(headDim) + mask) v over the cache and the new tokens, then o_proj.
 * The 1 / sqrt(headDim) is folded into the queries' rotary tables (speed-tricks.ts, trick 1).
 */
function attention(
  a: AttentionWeights,
  x: tf.Tensor2D,
  pass: PassInputs,
  past?: { k: tf.Tensor4D; v: tf.Tensor4D },
): { out: tf.Tensor2D; k: tf.Tensor4D; v: tf.Tensor4D } {
  const { config, B, T, rope, bias } = pass;
  const { numAttentionHeads: H, numKeyValueHeads: KV, headDim } = config;
  const q = rotate(splitHeads(a.qProj.apply(x), B, T, H, headDim), rope.cosQ, rope.sinQ);
  let k = rotate(splitHeads(a.kProj.apply(x), B, T, KV, headDim), rope.cos, rope.sin);
  let v = splitHeads(a.vProj.apply(x), B, T, KV, headDim);
  if (past) {
    k = tf.concat([past.k, k], 2);
    v = tf.concat([past.v, v], 2);
  }
  // The adapters' matMul: tf.matMul's transposed forms (here and in every gradient) are slow on wasm.
  const scores = untransposedMatMul(groupQueries(q, KV), k, false, true);
  const context = untransposedMatMul(tf.softmax(bias ? tf.add(scores, bias) : scores) as tf.Tensor4D, v);
  return { out: a.oProj.apply(mergeHeads(ungroupHeads(context, H))) as tf.Tensor2D, k, v };
}

/**
 * Additive mask [B, 1, T, S]: query t (at cache index past + t) sees key s when s <= past + t and key
 * s is not padding. Masked scores get -1e9: softmax then gives them exactly zero weight, and a finite
 * value avoids NaN on fully padded rows.
 */
function causalMask(keyMask: tf.Tensor2D | undefined, B: number, T: number, past: number): tf.Tensor4D {
  const S = past + T;
  const queryIndex = tf.reshape(tf.range(past, S, 1, 'int32'), [T, 1]);
  const keyIndex = tf.reshape(tf.range(0, S, 1, 'int32'), [1, S]);
  let allowed = tf.reshape(tf.lessEqual(keyIndex, queryIndex), [1, T, S]);
  if (keyMask) allowed = tf.logicalAnd(allowed, tf.reshape(tf.cast(keyMask, 'bool'), [B, 1, S]));
  return tf.reshape(tf.mul(tf.sub(1, tf.cast(allowed, 'float32')), -1e9), [allowed.shape[0], 1, T, S]) as tf.Tensor4D;
}

// ---------------------------------------------------------------------------------------------------
// The block

/** h + attn(norm(h)), then + mlp(norm(.)): one decoder layer over h [B * T, hidden]. */
function decoderLayer(
  layer: DecoderLayerWeights,
  h: tf.Tensor2D,
  pass: PassInputs,
  past?: { k: tf.Tensor4D; v: tf.Tensor4D },
): { h: tf.Tensor2D; k: tf.Tensor4D; v: tf.Tensor4D } {
  const attn = attention(layer.selfAttn, rmsNorm(h, layer.inputLayernorm, pass.eps), pass, past);
  const mid = tf.add(h, attn.out) as tf.Tensor2D;
  const out = tf.add(mid, mlp(layer.mlp, rmsNorm(mid, layer.postAttentionLayernorm, pass.eps)));
  return { h: out as tf.Tensor2D, k: attn.k, v: attn.v };
}

/** The variables of one layer that gradients must reach: its adapters', and its weights in full fine-tuning. */
function layerVariables(layer: DecoderLayerWeights): tf.Variable[] {
  const found = new Set<tf.Variable>();
  const add = (t: tf.Tensor | undefined) => {
    if (t instanceof tf.Variable && t.trainable) found.add(t);
  };
  add(layer.inputLayernorm);
  add(layer.postAttentionLayernorm);
  const { qProj, kProj, vProj, oProj } = layer.selfAttn;
  const { gateProj, upProj, downProj } = layer.mlp;
  for (const linear of [qProj, kProj, vProj, oProj, gateProj, upProj, downProj]) {
    add(linear.weight);
    add(linear.bias);
    for (const v of linear.trainableVariables()) add(v);
  }
  return [...found];
}

// ---------------------------------------------------------------------------------------------------
// The model

export class LlamaModelCore implements ModuleContainer {
  private readonly rotary: RotaryTables;
  private readonly eps: tf.Scalar;
  private embedTransposed?: { source: tf.Tensor2D; value: tf.Tensor2D };

  constructor(
    readonly config: LlamaConfig,
    readonly weights: LlamaWeights,
  ) {
    this.rotary = new RotaryTables(config);
    this.eps = tf.scalar(config.rmsNormEps);
  }

  /** Hugging Face module paths of every projection, the names adapters target. */
  *namedLinears(): Iterable<[string, Linear]> {
    for (const [i, layer] of this.weights.layers.entries()) {
      const p = `model.layers.${i}`;
      yield [`${p}.self_attn.q_proj`, layer.selfAttn.qProj];
      yield [`${p}.self_attn.k_proj`, layer.selfAttn.kProj];
      yield [`${p}.self_attn.v_proj`, layer.selfAttn.vProj];
      yield [`${p}.self_attn.o_proj`, layer.selfAttn.oProj];
      yield [`${p}.mlp.gate_proj`, layer.mlp.gateProj];
      yield [`${p}.mlp.up_proj`, layer.mlp.upProj];
      yield [`${p}.mlp.down_proj`, layer.mlp.downProj];
    }
    if (this.weights.lmHead) yield ['lm_head', this.weights.lmHead];
  }

  /**
   * The decoder over new tokens `ids` [B, T], attending to the cache and to each other causally.
   * Returns the final hidden states [B, T, hidden] (after the last norm) and the extended cache.
   */
  decode(ids: tf.Tensor2D, step: StepInputs): { hidden: tf.Tensor3D; cache: KVCache } {
    const { config, weights: w } = this;
    const [B, T] = ids.shape;
    const past = step.cache?.[0]?.k.shape[2] ?? 0;
    // Hidden states stay [B * T, hidden]: the layout every projection multiplies in.
    let h = tf.reshape(embeddingLookup(w.embedTokens, ids), [B * T, config.hiddenSize]) as tf.Tensor2D;
    const cache: KVCache = [];
    if (step.checkpoint) {
      if (step.cache) throw new Error('decode: activation checkpointing is for training passes and takes no cache');
      // Each layer keeps only its input; the rotary tables and mask are rebuilt from the positions in
      // the recompute, so nothing larger than [B * T, hidden] per layer waits for the backward pass.
      const constants = step.keyMask ? [step.positions, step.keyMask] : [step.positions];
      for (const layer of w.layers) {
        h = checkpoint(
          ([x], [positions, keyMask]) => decoderLayer(layer, x as tf.Tensor2D, this.passInputs(B, T, 0, positions as tf.Tensor2D, keyMask as tf.Tensor2D | undefined)).h,
          [h],
          { params: layerVariables(layer), constants },
        );
      }
    } else {
      const pass = this.passInputs(B, T, past, step.positions, step.keyMask);
      for (const [i, layer] of w.layers.entries()) {
        const out = decoderLayer(layer, h, pass, step.cache?.[i]);
        h = out.h;
        cache.push({ k: out.k, v: out.v });
      }
    }
    return { hidden: tf.reshape(rmsNorm(h, w.norm, this.eps), [B, T, config.hiddenSize]), cache };
  }

  private passInputs(B: number, T: number, past: number, positions: tf.Tensor2D, keyMask?: tf.Tensor2D): PassInputs {
    const { config } = this;
    const bias = keyMask || T > 1 ? groupMask(causalMask(keyMask, B, T, past), config) : undefined;
    // Positions count real tokens, so none reaches past + T: the tables grow without a read-back.
    return { config, B, T, rope: this.rotary.at(positions, past + T), bias, eps: this.eps };
  }

  /** hidden [B, T, hidden] -> logits [B, T, vocab]. */
  lmHead(hidden: tf.Tensor3D): tf.Tensor3D {
    const { lmHead, embedTokens } = this.weights;
    if (lmHead) return lmHead.apply(hidden) as tf.Tensor3D;
    const [B, T, D] = hidden.shape;
    const h = tf.reshape(hidden, [B * T, D]) as tf.Tensor2D;
    // Tied embeddings: E h^T, transposed back, for the reason LlamaLinear gives.
    const held = this.embedTransposed?.source === embedTokens ? this.embedTransposed.value : undefined;
    const logits = held ? tf.matMul(h, held) : matMulWeightT(h, embedTokens);
    return tf.reshape(logits, [B, T, this.config.vocabSize]);
  }

  /**
   * Keeps W^T of every projection (and of tied embeddings) until `releaseTransposedWeights`: the
   * one-token products of generation steps are several times faster from W^T, at the cost of a
   * second copy of the weights meanwhile.
   */
  holdTransposedWeights(): void {
    // A projection with adapters computes through them, not through baseForward: no copy for it.
    for (const [, linear] of this.namedLinears()) if (linear instanceof LlamaLinear && !linear.hook) linear.holdTransposed();
    const e = this.weights.embedTokens;
    if (!this.weights.lmHead && this.embedTransposed?.source !== e) {
      this.embedTransposed?.value.dispose();
      this.embedTransposed = { source: e, value: tf.keep(tf.transpose(e)) };
    }
  }

  releaseTransposedWeights(): void {
    for (const [, linear] of this.namedLinears()) if (linear instanceof LlamaLinear) linear.releaseTransposed();
    this.embedTransposed?.value.dispose();
    this.embedTransposed = undefined;
  }

  dispose(): void {
    this.releaseTransposedWeights();
    this.rotary.dispose();
    this.eps.dispose();
  }
}
