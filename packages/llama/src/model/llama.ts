import * as tf from '@tensorflow/tfjs-core';
import { Linear, matMul, matMulWeightT, type ModuleContainer } from '@smoa/adapters';
import type { LlamaConfig } from '../config';
import { LlamaLinear } from './linear';
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
  /** [B, S] with S = cached + new positions: 1 where a key is a real token, 0 for padding. Absent: no padding. */
  keyMask?: tf.Tensor2D;
  cache?: KVCache;
}

interface Rotary {
  cos: tf.Tensor4D;
  sin: tf.Tensor4D;
  cosQ: tf.Tensor4D;
  sinQ: tf.Tensor4D;
}

// Softmax of masked scores must give exactly zero weight; a finite value avoids NaN on fully padded rows.
const MASKED = -1e9;

export class LlamaModelCore implements ModuleContainer {
  /** Rotary tables [maxPositionEmbeddings, headDim], uploaded once and gathered per pass (sin signed, see rotate). */
  private readonly cosTable: tf.Tensor2D;
  private readonly sinTable: tf.Tensor2D;
  private readonly eps: tf.Scalar;
  private readonly attnScale: tf.Scalar;
  private readonly masked: tf.Scalar;
  private embedTransposed?: { source: tf.Tensor2D; value: tf.Tensor2D };

