// One tfjs engine for the app and every @smoa package: tfjs-core is a peer dependency everywhere.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { Linear } from '@smoa/adapters';
import { embeddedModelDir, loadLlama } from '@smoa/llama/node';

let backendName = '';
beforeAll(async () => {
  backendName = (await initBackend()).name;
});

describe('shared tfjs engine', () => {
  it('tensors from @smoa/adapters and @smoa/llama live in this app engine, on the backend @smoa/backend set', async () => {
    expect(tf.getBackend()).toBe(backendName);
    const lin = new Linear(tf.eye(3) as tf.Tensor2D);
    const y = lin.apply(tf.ones([2, 3]));
    expect(y).toBeInstanceOf(tf.Tensor);
    expect(Array.from(y.dataSync())).toEqual([1, 1, 1, 1, 1, 1]);

    const { model } = await loadLlama(embeddedModelDir());
    const before = tf.memory().numTensors;
    const logits = model.forward(tf.tensor2d([[1, 403, 407]], [1, 3], 'int32'));
    expect(logits).toBeInstanceOf(tf.Tensor);
    // Registered in this engine's bookkeeping, computed by the backend @smoa/backend chose.
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    expect(tf.engine().backendName).toBe(backendName);
    logits.dispose();
    model.dispose();
  });
});
