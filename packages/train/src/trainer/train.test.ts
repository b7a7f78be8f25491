import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { TinyLM, shakespeareExamples } from '../../test-fixtures/tiny-lm.mjs';
import { MemoryCheckpointStore } from '../checkpoint/store';
import { train, type TrainOptions } from './train';
import type { TrainEvent } from './events';
import { evaluateLoss, evaluateLossAsync } from './evaluate-loss';

beforeAll(async () => {
  await initBackend();
});

const trainSet = shakespeareExamples({ count: 32 });
const validSet = shakespeareExamples({ count: 8, start: 32 * 24 });

function losses(events: TrainEvent[]): number[] {
  return events.flatMap((e) => (e.type === 'step' ? [e.loss] : []));
}

async function run(options: Partial<TrainOptions> & { model: TinyLM }) {
  const events: TrainEvent[] = [];
  const result = await train({
    train: trainSet,
    ...options,
    onEvent: async (e) => {
      events.push(e);
      await options.onEvent?.(e);
    },
  });
  return { result, events };
}

describe('train', () => {
  it('lowers the validation loss on real text and reports steps, evals and checkpoints', async () => {
    const model = new TinyLM();
    const before = evaluateLoss(model, validSet, 8).loss;
    const store = new MemoryCheckpointStore();
    const { result, events } = await run({
      model,
      validation: validSet,
      store,
      config: { maxSteps: 30, batchSize: 4, learningRate: 0.03, warmupSteps: 3, evalEvery: 10, decay: 'cosine' },
    });
    expect(result.reason).toBe('completed');
    expect(result.step).toBe(30);
    const after = evaluateLoss(model, validSet, 8).loss;
    expect(after).toBeLessThan(before - 0.5);
    // The trainer's asynchronous evaluation (GPU backends) gives the same report, leaving no tensors.
    const tensors = tf.memory().numTensors;
    expect(await evaluateLossAsync(model, validSet, 3)).toEqual(evaluateLoss(model, validSet, 3));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(events.filter((e) => e.type === 'eval').map((e) => e.step)).toEqual([10, 20, 30]);
    expect(result.best?.step).toBeGreaterThan(0);
    expect((await store.load('last'))?.state.step).toBe(30);
    expect((await store.load('best'))?.state.step).toBe(result.best?.step);
    const first = events.find((e) => e.type === 'step');
    expect(first).toMatchObject({ step: 1, learningRate: 0 }); // warmup starts at 0, as in transformers
    model.dispose();
  });

  it('keeps tf.memory().numTensors flat across steps and evaluations', async () => {
    const model = new TinyLM();
    const counts: number[] = [];
    await train({
      model,
      train: trainSet,
      validation: validSet,
      config: { maxSteps: 8, batchSize: 4, gradientAccumulationSteps: 2, evalEvery: 2 },
      onEvent: (e) => {
        if (e.type === 'step' || e.type === 'eval') counts.push(tf.memory().numTensors);
      },
    });
    // Step 1 creates the AdamW moments; every later report sees the same count.
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(counts.length).toBeGreaterThan(8);
    model.dispose();
  });

  it('accumulating 2 micro-batches of 2 gives the update of one batch of 4', async () => {
    const config = { maxSteps: 1, learningRate: 0.01, maxGradNorm: 0 };
    const a = new TinyLM({ dropout: 0 });
    const b = new TinyLM({ dropout: 0 });
    await train({ model: a, train: trainSet, config: { ...config, batchSize: 4 } });
    await train({ model: b, train: trainSet, config: { ...config, batchSize: 2, gradientAccumulationSteps: 2 } });
    a.trainableVariables().forEach((v, i) => {
      const x = v.dataSync();
      const y = b.trainableVariables()[i].dataSync();
      for (let k = 0; k < x.length; k++) expect(Math.abs(x[k] - y[k])).toBeLessThan(1e-6);
    });
    a.dispose();
    b.dispose();
  });

  it('is repeatable: the same seed gives the same loss curve (dropout on), another seed does not', async () => {
    const config = { maxSteps: 6, batchSize: 4, learningRate: 0.02, seed: 7 };
    const curves = [];
    for (const seed of [7, 7, 8]) {
      const model = new TinyLM({ dropout: 0.2 });
      curves.push(losses((await run({ model, config: { ...config, seed } })).events));
      model.dispose();
    }
    expect(curves[1]).toEqual(curves[0]);
    expect(curves[2]).not.toEqual(curves[0]);
  });

  it('resumes from a checkpoint with the same loss curve as an uninterrupted run', async () => {
    const config = { maxSteps: 10, batchSize: 4, gradientAccumulationSteps: 2, learningRate: 0.02, warmupSteps: 2, seed: 3, checkpointEvery: 4 };
    // 16 micro-batches of 4 over 32 examples: the resumed half crosses an epoch boundary.
    const full = new TinyLM({ dropout: 0.2 });
    const uninterrupted = losses((await run({ model: full, validation: validSet, config })).events);

    const store = new MemoryCheckpointStore();
    const first = new TinyLM({ dropout: 0.2 });
    const controller = new AbortController();
    const head = await run({
      model: first,
      store,
      validation: validSet,
      config,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'checkpoint' && e.step === 4) controller.abort();
      },
    });
    expect(head.result.reason).toBe('interrupted');
    expect(head.result.step).toBe(4);
    first.dispose();

    // A fresh model with different initial weights: everything must come from the checkpoint.
    const second = new TinyLM({ dropout: 0.2, seed: 99 });
    const tail = await run({ model: second, store, validation: validSet, config, resume: true });
    expect(tail.result.reason).toBe('completed');
    const resumed = [...losses(head.events), ...losses(tail.events)];
    expect(resumed).toHaveLength(uninterrupted.length);
    resumed.forEach((l, i) => expect(Math.abs(l - uninterrupted[i])).toBeLessThanOrEqual(1e-6));
    full.trainableVariables().forEach((v, i) => {
      const x = v.dataSync();
      const y = second.trainableVariables()[i].dataSync();
      for (let k = 0; k < x.length; k++) expect(Math.abs(x[k] - y[k])).toBeLessThanOrEqual(1e-6);
    });
    full.dispose();
    second.dispose();
  });

  it('stops on a non-finite loss with a message and keeps the last good checkpoint', async () => {
    const model = new TinyLM({ dropout: 0 });
    const store = new MemoryCheckpointStore();
    // An absurd learning rate with clipping off blows the weights up within a few steps.
    const { result } = await run({ model, store, config: { maxSteps: 50, batchSize: 4, learningRate: 1e25, maxGradNorm: 0, checkpointEvery: 1, stopOnDivergence: false } });
    expect(result.reason).toBe('non-finite');
    expect(result.step).toBeLessThan(50);
    expect(result.message).toMatch(/(loss|gradient norm|weights).*(NaN|Infinity|no longer finite)/);
    expect(result.message).toMatch(/last good checkpoint \(step \d+\) is kept|no checkpoint had been saved yet/);
    // The checkpoint left in the store is the last one saved before the failure, and it is intact.
    const last = await store.load('last');
    expect(last?.state.step).toBe(result.lastCheckpointStep);
    expect(result.lastCheckpointStep).toBeLessThan(result.step + 1);
    const fresh = new TinyLM({ dropout: 0 });
    await train({ model: fresh, train: trainSet, store, resume: true, config: { maxSteps: last!.state.step, batchSize: 4, learningRate: 1e25, maxGradNorm: 0 } });
    expect(fresh.trainableVariables().every((v) => Array.from(v.dataSync()).every(Number.isFinite))).toBe(true);
    fresh.dispose();
    model.dispose();
  });

  it('picks the best checkpoint by a metric when asked, and only looks at validation', async () => {
    const model = new TinyLM();
    const store = new MemoryCheckpointStore();
    let calls = 0;
    const { result, events } = await run({
      model,
      store,
      validation: validSet,
      config: { maxSteps: 6, batchSize: 4, evalEvery: 2, selectBy: { metric: 'negLoss', higherIsBetter: true } },
      metric: (m) => {
        calls++;
        return -evaluateLoss(m, validSet, 8).loss;
      },
    });
    expect(calls).toBe(3);
    const evals = events.filter((e): e is Extract<TrainEvent, { type: 'eval' }> => e.type === 'eval');
    const bestEval = evals.reduce((a, b) => ((b.metric?.value ?? -Infinity) > (a.metric?.value ?? -Infinity) ? b : a));
    expect(result.best).toEqual({ step: bestEval.step, score: bestEval.metric?.value });
    expect((await store.load('best'))?.state.step).toBe(bestEval.step);
    model.dispose();
  });

  it('takes @smoa/datasets-style labels (-100 = not scored) as well as a loss mask', () => {
    const model = new TinyLM();
    const asLabels = validSet.map((e) => ({ inputIds: e.inputIds, labels: e.inputIds.map((id, t) => (e.lossMask[t] ? id : -100)) }));
    const a = evaluateLoss(model, validSet, 4);
    const b = evaluateLoss(model, asLabels, 4);
    expect(b.tokens).toBe(a.tokens);
    expect(b.loss).toBeCloseTo(a.loss, 6);
    expect(() => evaluateLoss(model, [{ inputIds: [1, 2, 3], labels: [-100, -100, -100] }], 4)).toThrow(/examples\[0\]: labels marks no token after the first/);
    model.dispose();
  });

  it('rejects bad configuration, data and resumes with errors that name the field', async () => {
    const model = new TinyLM();
    await expect(train({ model, train: trainSet, config: { batchSize: 0 } })).rejects.toThrow(/batchSize must be an integer >= 1, got 0/);
    await expect(train({ model, train: trainSet, config: { lr: 1 } as never })).rejects.toThrow(/unknown field "lr"/);
    await expect(train({ model, train: trainSet, config: { decay: 'step' as never } })).rejects.toThrow(/decay must be one of linear, cosine, constant, got "step"/);
    await expect(train({ model, train: [{ inputIds: [1, 2, 3], lossMask: [0, 1] }] })).rejects.toThrow(/train\[0\]: inputIds has 3 tokens but lossMask has 2/);
    await expect(train({ model, train: [{ inputIds: [1, 2, 300], lossMask: [0, 1, 1] }] })).rejects.toThrow(/train\[0\]: token id 300 is outside the vocabulary \[0, 256\)/);
    await expect(train({ model, train: [{ inputIds: [1, 2], lossMask: [1, 0] }] })).rejects.toThrow(/lossMask marks no token after the first/);
    await expect(train({ model, train: trainSet, config: { batchSize: 64 } })).rejects.toThrow(/batch size 64 is larger than the training set \(32 examples\)/);
    await expect(train({ model, train: trainSet, config: { selectBy: { metric: 'acc', higherIsBetter: true } } })).rejects.toThrow(/names metric "acc" but no metric function/);
    await expect(train({ model, train: trainSet, store: new MemoryCheckpointStore(), resume: true })).rejects.toThrow(/no "last" checkpoint/);

    const store = new MemoryCheckpointStore();
    await train({ model, train: trainSet, store, config: { maxSteps: 1, batchSize: 4 } });
    await expect(train({ model, train: trainSet, store, resume: true, config: { maxSteps: 2, batchSize: 8 } })).rejects.toThrow(
      /checkpoint was made with batchSize = 4, this run has 8/,
    );
    const other = new TinyLM({ dim: 8 });
    await expect(train({ model: other, train: trainSet, store, resume: true, config: { maxSteps: 2, batchSize: 4 } })).rejects.toThrow(
      /trainable tensor 0 .* has shape \[256,16\] but the model's variable .* has \[256,8\]/,
    );
    other.dispose();
    model.dispose();
  });
});
