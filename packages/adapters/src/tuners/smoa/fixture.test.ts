import * as tf from '@tensorflow/tfjs-core';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { readSafetensors } from '@smoa/safetensors';
import { createAdapter } from '../registry';
import type { SMoALayer } from './layer';

const FIXTURE = fileURLToPath(new URL('../../../test-fixtures/smoa_40x56_k2_r6.safetensors', import.meta.url));

beforeAll(async () => {
  await initBackend();
});

describe('SMoA parity with the float64 reference fixture', () => {
  it('reproduces block orders exactly and delta / outputs within 1e-4 relative', async () => {
    const reader = await readSafetensors(await readFile(FIXTURE), FIXTURE);
    const meta = JSON.parse(reader.metadata.config) as { r: number; num_blocks: number; alpha: number; branch_ranks: number[] };
    const t = async (name: string) => {
      const v = await reader.read(name);
      return v.dtype === 'I32' ? tf.tensor(v.data as Int32Array, v.shape, 'int32') : tf.tensor(v.data as Float32Array, v.shape);
    };
    const weight = (await t('weight')) as tf.Tensor2D;
    const layer = createAdapter({ method: 'smoa', r: meta.r, alpha: meta.alpha, numBlocks: meta.num_blocks, branchRanks: meta.branch_ranks }, { weight }) as SMoALayer;
    const record: Record<string, tf.Tensor> = {};
    for (let k = 0; k < meta.num_blocks; k++) {
      expect(Array.from(layer.blocks[k].rows)).toEqual(Array.from((await reader.read(`rows.${k}`)).data as Int32Array));
      expect(Array.from(layer.blocks[k].cols)).toEqual(Array.from((await reader.read(`cols.${k}`)).data as Int32Array));
      record[`lora_A.${k}.weight`] = await t(`lora_A.${k}`);
      record[`lora_B.${k}.weight`] = await t(`lora_B.${k}`);
    }
    layer.loadState(record);
    const rel = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / tf.max(tf.abs(b)).dataSync()[0]);
    const delta = layer.deltaWeight();
    expect(rel(delta, await t('delta'))).toBeLessThan(1e-4);
    const y = layer.apply(await t('x'));
    expect(rel(y, await t('y'))).toBeLessThan(1e-4);
  });
});
