import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@smoa/backend';
import { injectAdapter } from '@smoa/adapters';
import { llamaConfig, randomLlama } from '../model/random';
import { estimateMemory } from './estimate';

beforeAll(async () => {
  await initBackend();
});

const TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
const config = llamaConfig({ vocabSize: 256, hiddenSize: 128, numHiddenLayers: 3, numAttentionHeads: 4, numKeyValueHeads: 2, intermediateSize: 352, maxPositionEmbeddings: 256 });

/** Peak tf memory of one training step (after a first one, as the bench measures), with AdamW-sized moments. */
async function measuredPeak(method: 'lora' | 'smoa' | 'full', checkpointActivations: boolean, B: number, T: number): Promise<number> {
  const model = randomLlama(config, { seed: 1 });
  if (method === 'full') model.enableFullFineTuning();
  else injectAdapter(model, { method, r: 8, ...(method === 'smoa' ? { numBlocks: 2 } : {}), targetModules: TARGETS });
  model.setActivationCheckpointing(checkpointActivations);
  const vars = model.trainableVariables();
  // AdamW's two moments per parameter, resident like the optimizer's.
  const moments = vars.flatMap((v) => [tf.zerosLike(v), tf.zerosLike(v)]);
  const ids = tf.tensor2d(Int32Array.from({ length: B * T }, (_, i) => (i * 31 + 7) % config.vocabSize), [B, T], 'int32');
  const step = () => {
    const { value, grads } = tf.variableGrads(() => tf.neg(tf.sum(tf.logSoftmax(model.forward(ids)))) as tf.Scalar, vars);
    tf.dispose([value, ...Object.values(grads)]);
  };
  step();
  const info = await tf.profile(step);
  tf.dispose([ids, ...moments]);
  model.dispose();
  tf.disposeVariables();
  return info.peakBytes;
}

describe('estimateMemory', () => {
  it.each([
    ['lora', false],
    ['lora', true],
    ['smoa', false],
    ['smoa', true],
    ['full', false],
  ] as const)('is within 25%% of the measured peak of a %s step (checkpointing %s)', async (method, checkpointActivations) => {
    const [B, T] = [2, 64];
    const measured = await measuredPeak(method, checkpointActivations, B, T);
    const estimate = estimateMemory(config, { method, r: 8, targetModules: TARGETS, batchSize: B, seqLength: T, checkpointActivations });

    expect(estimate.peakBytes / measured).toBeGreaterThan(0.75);
    expect(estimate.peakBytes / measured).toBeLessThan(1.25);
  });

  it('says whether a step fits wasm, and names a bad option', () => {
    const small = estimateMemory(config, { method: 'lora', batchSize: 1, seqLength: 16, backend: 'wasm' });
    expect(small.fits).toBe(true);
    expect(small.limitBytes).toBe(4 * 2 ** 30);
    expect(estimateMemory(config, { method: 'lora', batchSize: 1, seqLength: 16, backend: 'cpu' }).fits).toBeUndefined();
    expect(() => estimateMemory(config, { method: 'lora', batchSize: 0, seqLength: 16 })).toThrow(/batchSize must be an integer >= 1, got 0/);
    expect(() => estimateMemory(config, { method: 'nope', batchSize: 1, seqLength: 16 })).toThrow(/method must be one of .*got "nope"/);
  });
});
