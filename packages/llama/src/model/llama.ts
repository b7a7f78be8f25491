import * as tf from '@tensorflow/tfjs-core';
import { Linear, type ModuleContainer } from '@smoa/adapters';
import type { LlamaConfig } from '../config';
import { ropeTables } from './rope';

/**
 * Llama as Hugging Face's LlamaForCausalLM defines it, read top to bottom:
 * embed -> N x (RMSNorm -> attention with rotary positions -> residual -> RMSNorm -> SwiGLU MLP ->
 * residual) -> RMSNorm -> lm_head. Every projection is a `Linear` so adapters attach by module path.
 */

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
  /** [B, S] with S = cached + new positions: 1 where a key is a real token, 0 for padding. */
  keyMask: tf.Tensor2D;
  cache?: KVCache;
}

// Softmax of masked scores must give exactly zero weight; a finite value avoids NaN on fully padded rows.
const MASKED = -1e9;

export class LlamaModelCore implements ModuleContainer {
  /** Rotary tables [maxPositionEmbeddings, headDim], uploaded once and gathered per pass. */
  private readonly cosTable: tf.Tensor2D;
  private readonly sinTable: tf.Tensor2D;
  private readonly eps: tf.Scalar;
  private readonly attnScale: tf.Scalar;
  private readonly masked: tf.Scalar;

  constructor(
    readonly config: LlamaConfig,
    readonly weights: LlamaWeights,
  ) {
    const { cos, sin } = ropeTables(config, config.maxPositionEmbeddings);
    this.cosTable = tf.tensor2d(cos, [config.maxPositionEmbeddings, config.headDim]);
    this.sinTable = tf.tensor2d(sin, [config.maxPositionEmbeddings, config.headDim]);
    this.eps = tf.scalar(config.rmsNormEps);
    this.attnScale = tf.scalar(1 / Math.sqrt(config.headDim));
    this.masked = tf.scalar(MASKED);
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
    const w = this.weights;
    const [B, T] = ids.shape;
    const past = step.cache?.[0]?.k.shape[2] ?? 0;
    const cos = tf.reshape(tf.gather(this.cosTable, step.positions), [B, 1, T, this.config.headDim]) as tf.Tensor4D;
    const sin = tf.reshape(tf.gather(this.sinTable, step.positions), [B, 1, T, this.config.headDim]) as tf.Tensor4D;
    const bias = this.attentionBias(step.keyMask, T, past);

    let h = tf.gather(w.embedTokens, ids) as unknown as tf.Tensor3D;
    const cache: KVCache = [];
    for (const [i, layer] of w.layers.entries()) {
      const attn = this.attention(layer.selfAttn, this.rmsNorm(h, layer.inputLayernorm), cos, sin, bias, step.cache?.[i]);
      h = tf.add(h, attn.out);
      cache.push({ k: attn.k, v: attn.v });
      h = tf.add(h, this.mlp(layer.mlp, this.rmsNorm(h, layer.postAttentionLayernorm)));
    }
    return { hidden: this.rmsNorm(h, w.norm), cache };
  }

  /** hidden [B, T, hidden] -> logits [B, T, vocab]. */
  lmHead(hidden: tf.Tensor3D): tf.Tensor3D {
    const { lmHead, embedTokens } = this.weights;
    if (lmHead) return lmHead.apply(hidden) as tf.Tensor3D;
    const [B, T, D] = hidden.shape;
    const logits = tf.matMul(tf.reshape(hidden, [B * T, D]) as tf.Tensor2D, embedTokens, false, true);
    return tf.reshape(logits, [B, T, this.config.vocabSize]);
  }

