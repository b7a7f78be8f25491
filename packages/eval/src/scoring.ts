import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from './model';

export interface ScoredSequence {
  inputIds: readonly number[];
  /** Score the tokens at positions [from, inputIds.length) given everything before them; from >= 1. */
  from: number;
}

export interface SequenceScore {
  /** Sum of log p(token_t | tokens_<t) over the scored positions (natural log). */
  logprob: number;
  tokens: number;
  /** Every scored token was the model's most likely next token. */
  greedy: boolean;
}

/**
 * Log-likelihood of the tail of each sequence, in batches padded on the right (causal attention
 * never looks right, and the mask tells the model which columns are padding). Only the logits of
 * scored positions go through log-softmax, so a large vocabulary costs [positions, V], not [B, T, V].
 * Every tensor is released before the next batch: tf.memory().numTensors stays flat.
 */
export async function scoreSequences(model: CausalLM, sequences: readonly ScoredSequence[], options: { batchSize: number; padTokenId?: number; onBatch?: (n: number) => void }): Promise<SequenceScore[]> {
  const { batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const max = model.config.maxPositionEmbeddings;
  sequences.forEach((s, i) => {
    if (s.from < 1 || s.from > s.inputIds.length) throw new RangeError(`sequence ${i}: from=${s.from} must be in [1, ${s.inputIds.length}]`);
    if (s.inputIds.length > max) throw new RangeError(`sequence ${i} has ${s.inputIds.length} tokens, more than the model's ${max} positions`);
  });
  const out: SequenceScore[] = [];
  for (let start = 0; start < sequences.length; start += batchSize) {
    const batch = sequences.slice(start, start + batchSize);
    out.push(...(await scoreBatch(model, batch, options.padTokenId ?? 0)));
    options.onBatch?.(batch.length);
  }
  return out;
}

async function scoreBatch(model: CausalLM, batch: readonly ScoredSequence[], padTokenId: number): Promise<SequenceScore[]> {
  const B = batch.length;
  const T = Math.max(...batch.map((s) => s.inputIds.length));
  const ids = new Int32Array(B * T).fill(padTokenId);
  const mask = new Int32Array(B * T);
  const where: number[] = []; // [b, t] pairs: the position whose logits predict the next token
  const targets: number[] = [];
  const owner: number[] = [];
  batch.forEach((s, b) => {
    ids.set(s.inputIds, b * T);
    mask.fill(1, b * T, b * T + s.inputIds.length);
    for (let t = s.from; t < s.inputIds.length; t++) {
      where.push(b, t - 1);
      targets.push(s.inputIds[t]!);
      owner.push(b);
    }
  });
  const scores = batch.map(() => ({ logprob: 0, tokens: 0, greedy: true }));
  if (targets.length === 0) return scores;
  const [picked, best] = tf.tidy(() => {
    const logits = model.forward(tf.tensor2d(ids, [B, T], 'int32'), { attentionMask: tf.tensor2d(mask, [B, T], 'int32') });
    const rows = tf.gatherND(logits, tf.tensor2d(where, [targets.length, 2], 'int32')) as tf.Tensor2D;
    const logp = tf.logSoftmax(rows);
    const n = targets.length;
    const chosen = tf.gatherND(logp, tf.stack([tf.range(0, n, 1, 'int32'), tf.tensor1d(targets, 'int32')], 1));
    return [chosen, tf.argMax(rows, 1)];
  });
  const [lp, am] = await Promise.all([picked.data(), best.data()]);
  picked.dispose();
  best.dispose();
  owner.forEach((b, i) => {
    const s = scores[b]!;
    s.logprob += lp[i]!;
    s.tokens += 1;
    if (am[i] !== targets[i]) s.greedy = false;
  });
  return scores;
}
