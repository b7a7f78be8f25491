import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { openSafetensorsFile } from '@smoa/safetensors/node';

export const fixturesDir = join(__dirname, '..', '..', 'test-fixtures');
export const fixture = (...parts: string[]) => join(fixturesDir, ...parts);

/** All tensors of a safetensors file as plain typed arrays with shapes. */
export async function readAll(path: string): Promise<Record<string, { shape: number[]; data: Float32Array | Int32Array }>> {
  const r = await openSafetensorsFile(path);
  const out: Record<string, { shape: number[]; data: Float32Array | Int32Array }> = {};
  for (const k of r.keys()) {
    const t = await r.read(k);
    out[k] = { shape: t.shape, data: t.data as Float32Array | Int32Array };
  }
  await r.close();
  return out;
}

/** Largest |a - b| / (1 + |b|) over all entries: relative for large values, absolute near zero. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return m;
}

export function rows(data: ArrayLike<number>, shape: number[]): number[][] {
  const [B, T] = shape;
  return Array.from({ length: B }, (_, b) => Array.from(data).slice(b * T, (b + 1) * T));
}

export const int2d = (values: number[][]) => tf.tensor2d(values, undefined, 'int32');
