import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@smoa/backend';
import { loadLlama } from '../node';
import { fixture } from '../test-util/fixtures';
import { llamaConfig } from './random';
import { ropeTables } from './rope';
import { RotaryTables } from './speed-tricks';

beforeAll(async () => {
  await initBackend();
});

async function withConfig(name: string, edit: (c: Record<string, unknown>) => void): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'smoa-rope-')), name);
  await cp(fixture('generated', name), dir, { recursive: true });
  const c = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
  edit(c);
  await writeFile(join(dir, 'config.json'), JSON.stringify(c));
  return dir;
}

describe('rotary tables sized to what is used', () => {
  it.each([[1e7], [1e9]])('max_position_embeddings %d allocates only a few MB and gives the same logits', async (max) => {
    const dir = await withConfig('llama32_tied_llama3_rope', (c) => (c.max_position_embeddings = max));
    const small = await loadLlama(fixture('generated', 'llama32_tied_llama3_rope'));
    const before = tf.memory().numBytes;
    const big = await loadLlama(dir);
    const loadedBytes = tf.memory().numBytes - before;
    // The weights plus tables of 8,192 positions: far below the 1.35 GB a 1e7-row table takes.
    expect(loadedBytes).toBeLessThan(16 * 2 ** 20);
    const ids = tf.tensor2d([[1, 5, 9, 13, 17, 21]], undefined, 'int32');
    const a = big.model.forward(ids);
    const b = small.model.forward(ids);
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    tf.dispose([ids, a, b]);
    big.model.dispose();
    small.model.dispose();
  });

  it('grows past 8,192 positions when a position gets there, with the values of the full table', async () => {
    const config = { ...llamaConfig({ hiddenSize: 32, numAttentionHeads: 2, numHiddenLayers: 1, vocabSize: 8 }), maxPositionEmbeddings: 1e9 };
    const tables = new RotaryTables(config);
    expect(tables.size).toBe(8192);
    const positions = tf.tensor2d([[3, 9000]], undefined, 'int32');
    const at = tf.tidy(() => ({ ...tables.at(positions) }));
    // Doubled, not sized to the config; the tables survive the caller's tidy.
    expect(tables.size).toBe(16384);
    const want = ropeTables(config, 9001);
    const d = config.headDim;
    expect(Array.from((await at.cos.data()).slice(d))).toEqual(Array.from(want.cos.slice(9000 * d, 9001 * d)));
    const tensors = tf.memory().numTensors;
    tf.dispose(tf.tidy(() => Object.values(tables.at(positions)) as tf.Tensor[]));
    expect(tf.memory().numTensors).toBe(tensors);
    // With the bound the model passes (cache length + new tokens) it grows without reading positions back.
    tf.dispose(tf.tidy(() => Object.values(tables.at(positions, 20_000)) as tf.Tensor[]));
    expect(tables.size).toBe(32768);
    tf.dispose([positions, at.cos, at.sin, at.cosQ, at.sinQ]);
    tables.dispose();
  });
});

describe('Mistral sliding_window', () => {
  it('refuses a sequence longer than the window, naming it', async () => {
    const { model } = await loadLlama(fixture('generated', 'mistral_sliding_window'));
    expect(model.config.slidingWindow).toBe(32);
    const ids = tf.tensor2d([Array.from({ length: 33 }, () => 3)], undefined, 'int32');
    expect(() => model.forward(ids)).toThrow(/input needs 33 positions but sliding_window is 32; sliding-window attention is not implemented/);
    await expect(model.generate([[1, 2, 3]], { maxNewTokens: 30 })).rejects.toThrow(/a prompt of 3 tokens plus 30 new tokens needs 33 positions but sliding_window is 32/);
    ids.dispose();
    model.dispose();
  });
});
