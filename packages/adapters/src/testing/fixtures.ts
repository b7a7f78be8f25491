// Helpers for tests only (not exported by any entry point).
import * as tf from '@tensorflow/tfjs-core';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '@smoa/safetensors';
import { mulberry32 } from '@smoa/core';

export const fixturePath = (rel: string): string => fileURLToPath(new URL(`../../test-fixtures/${rel}`, import.meta.url));

export interface Fixture {
  metadata: Record<string, string>;
  keys: string[];
  has(name: string): boolean;
  tensor(name: string): Promise<tf.Tensor>;
  ints(name: string): Promise<number[]>;
}

export async function loadFixture(rel: string): Promise<Fixture> {
  const path = fixturePath(rel);
  const reader = await readSafetensors(await readFile(path), path);
  return {
    metadata: reader.metadata,
    keys: reader.keys(),
    has: (name) => reader.has(name),
    async tensor(name) {
      const t = await reader.read(name);
      return t.dtype === 'I32' ? tf.tensor(t.data as Int32Array, t.shape, 'int32') : tf.tensor(t.data as Float32Array, t.shape, 'float32');
    },
    async ints(name) {
      return Array.from((await reader.read(name)).data as Int32Array);
    },
  };
}

/** max |a - b| / max |b|. */
export function relError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(tf.max(tf.abs(b)).dataSync()[0], 1e-30));
}

/** A small seeded generator so tests do not depend on tfjs's global random state. */
export const seededRandom = mulberry32;

export function randomMatrix(rows: number, cols: number, seed: number, scale = 1): tf.Tensor2D {
  const rnd = seededRandom(seed);
  return tf.tensor2d(Float32Array.from({ length: rows * cols }, () => (rnd() * 2 - 1) * scale), [rows, cols]);
}
