import * as tf from '@tensorflow/tfjs-core';
import type { LlamaConfig } from '../config';
import { ropeTables } from './rope';

/*
 * Every layout and folding trick the decoder uses for speed or memory, in one place, so that ./llama.ts reads
 * as the math. Each trick gives exactly the values of the plain formulation (parity tests check it):
 *
 * 1. Rotary tables: rotate_half's minus sign is stored in the sin table, and the queries' tables are
 *    pre-multiplied by attention's 1 / sqrt(headDim). Rotation is then two multiplies and an add, and
 *    attention needs no separate scaling op.
 * 2. Heads: with one new token (generation steps) splitting or merging heads moves nothing, so a
 *    reshape replaces the transpose.
 * 3. Grouped-query attention: the query heads that share a key-value head are stacked along the time
 *    axis, so one batched matmul serves the whole group without repeating keys and values.
 * 4. Frozen embedding lookup off the tape: tf.gather's gradient saves its input, which on the tape means
 *    a copy of the whole embedding table every training step (113 MB for a 49152 x 576 table). A
 *    frozen table needs no gradient, so its lookup saves nothing; the rotary tables' lookups likewise.
 *
 * Elsewhere, for the same reason (tfjs-wasm's transposed matmuls are ~10x slower than plain ones):
 * products go through @smoa/core's untransposedMatMul, and generation may hold W^T of each projection
 * (LlamaLinear.holdTransposed, LlamaModelCore.holdTransposedWeights).
 */

/** cos and sin [B, 1, T, headDim] for keys, and the same pre-scaled for queries (trick 1). */
export interface Rotary {
  cos: tf.Tensor4D;
  sin: tf.Tensor4D;
  cosQ: tf.Tensor4D;
  sinQ: tf.Tensor4D;
}

/** Tables of up to this many positions are built whole at once (2 x 8192 x headDim floats: a few MB). */
const EAGER_ROTARY_POSITIONS = 8192;

/**
 * The rotary tables [positions, headDim], uploaded once and gathered per pass. Sized to what is used:
 * a config's max_position_embeddings may say 1e7 or 1e9 (1.35 GB, or "Invalid typed array length"),
 * so beyond EAGER_ROTARY_POSITIONS the tables grow by doubling to the largest position seen.
 */
export class RotaryTables {
  private cos!: tf.Tensor2D;
  /** sin with rotate_half's sign: negative in the first half of each row. */
  private signedSin!: tf.Tensor2D;
  private rows = 0;
  /** Tables outgrown; kept until dispose, since a pass recorded on a gradient tape may still hold them. */
  private readonly outgrown: tf.Tensor[] = [];
  /** 1 / sqrt(headDim), attention's scale, applied to the queries' tables. */
  private readonly attnScale: tf.Scalar;

  constructor(private readonly config: LlamaConfig) {
    this.attnScale = tf.scalar(1 / Math.sqrt(config.headDim));
    this.grow(Math.min(config.maxPositionEmbeddings, EAGER_ROTARY_POSITIONS));
  }

  /** Number of positions the tables hold now. */
  get size(): number {
    return this.rows;
  }

  private grow(needed: number): void {
    if (needed <= this.rows) return;
    const { config } = this;
    const rows = Math.min(config.maxPositionEmbeddings, Math.max(needed, 2 * this.rows));
    const { cos, sin } = ropeTables(config, rows);
    const half = config.headDim / 2;
    for (let i = 0; i < sin.length; i++) if (i % config.headDim < half) sin[i] = -sin[i];
    if (this.rows > 0) this.outgrown.push(this.cos, this.signedSin);
    // Kept: growth may happen inside a caller's tf.tidy.
    this.cos = tf.keep(tf.tensor2d(cos, [rows, config.headDim]));
    this.signedSin = tf.keep(tf.tensor2d(sin, [rows, config.headDim]));
    this.rows = rows;
  }

  /**
   * Makes the tables cover `positions`. Callers pass `bound` (one more than the largest position, known
   * from the cache length without reading the tensor back); without it the positions are read, and only
   * while the tables are smaller than the config allows.
   */
  private cover(positions: tf.Tensor2D, bound?: number): void {
    if (this.rows >= this.config.maxPositionEmbeddings) return;
    if (bound !== undefined) return this.grow(bound);
    let max = -1;
    for (const p of positions.dataSync()) max = Math.max(max, p);
    this.grow(max + 1);
  }

