// Swap SMoA into an existing tf.sequential model and fine-tune only the adapter, with our AdamW.
// Data: character bigrams of real text (tinyshakespeare, vendored in @smoa/datasets).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { wrapDenseLayers } from '@smoa/adapters/layers';
import { loadTask } from '@smoa/datasets/node';
import { AdamW } from '@smoa/train';

const CHARS = 'abcdefghijklmnopqrstuvwxyz ';
let x: tf.Tensor2D;
let y: tf.Tensor2D;

beforeAll(async () => {
  await initBackend();
  const text = (await loadTask('tinyshakespeare', 'train')).slice(0, 200).map((e) => e.target.toLowerCase()).join(' ');
  const ids = [...text].map((c) => CHARS.indexOf(c)).filter((i) => i >= 0);
  const n = Math.min(4000, ids.length - 1);
  x = tf.cast(tf.oneHot(tf.tensor1d(ids.slice(0, n), 'int32'), CHARS.length), 'float32') as tf.Tensor2D;
  y = tf.cast(tf.oneHot(tf.tensor1d(ids.slice(1, n + 1), 'int32'), CHARS.length), 'float32') as tf.Tensor2D;
});

describe('SMoA in a tfjs-layers model', () => {
  it('replaces the Dense layers and trains only the adapter weights', async () => {
    const base = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [CHARS.length], units: 32, activation: 'relu', name: 'hidden' }),
        tfl.layers.dense({ units: CHARS.length, activation: 'softmax', name: 'out' }),
      ],
    });
    // "Pre-train" the base briefly so the adapter starts from a real model.
    base.compile({ optimizer: new AdamW({ learningRate: 0.02 }), loss: 'categoricalCrossentropy' });
    await base.fit(x, y, { epochs: 2, batchSize: 256, verbose: 0 });
    const frozen = base.getWeights().map((w) => w.dataSync().slice());

    const model = wrapDenseLayers(base, { method: 'smoa', r: 8, numBlocks: 2, targetModules: ['hidden', 'out'] });
    model.compile({ optimizer: new AdamW({ learningRate: 0.02, weightDecay: 0 }), loss: 'categoricalCrossentropy' });
    const trainable = model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
    const before = (model.evaluate(x, y, { batchSize: 512 }) as tf.Scalar).dataSync()[0];
    const history = await model.fit(x, y, { epochs: 4, batchSize: 256, verbose: 0 });
    const after = (model.evaluate(x, y, { batchSize: 512 }) as tf.Scalar).dataSync()[0];

    expect(trainable).toBeGreaterThan(0);
    expect(trainable).toBeLessThan(base.countParams());
    expect(after).toBeLessThan(before);
    expect((history.history.loss as number[]).every(Number.isFinite)).toBe(true);
    // The original Dense weights did not move: only the adapter trained.
    base.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(frozen[i])));
  });
});