  constructor(
    readonly config: LlamaConfig,
    readonly weights: LlamaWeights,
  ) {
    const { cos, sin } = ropeTables(config, config.maxPositionEmbeddings);
    // rotate_half's minus sign lives in the sin table, so rotation needs no negation op per layer.
    const half = config.headDim / 2;
    for (let i = 0; i < sin.length; i++) if (i % config.headDim < half) sin[i] = -sin[i];
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
    const rope = this.rotaryAt(step.positions);
    const bias = step.keyMask || T > 1 ? this.attentionBias(step.keyMask, B, T, past) : undefined;

    // Hidden states stay [B * T, hidden]: the layout every projection multiplies in.
    let h = tf.reshape(tf.gather(w.embedTokens, ids), [B * T, this.config.hiddenSize]) as tf.Tensor2D;
    const cache: KVCache = [];
    for (const [i, layer] of w.layers.entries()) {
      const attn = this.attention(layer.selfAttn, this.rmsNorm(h, layer.inputLayernorm), B, T, rope, bias, step.cache?.[i]);
      h = tf.add(h, attn.out);
      cache.push({ k: attn.k, v: attn.v });
      h = tf.add(h, this.mlp(layer.mlp, this.rmsNorm(h, layer.postAttentionLayernorm)));
    }
    return { hidden: tf.reshape(this.rmsNorm(h, w.norm), [B, T, this.config.hiddenSize]), cache };
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

  /** x * rsqrt(mean(x^2) + eps) * weight over the last axis. */
  private rmsNorm(x: tf.Tensor2D, weight: tf.Tensor1D): tf.Tensor2D {
    const variance = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, this.eps))), weight);
  }

  /** down(silu(gate(x)) * up(x)). */
  private mlp(m: MlpWeights, x: tf.Tensor2D): tf.Tensor2D {
    const gate = m.gateProj.apply(x);
    const act = tf.mul(gate, tf.sigmoid(gate));
    return m.downProj.apply(tf.mul(act, m.upProj.apply(x))) as tf.Tensor2D;
  }

  /**
   * cos and sin [B, 1, T, headDim] for the tokens' positions. The sin table carries rotate_half's sign
   * (negative first half), so rotation is x * cos + swapHalves(x) * sin. Queries get tables pre-scaled
   * by 1 / sqrt(headDim), which folds attention's scaling into the rotation.
   */
  private rotaryAt(positions: tf.Tensor2D): Rotary {
    const [B, T] = positions.shape;
    const at = (table: tf.Tensor2D) => tf.reshape(tf.gather(table, positions), [B, 1, T, this.config.headDim]) as tf.Tensor4D;
    const cos = at(this.cosTable);
    const sin = at(this.sinTable);
    return { cos, sin, cosQ: tf.mul(cos, this.attnScale), sinQ: tf.mul(sin, this.attnScale) };
  }

  /** Rotate-half rotary embedding: x * cos + rotate_half(x) * sin with rotate_half(x) = [-x2, x1]. */
  private rotate(x: tf.Tensor4D, cos: tf.Tensor4D, signedSin: tf.Tensor4D): tf.Tensor4D {
    const [x1, x2] = tf.split(x, 2, -1);
    return tf.add(tf.mul(x, cos), tf.mul(tf.concat([x2, x1], -1), signedSin));
  }

  /** [B * T, heads * headDim] -> [B, heads, T, headDim]. */
  private splitHeads(x: tf.Tensor, B: number, T: number, heads: number): tf.Tensor4D {
    const d = this.config.headDim;
    // With one new token (generation steps) the transpose moves nothing: a reshape does it.
    if (T === 1) return tf.reshape(x, [B, heads, 1, d]);
    return tf.transpose(tf.reshape(x, [B, T, heads, d]), [0, 2, 1, 3]);
  }

  /** [B, heads, T, headDim] -> [B * T, heads * headDim]. */
  private mergeHeads(x: tf.Tensor4D): tf.Tensor2D {
    const [B, heads, T, d] = x.shape;
    return tf.reshape(T === 1 ? x : tf.transpose(x, [0, 2, 1, 3]), [B * T, heads * d]);
  }

  private attention(
    a: AttentionWeights,
    x: tf.Tensor2D,
    B: number,
    T: number,
    rope: Rotary,
    bias: tf.Tensor4D | undefined,
    past?: { k: tf.Tensor4D; v: tf.Tensor4D },
  ): { out: tf.Tensor2D; k: tf.Tensor4D; v: tf.Tensor4D } {
    const { numAttentionHeads: H, numKeyValueHeads: KV, headDim } = this.config;
    const q = this.rotate(this.splitHeads(a.qProj.apply(x), B, T, H), rope.cosQ, rope.sinQ);
    let k = this.rotate(this.splitHeads(a.kProj.apply(x), B, T, KV), rope.cos, rope.sin);
    let v = this.splitHeads(a.vProj.apply(x), B, T, KV);
    if (past) {
      k = tf.concat([past.k, k], 2);
      v = tf.concat([past.v, v], 2);
    }
    // Grouped-query attention without copying keys: the H / KV query heads that share a key-value
    // head are stacked along the time axis, so one batched matmul serves the whole group.
    const grouped = H === KV ? q : tf.reshape(q, [B, KV, (H / KV) * T, headDim]);
    // The adapters' matMul: tf.matMul's transposed forms (here and in every gradient) are slow on wasm.
    const scores = matMul(grouped, k, false, true);
    const context = matMul(tf.softmax(bias ? tf.add(scores, bias) : scores), v);
    const merged = this.mergeHeads((H === KV ? context : tf.reshape(context, [B, H, T, headDim])) as tf.Tensor4D);
    return { out: a.oProj.apply(merged) as tf.Tensor2D, k, v };
  }

  /**
   * Additive mask [B, 1, groups * T, S]: query t (at cache index past + t) sees key s when s <= past + t
   * and key s is not padding. Repeated per query group to match the grouped attention layout.
   */
  private attentionBias(keyMask: tf.Tensor2D | undefined, B: number, T: number, past: number): tf.Tensor4D {
    const S = past + T;
    const groups = this.config.numAttentionHeads / this.config.numKeyValueHeads;
    const queryIndex = tf.reshape(tf.range(past, S, 1, 'int32'), [T, 1]);
    const keyIndex = tf.reshape(tf.range(0, S, 1, 'int32'), [1, S]);
    let allowed = tf.reshape(tf.lessEqual(keyIndex, queryIndex), [1, T, S]);
    if (keyMask) allowed = tf.logicalAnd(allowed, tf.reshape(tf.cast(keyMask, 'bool'), [B, 1, S]));
    const bias = tf.reshape(tf.mul(tf.sub(1, tf.cast(allowed, 'float32')), this.masked), [allowed.shape[0], 1, T, S]) as tf.Tensor4D;
    return groups === 1 ? bias : tf.tile(bias, [1, 1, groups, 1]);
  }

  dispose(): void {
    this.releaseTransposedWeights();
    for (const t of [this.cosTable, this.sinTable, this.eps, this.attnScale, this.masked]) t.dispose();
  }
}
