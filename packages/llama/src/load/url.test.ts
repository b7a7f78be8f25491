import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@smoa/backend';
import { embeddedModelDir, loadLlama } from '../node';
import { fixturesDir } from '../test-util/fixtures';
import { SafetensorsReader, blobSource, readSafetensors } from '@smoa/safetensors';
import { buildLlama, loadLlamaFromUrl } from './load';

// A static file server over the fixtures and the embedded model: what a page serving a model offers.
let server: Server;
let base: string;

beforeAll(async () => {
  await initBackend();
  const roots: Record<string, string> = { fixtures: fixturesDir, embedded: embeddedModelDir() };
  server = createServer(async (req, res) => {
    const [, root, ...rest] = decodeURIComponent(new URL(req.url!, 'http://x').pathname).split('/');
    const path = normalize(join(roots[root] ?? '/nonexistent', ...rest));
    try {
      const body = await readFile(path);
      res.writeHead(200, { 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('loading over HTTP (the browser path)', () => {
  it('gives the same model and tokenizer as loading from disk', async () => {
    const fromUrl = await loadLlamaFromUrl(`${base}/embedded/`);
    const fromDisk = await loadLlama(embeddedModelDir());
    expect(fromUrl.config).toEqual(fromDisk.config);
    expect(fromUrl.tokenizer!.encode('Once upon a time')).toEqual(fromDisk.tokenizer!.encode('Once upon a time'));
    const ids = tf.tensor2d([[1, 403, 407, 261]], undefined, 'int32');
    const a = fromUrl.model.forward(ids);
    const b = fromDisk.model.forward(ids);
    expect(await a.data()).toEqual(await b.data());
    tf.dispose([ids, a, b]);
    fromUrl.model.dispose();
    fromDisk.model.dispose();
  });

  it('reads a sharded checkpoint and names what is missing by URL', async () => {
    const { model } = await loadLlamaFromUrl(`${base}/fixtures/generated/gqa_attention_bias_sharded`);
    expect(model.config.numKeyValueHeads).toBe(2);
    model.dispose();
    await expect(loadLlamaFromUrl(`${base}/fixtures/nothing-here/`)).rejects.toThrow(/\/fixtures\/nothing-here\/config\.json: no such file/);
    await expect(loadLlamaFromUrl(`${base}/fixtures/peft_tiny_mha/`)).rejects.toThrow(/config\.json: no such file/);
  });
});

describe('building from in-memory sources', () => {
  it('gives the same logits from bytes and from a Blob as from the directory', async () => {
    const dir = join(fixturesDir, 'llama_tiny_mha');
    const bytes = new Uint8Array(await readFile(join(dir, 'model.safetensors')));
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    const fromBytes = await buildLlama(config, [await readSafetensors(bytes, 'model.safetensors')]);
    const fromBlob = await buildLlama(config, [await SafetensorsReader.open(blobSource(new Blob([bytes]), 'blob'))], { name: 'blob model' });
    const { model } = await loadLlama(dir);
    const ids = tf.tensor2d([[1, 5, 9, 2]], undefined, 'int32');
    const want = await model.forward(ids).data();
    expect(await fromBytes.forward(ids).data()).toEqual(want);
    expect(await fromBlob.forward(ids).data()).toEqual(want);
    expect(() => fromBlob.forward(tf.tensor2d([[500]], undefined, 'int32'))).toThrow(/^blob model: token id 500/);
    await expect(buildLlama({ ...config, vocab_size: 98 }, [await readSafetensors(bytes, 'model.safetensors')])).rejects.toThrow(
      /model\.safetensors: tensor "model\.embed_tokens\.weight" has shape \[97, 64\]; config\.json implies \[98, 64\]/,
    );
    for (const m of [fromBytes, fromBlob, model]) m.dispose();
  });
});