  /** x * rsqrt(mean(x^2) + eps) * weight over the last axis. */
  private rmsNorm(x: tf.Tensor3D, weight: tf.Tensor1D): tf.Tensor3D {
    const variance = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, this.eps))), weight);
  }

  /** down(silu(gate(x)) * up(x)). */
  private mlp(m: MlpWeights, x: tf.Tensor3D): tf.Tensor3D {
    const gate = m.gateProj.apply(x);
    const act = tf.mul(gate, tf.sigmoid(gate));
    return m.downProj.apply(tf.mul(act, m.upProj.apply(x))) as tf.Tensor3D;
  }

  /** [B, T, heads * headDim] -> [B, heads, T, headDim]. */
  private splitHeads(x: tf.Tensor, heads: number): tf.Tensor4D {
    const [B, T] = x.shape;
    return tf.transpose(tf.reshape(x, [B, T, heads, this.config.headDim]), [0, 2, 1, 3]);
  }

  /** Rotate-half rotary embedding: x * cos + rotate_half(x) * sin, with rotate_half(x) = [-x2, x1]. */
  private rotary(x: tf.Tensor4D, cos: tf.Tensor4D, sin: tf.Tensor4D): tf.Tensor4D {
    const [x1, x2] = tf.split(x, 2, -1);
    const rotated = tf.concat([tf.neg(x2), x1], -1);
    return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
  }

  private attention(
    a: AttentionWeights,
    x: tf.Tensor3D,
    cos: tf.Tensor4D,
    sin: tf.Tensor4D,
    bias: tf.Tensor4D,
    past?: { k: tf.Tensor4D; v: tf.Tensor4D },
  ): { out: tf.Tensor3D; k: tf.Tensor4D; v: tf.Tensor4D } {
    const { numAttentionHeads: H, numKeyValueHeads: KV, headDim } = this.config;
    const [B, T] = x.shape;
    const q = this.rotary(this.splitHeads(a.qProj.apply(x), H), cos, sin);
    let k = this.rotary(this.splitHeads(a.kProj.apply(x), KV), cos, sin);
    let v = this.splitHeads(a.vProj.apply(x), KV);
    if (past) {
      k = tf.concat([past.k, k], 2);
      v = tf.concat([past.v, v], 2);
    }
    // Grouped-query attention without copying keys: the H / KV query heads that share a key-value
    // head are stacked along the time axis, so one batched matmul serves the whole group.
    const grouped = tf.reshape(tf.mul(q, this.attnScale), [B, KV, (H / KV) * T, headDim]);
    const scores = tf.add(tf.matMul(grouped, k, false, true), bias);
    const context = tf.matMul(tf.softmax(scores), v);
    const merged = tf.reshape(tf.transpose(tf.reshape(context, [B, H, T, headDim]), [0, 2, 1, 3]), [B, T, H * headDim]);
    return { out: a.oProj.apply(merged) as tf.Tensor3D, k, v };
  }

  /**
   * Additive mask [B, 1, groups * T, S]: query t (at cache index past + t) sees key s when s <= past + t
   * and key s is not padding. Repeated per query group to match the grouped attention layout.
   */
  private attentionBias(keyMask: tf.Tensor2D, T: number, past: number): tf.Tensor4D {
    const [B, S] = keyMask.shape;
    const groups = this.config.numAttentionHeads / this.config.numKeyValueHeads;
    const queryIndex = tf.reshape(tf.range(past, past + T, 1, 'int32'), [T, 1]);
    const keyIndex = tf.reshape(tf.range(0, S, 1, 'int32'), [1, S]);
    const causal = tf.lessEqual(keyIndex, queryIndex);
    const real = tf.reshape(tf.cast(keyMask, 'bool'), [B, 1, S]);
    const allowed = tf.logicalAnd(tf.reshape(causal, [1, T, S]), real);
    const bias = tf.reshape(tf.where(allowed, tf.zerosLike(this.masked), this.masked), [B, 1, T, S]) as tf.Tensor4D;
    return groups === 1 ? bias : tf.tile(bias, [1, 1, groups, 1]);
  }

  dispose(): void {
    for (const t of [this.cosTable, this.sinTable, this.eps, this.attnScale, this.masked]) t.dispose();
  }
}
