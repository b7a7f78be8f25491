import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@smoa/backend';
import { injectAdapter } from '@smoa/adapters';
import { embeddedModelDir, loadLlama } from '../node';
import type { LlamaForCausalLM } from './causal-lm';
import type { TextTokenizer } from '../tokenizer/tokenizer';

beforeAll(async () => {
  await initBackend();
});

/** Next-token cross-entropy of a batch under the model. */
function lossOf(model: LlamaForCausalLM, ids: tf.Tensor2D): tf.Scalar {
  const [B, T] = ids.shape;
  const logits = model.forward(ids);
  const V = logits.shape[2];
  const inputs = tf.reshape(tf.slice(logits, [0, 0, 0], [B, T - 1, V]), [-1, V]);
  const labels = tf.oneHot(tf.reshape(tf.slice(ids, [0, 1], [B, T - 1]), [-1]) as tf.Tensor1D, V);
  return tf.losses.softmaxCrossEntropy(labels, inputs) as tf.Scalar;
}

const batch = (tokenizer: TextTokenizer | undefined, text: string) => tf.tensor2d([[1, ...tokenizer!.encode(text)]], undefined, 'int32');

describe('training', () => {
  it('keeps the base frozen: gradients reach only adapter variables, and the base is never copied', async () => {
    const { model, tokenizer } = await loadLlama(embeddedModelDir());
    expect(model.weightTensors().some((t) => t instanceof tf.Variable)).toBe(false);
    expect(model.trainableVariables()).toEqual([]);
    const baseWeights = [...model.namedLinears()].map(([, l]) => l.weight);
    const snapshot = await Promise.all(baseWeights.map((w) => w.data()));
    const adapters = injectAdapter(model, { method: 'lora', r: 4, alpha: 8, targetModules: ['q_proj', 'v_proj', 'down_proj'] });
    const vars = model.trainableVariables();
    expect(vars.length).toBe(5 * 3 * 2);
    expect(new Set(vars)).toEqual(new Set(adapters.trainableVariables()));

    const ids = batch(tokenizer, 'Lily and Ben played with a ball in the garden. They were happy.');
    const optimizer = tf.train.adam(0.01);
    const losses: number[] = [];
    let numTensors = 0;
    for (let step = 0; step < 8; step++) {
      const { value, grads } = tf.variableGrads(() => lossOf(model, ids), vars);
      expect(Object.keys(grads).length).toBe(vars.length);
      optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      losses.push((await value.data())[0]);
      tf.dispose([value, ...Object.values(grads)]);
      if (step === 1) numTensors = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(numTensors);
    expect(losses.at(-1)!).toBeLessThan(losses[0]);
    // Same tensor objects, same values: the base was neither copied nor changed.
    expect([...model.namedLinears()].map(([, l]) => l.weight)).toEqual(baseWeights);
    const after = await Promise.all(baseWeights.map((w) => w.data()));
    after.forEach((a, i) => expect(a).toEqual(snapshot[i]));
    expect(() => model.enableFullFineTuning()).toThrow(/model\.layers\.0\.self_attn\.q_proj carries adapters; enable full fine-tuning before injecting adapters/);
    optimizer.dispose();
    ids.dispose();
  });

  it('in full fine-tuning mode trains every weight', async () => {
    const { model, tokenizer } = await loadLlama(embeddedModelDir(), { fullFineTuning: true });
    const vars = model.trainableVariables();
    expect(vars.reduce((n, v) => n + v.size, 0)).toBe(model.numParameters());
    expect(model.numParameters()).toBe(260032);
    const ids = batch(tokenizer, 'Tom saw a dog. The dog was big and brown.');
    const { value, grads } = tf.variableGrads(() => lossOf(model, ids), vars);
    expect(Object.keys(grads).length).toBe(vars.length);
    for (const v of vars) expect((await tf.any(tf.notEqual(grads[v.name], 0)).data())[0]).toBe(1);
    tf.dispose([value, ...Object.values(grads), ids]);
    model.dispose();
  });
});
