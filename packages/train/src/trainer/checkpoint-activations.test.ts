import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { TinyLM, shakespeareExamples } from '../../test-fixtures/tiny-lm.mjs';
import { resolveTrainConfig } from './config';
import { train } from './train';

beforeAll(async () => {
  await initBackend();
});

const trainSet = shakespeareExamples({ count: 8 });

describe('TrainConfig.checkpointActivations', () => {
  it('is off by default and must be a boolean', () => {
    expect(resolveTrainConfig({}).checkpointActivations).toBe(false);
    expect(() => resolveTrainConfig({ checkpointActivations: 'yes' as unknown as boolean })).toThrow(/checkpointActivations must be true or false, got "yes"/);
  });

  it('refuses a model that cannot checkpoint, before any step', async () => {
    await expect(train({ model: new TinyLM(), train: trainSet, config: { maxSteps: 1, batchSize: 2, checkpointActivations: true } })).rejects.toThrow(
      /checkpointActivations needs a model with setActivationCheckpointing/,
    );
  });

  it('switches the model to checkpointing for the steps and back afterwards', async () => {
    const model = new TinyLM();
    const seen: boolean[] = [];
    let on = false;
    Object.assign(model, { setActivationCheckpointing: (v: boolean) => (on = v) });
    const result = await train({ model, train: trainSet, config: { maxSteps: 2, batchSize: 2, checkpointActivations: true }, onEvent: (e) => void (e.type === 'step' && seen.push(on)) });
    expect(result.reason).toBe('completed');
    expect(seen).toEqual([true, true]);
    expect(on).toBe(false);
  });
});