  /** The tables at the tokens' positions (int32 [B, T]); `bound` > every position, when the caller knows one. */
  at(positions: tf.Tensor2D, bound?: number): Rotary {
    this.cover(positions, bound);
    const [B, T] = positions.shape;
    const gather = (table: tf.Tensor2D) => tf.reshape(constantGather(table, positions), [B, 1, T, this.config.headDim]) as tf.Tensor4D;
    const cos = gather(this.cos);
    const sin = gather(this.signedSin);
    return { cos, sin, cosQ: tf.mul(cos, this.attnScale), sinQ: tf.mul(sin, this.attnScale) };
  }

  dispose(): void {
    tf.dispose([this.cos, this.signedSin, this.attnScale, ...this.outgrown]);
  }
}

/** x * cos + rotate_half(x) * sin, where rotate_half(x) = [-x2, x1] and the sign is in `signedSin` (trick 1). */
export function rotate(x: tf.Tensor4D, cos: tf.Tensor4D, signedSin: tf.Tensor4D): tf.Tensor4D {
  const [x1, x2] = tf.split(x, 2, -1);
  return tf.add(tf.mul(x, cos), tf.mul(tf.concat([x2, x1], -1), signedSin));
}

/** [B * T, heads * headDim] -> [B, heads, T, headDim] (trick 2). */
export function splitHeads(x: tf.Tensor, B: number, T: number, heads: number, headDim: number): tf.Tensor4D {
  if (T === 1) return tf.reshape(x, [B, heads, 1, headDim]);
  return tf.transpose(tf.reshape(x, [B, T, heads, headDim]), [0, 2, 1, 3]);
}

/** [B, heads, T, headDim] -> [B * T, heads * headDim] (trick 2). */
export function mergeHeads(x: tf.Tensor4D): tf.Tensor2D {
  const [B, heads, T, d] = x.shape;
  return tf.reshape(T === 1 ? x : tf.transpose(x, [0, 2, 1, 3]), [B * T, heads * d]);
}

/** Queries [B, H, T, d] -> [B, KV, (H / KV) * T, d]: each key-value head's query group as one (trick 3). */
export function groupQueries(q: tf.Tensor4D, numKeyValueHeads: number): tf.Tensor4D {
  const [B, H, T, d] = q.shape;
  return H === numKeyValueHeads ? q : tf.reshape(q, [B, numKeyValueHeads, (H / numKeyValueHeads) * T, d]);
}

/** The inverse of groupQueries for the attention output. */
export function ungroupHeads(x: tf.Tensor4D, numAttentionHeads: number): tf.Tensor4D {
  const [B, KV, GT, d] = x.shape;
  return KV === numAttentionHeads ? x : tf.reshape(x, [B, numAttentionHeads, (GT * KV) / numAttentionHeads, d]);
}

/** Repeats an additive mask [B, 1, T, S] once per query of a group, to match groupQueries' layout (trick 3). */
export function groupMask(bias: tf.Tensor4D, config: Pick<LlamaConfig, 'numAttentionHeads' | 'numKeyValueHeads'>): tf.Tensor4D {
  const groups = config.numAttentionHeads / config.numKeyValueHeads;
  return groups === 1 ? bias : tf.tile(bias, [1, 1, groups, 1]);
}

/** table[ids] (trick 4): a trainable table through tf.gather, a frozen one without saving it for backward. */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor2D): tf.Tensor3D {
  if (table instanceof tf.Variable && table.trainable) return tf.gather(table, ids) as tf.Tensor as tf.Tensor3D;
  return constantGather(table, ids) as tf.Tensor as tf.Tensor3D;
}

/** tf.gather from a table that gets no gradient: nothing is saved for the backward pass (trick 4). */
function constantGather(table: tf.Tensor, indices: tf.Tensor): tf.Tensor {
  const lookup = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [idsIn, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([]);
    // Indices are integers: no gradient flows to them, and none to the table.
    return { value: tf.gather(table, idsIn), gradFunc: () => tf.zerosLike(idsIn) };
  });
  return lookup(indices);
}
