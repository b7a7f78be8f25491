import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { relError, randomMatrix } from '../testing/fixtures';
import { AdapterDense } from '../tuners/shared/adapter-dense';
import { SMoADense } from '../tuners/smoa/dense';
import { unwrapDenseLayers, wrapDenseLayers, type WrapConfig } from './wrap';

beforeAll(async () => {
  await initBackend();
});

function baseModel(): tfl.LayersModel {
  const inp = tfl.input({ shape: [12] });
  const h = tfl.layers.dense({ units: 16, activation: 'relu', name: 'fc1', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }).apply(inp) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 10, name: 'fc2', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }).apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: inp, outputs: out });
}

/** Serialises to memory and back, as model.save / tf.loadLayersModel do with a file. */
async function roundTrip(m: tfl.LayersModel): Promise<tfl.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await m.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return tfl.loadLayersModel(tf.io.fromMemory(saved!));
}

describe.each<[string, WrapConfig]>([
  ['smoa', { method: 'smoa', r: 4, numBlocks: 2, alpha: 8 }],
  ['lora', { method: 'lora', r: 2, alpha: 4 }],
  ['hira', { method: 'hira', r: 2, alpha: 4 }],
  ['melora', { method: 'melora', r: 4, numBlocks: 2, alpha: 8 }],
  ['dora', { method: 'dora', r: 2, alpha: 4 }],
])('wrapDenseLayers with %s', (method, config) => {
  it('starts as the original model, trains only adapter weights, survives save / load, and unwraps to plain Dense', async () => {
    const original = baseModel();
    const originalWeights = original.getWeights().map((w) => w.dataSync().slice());
    const x = randomMatrix(32, 12, 1);
    const target = randomMatrix(32, 10, 2);
    const before = original.predict(x) as tf.Tensor;
    const wrapped = wrapDenseLayers(original, { ...config, seed: 7 });
    expect(wrapped.layers.filter((l) => l instanceof AdapterDense && l.getClassName().toLowerCase() === `${method}dense`).map((l) => l.name)).toEqual([`fc1_${method}`, `fc2_${method}`]);
    expect(relError(wrapped.predict(x) as tf.Tensor, before)).toBeLessThan(1e-6);
    expect(wrapped.trainableWeights.length).toBeGreaterThan(0);
    expect(wrapped.trainableWeights.every((w) => w.name.includes('lora_'))).toBe(true);
    const frozen = wrapped.nonTrainableWeights.map((w) => w.read().dataSync().slice());

    wrapped.compile({ optimizer: tf.train.adam(0.02), loss: 'meanSquaredError' });
    const history = await wrapped.fit(x, target, { epochs: 60, batchSize: 32, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan(0.8 * losses[0]);
    wrapped.nonTrainableWeights.forEach((w, i) => expect(w.read().dataSync()).toEqual(frozen[i]));
    // The caller's model is untouched: its layers stay trainable and keep their weights.
    expect(original.layers.filter((l) => l.getClassName() === 'Dense').every((l) => l.trainable)).toBe(true);
    original.getWeights().forEach((w, i) => expect(w.dataSync()).toEqual(originalWeights[i]));

    const trained = wrapped.predict(x) as tf.Tensor;
    const reloaded = await roundTrip(wrapped);
    expect((reloaded.predict(x) as tf.Tensor).dataSync()).toEqual(trained.dataSync());
    if (method === 'smoa') {
      const a = wrapped.layers.find((l) => l instanceof SMoADense)!.getConfig();
      const b = reloaded.layers.find((l) => l instanceof SMoADense)!.getConfig();
      expect(b.rowOrder).toEqual(a.rowOrder);
      expect(b.colOrder).toEqual(a.colOrder);
    }

    const merged = unwrapDenseLayers(wrapped, { merge: true });
    expect(merged.layers.some((l) => l instanceof AdapterDense)).toBe(false);
    expect(merged.layers.filter((l) => l.getClassName() === 'Dense').map((l) => l.name)).toEqual(['fc1', 'fc2']);
    expect(relError(merged.predict(x) as tf.Tensor, trained)).toBeLessThan(1e-5);
    const restored = unwrapDenseLayers(wrapped, { merge: false });
    expect(relError(restored.predict(x) as tf.Tensor, before)).toBeLessThan(1e-6);
  });
});

describe('wrapDenseLayers input checks', () => {
  it('names the Dense layers when targetModules matches none', () => {
    expect(() => wrapDenseLayers(baseModel(), { method: 'lora', r: 2, targetModules: ['fc3'] })).toThrow(/matched no Dense layer. Dense layers: fc1, fc2/);
  });

  it('rejects a bad rank and an unknown method by name', () => {
    expect(() => wrapDenseLayers(baseModel(), { method: 'smoa', r: 0 })).toThrow(/"r" must be a positive integer/);
    expect(() => wrapDenseLayers(baseModel(), { method: 'ia3', r: 2 } as unknown as WrapConfig)).toThrow(/"method" must be one of 'smoa', 'lora', 'hira', 'melora', 'dora', got "ia3"/);
    expect(() => wrapDenseLayers(baseModel(), { method: 'melora', r: 4, numBlocks: 0 })).toThrow(/MELoRADense.*numBlocks/);
    expect(() => unwrapDenseLayers(baseModel(), {} as { merge: boolean })).toThrow(/options must be \{ merge: true \} or \{ merge: false \}/);
  });

  it('repeats dropout masks for the same dropoutSeed', () => {
    const x = randomMatrix(8, 12, 6);
    const outputs = (seed: number) => {
      const wrapped = wrapDenseLayers(baseModel(), { method: 'lora', r: 2, dropout: 0.2, seed: 1, targetModules: ['fc1'] });
      const layer = wrapped.layers.find((l) => l instanceof AdapterDense) as AdapterDense;
      // B starts at zero, which would hide the mask.
      layer.trainableWeights.forEach((w) => w.write(tf.add(w.read(), 0.1)));
      layer.dropoutSeed = seed;
      return [0, 1].map(() => Array.from((layer.apply(x, { training: true }) as tf.Tensor).dataSync()));
    };
    const a = outputs(5);
    expect(outputs(5)).toEqual(a);
    expect(a[1]).not.toEqual(a[0]);
    expect(outputs(6)[0]).not.toEqual(a[0]);
  });

  it('gives the same initial factors for the same seed', () => {
    const factors = (seed: number) => wrapDenseLayers(baseModel(), { method: 'lora', r: 2, seed }).trainableWeights.map((w) => Array.from(w.read().dataSync()));
    expect(factors(3)).toEqual(factors(3));
    expect(factors(4)).not.toEqual(factors(3));
  });

  it('works on a Sequential model and only wraps the targeted layer', () => {
    const seq = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [6], units: 8, name: 'a' }), tfl.layers.dense({ units: 3, name: 'b' })] });
    const wrapped = wrapDenseLayers(seq, { method: 'smoa', r: 2, targetModules: ['b'] });
    expect(wrapped.layers.map((l) => l.getClassName())).toEqual(['InputLayer', 'Dense', 'SMoADense']);
    const x = randomMatrix(4, 6, 3);
    expect(relError(wrapped.predict(x) as tf.Tensor, seq.predict(x) as tf.Tensor)).toBeLessThan(1e-6);
  });

  it.each<WrapConfig>([
    { method: 'smoa', r: 4 },
    { method: 'smoa', r: 4, dropout: 0.2 },
    { method: 'hira', r: 2, dropout: 0.2 },
    { method: 'melora', r: 4, numBlocks: 2, dropout: 0.2 },
    { method: 'dora', r: 2, dropout: 0.2 },
  ])('keeps numTensors flat over training steps ($method, dropout $dropout)', async (config) => {
    const wrapped = wrapDenseLayers(baseModel(), config);
    wrapped.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
    const x = randomMatrix(8, 12, 4);
    const y = randomMatrix(8, 10, 5);
    await wrapped.trainOnBatch(x, y);
    const start = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) await wrapped.trainOnBatch(x, y);
    expect(tf.memory().numTensors).toBe(start);
  });
});
