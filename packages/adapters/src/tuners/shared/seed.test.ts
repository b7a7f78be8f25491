import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { createAdapter, seedAdapterInit } from '../../index';

beforeAll(async () => {
  await initBackend();
});

const weight = () => tf.randomNormal([24, 16], 0, 1, 'float32', 7) as tf.Tensor2D;

function factors(method: 'smoa' | 'lora' | 'hira', seed: number | undefined): number[][] {
  seedAdapterInit(seed);
  const config = method === 'smoa' ? { method, r: 4, numBlocks: 2 } : { method, r: 4 };
  const layer = createAdapter(config as Parameters<typeof createAdapter>[0], { weight: weight() });
  seedAdapterInit(undefined);
  const state = layer.state();
  return Object.keys(state).sort().map((k) => Array.from(state[k].dataSync()));
}

describe('seedAdapterInit', () => {
  it.each(['smoa', 'lora', 'hira'] as const)('makes %s initialisation repeatable, and different seeds differ', (method) => {
    expect(factors(method, 5)).toEqual(factors(method, 5));
    expect(factors(method, 5)).not.toEqual(factors(method, 6));
    expect(factors(method, undefined)).not.toEqual(factors(method, undefined));
  });

  it('rejects a seed that is not a non-negative integer, naming the field', () => {
    expect(() => seedAdapterInit(-1)).toThrow(/"seed" must be a non-negative integer, got -1/);
    expect(() => seedAdapterInit(1.5)).toThrow(/"seed" must be a non-negative integer, got 1.5/);
  });
});
