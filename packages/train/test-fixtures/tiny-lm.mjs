// A small byte-level language model: each position sees its own token and the mean of the tokens
// before it (a causal bag of words), through a tanh hidden layer with dropout. Real enough to learn
// from text, small enough for fast tests. Implements the CausalLM / TrainableCausalLM contract.
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';

export const VOCAB = 256;

export class TinyLM {
  constructor({ dim = 16, hidden = 32, seed = 1, dropout = 0.1 } = {}) {
    this.config = { vocabSize: VOCAB, maxPositionEmbeddings: 1024 };
    this.dropout = dropout;
    this.training = false;
    this.dropoutSeed = undefined;
    const init = (shape, s) => tf.tidy(() => tf.variable(tf.randomNormal(shape, 0, 0.2, 'float32', s)));
    this.embed = init([VOCAB, dim], seed);
    this.w1 = init([2 * dim, hidden], seed + 1);
    this.b1 = tf.variable(tf.zeros([hidden]));
    this.w2 = init([hidden, VOCAB], seed + 2);
  }

  trainableVariables() {
    return [this.embed, this.w1, this.b1, this.w2];
  }

  setTrainingMode(training, seed) {
    this.training = training;
    this.dropoutSeed = seed;
  }

  forward(ids, options = {}) {
    return tf.tidy(() => {
      const [b, t] = ids.shape;
      // one-hot matmul instead of gather keeps the gradient on kernels every backend has
      const x = tf.reshape(tf.matMul(tf.reshape(tf.oneHot(ids, VOCAB), [b * t, VOCAB]), this.embed), [b, t, -1]);
      const mask = options.attentionMask ? tf.cast(options.attentionMask, 'float32') : tf.ones([b, t]);
      // causal mean over earlier real tokens as a batched matmul (tfjs's cumsum gradient is wrong for axis 1)
      const causal = tf.mul(tf.linalg.bandPart(tf.ones([t, t]), -1, 0), tf.expandDims(mask, 1));
      const weights = tf.div(causal, tf.maximum(tf.sum(causal, -1, true), 1));
      const context = tf.matMul(weights, x);
      const feat = tf.reshape(tf.concat([x, context], -1), [b * t, -1]);
      let h = tf.tanh(tf.add(tf.matMul(feat, this.w1), this.b1));
      if (this.training && this.dropout > 0) h = tf.dropout(h, this.dropout, undefined, this.dropoutSeed);
      return tf.reshape(tf.matMul(h, this.w2), [b, t, VOCAB]);
    });
  }

  async generate(prompts, options) {
    const out = [];
    for (const prompt of prompts) {
      const ids = [...prompt];
      const fresh = [];
      for (let i = 0; i < options.maxNewTokens; i++) {
        const next = tf.tidy(() => {
          const logits = this.forward(tf.tensor2d([ids], [1, ids.length], 'int32'));
          return tf.argMax(tf.reshape(tf.slice(logits, [0, ids.length - 1, 0], [1, 1, VOCAB]), [VOCAB]));
        });
        const id = next.dataSync()[0];
        next.dispose();
        ids.push(id);
        fresh.push(id);
        const eos = options.eosTokenId;
        if (eos !== undefined && (Array.isArray(eos) ? eos.includes(id) : eos === id)) break;
      }
      out.push(fresh);
    }
    return out;
  }

  dispose() {
    tf.dispose(this.trainableVariables());
  }
}

/**
 * Byte-level examples from the tinyshakespeare excerpt: windows of `length` bytes whose first
 * `promptLength` bytes are prompt (not scored).
 */
export function shakespeareExamples({ count, length = 24, promptLength = 4, start = 0 }) {
  const text = readFileSync(new URL('./tinyshakespeare-excerpt.txt', import.meta.url));
  const examples = [];
  for (let i = 0; i < count; i++) {
    const from = start + i * length;
    if (from + length > text.length) throw new Error(`excerpt too short for ${count} examples of ${length} bytes from ${start}`);
    const inputIds = Array.from(text.subarray(from, from + length));
    const lossMask = inputIds.map((_, t) => (t < promptLength ? 0 : 1));
    examples.push({ inputIds, lossMask });
  }
  return examples;
}
