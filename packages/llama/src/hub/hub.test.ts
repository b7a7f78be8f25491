import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@smoa/backend';
import { openSafetensorsFile } from '@smoa/safetensors/node';
import { serializeSafetensors } from '@smoa/safetensors';
import { embeddedModelDir, loadLlama, loadLlamaConfig, loadTokenizer } from '../node';
import { startTestHub, type TestHub } from '../test-util/hub-server';
import type { DownloadProgress } from './download';
import { loadLlamaFromHub } from './browser-load';

const COMMIT = 'a'.repeat(39) + '1';
let hub: TestHub;
let embedded: Record<string, Uint8Array>;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const caches: string[] = [];

async function newCache(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'smoa-hub-cache-'));
  caches.push(dir);
  return dir;
}

/** Every file under dir, relative, with links shown as "-> target". */
async function tree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(join(dir, prefix), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await tree(dir, rel)));
    else if (e.isSymbolicLink()) out.push(`${rel} -> ${await readlink(join(dir, rel))}`);
    else out.push(rel);
  }
  return out;
}

async function logitsOf(model: { forward(ids: tf.Tensor2D): tf.Tensor3D }): Promise<Float32Array> {
  const ids = tf.tensor2d([[1, 40, 77, 300, 5]], undefined, 'int32');
  const out = model.forward(ids);
  const data = (await out.data()) as Float32Array;
  tf.dispose([ids, out]);
  return data;
}

beforeAll(async () => {
  // The machine's own Hub settings must not leak into these tests.
  for (const v of ['HF_HUB_OFFLINE', 'HF_TOKEN', 'HF_ENDPOINT', 'HF_HUB_CACHE', 'HF_HOME']) delete process.env[v];
  await initBackend({ prefer: 'wasm' });
  hub = await startTestHub();
  embedded = {};
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']) {
    embedded[f] = new Uint8Array(await readFile(join(embeddedModelDir(), f)));
  }
  const generation = JSON.stringify({ bos_token_id: 1, eos_token_id: [2, 7] });
  hub.repos.set('smoa/stories260K', { commit: COMMIT, files: { ...embedded, 'generation_config.json': generation } });
});

afterEach(() => {
  hub.requests.length = 0;
  hub.faults.clear();
});

afterAll(async () => {
  await hub.close();
  await Promise.all(caches.map((c) => rm(c, { recursive: true, force: true })));
});

describe('loadLlama by Hub id', () => {
  it('downloads through resolve URLs into the huggingface_hub layout and gives the model of the directory', async () => {
    const cacheDir = await newCache();
    const progress: DownloadProgress[] = [];
    const fromHub = await loadLlama('smoa/stories260K', { endpoint: hub.endpoint, cacheDir, onProgress: (p) => progress.push(p) });
    const fromDir = await loadLlama(embeddedModelDir());
    expect(await logitsOf(fromHub.model)).toEqual(await logitsOf(fromDir.model));
    expect(fromHub.tokenizer?.encode('Once upon a time')).toEqual(fromDir.tokenizer?.encode('Once upon a time'));
    // generation_config.json's stop list replaces config.json's.
    expect(fromHub.config.eosTokenId).toEqual([2, 7]);
    expect(fromHub.generationConfig).toEqual({ bosTokenId: 1, eosTokenId: [2, 7] });

    const weightsSha = sha256(embedded['model.safetensors']);
    const gitSha = (b: Uint8Array) => createHash('sha1').update(`blob ${b.byteLength}\0`).update(b).digest('hex');
    const files = await tree(join(cacheDir, 'models--smoa--stories260K'));
    expect(files).toEqual(
      [
        `blobs/${gitSha(embedded['config.json'])}`,
        `blobs/${gitSha(new TextEncoder().encode(JSON.stringify({ bos_token_id: 1, eos_token_id: [2, 7] })))}`,
        `blobs/${gitSha(embedded['tokenizer.json'])}`,
        `blobs/${gitSha(embedded['tokenizer_config.json'])}`,
        `blobs/${weightsSha}`,
        `.no_exist/${COMMIT}/model.safetensors.index.json`,
        'refs/main',
        `snapshots/${COMMIT}/config.json -> ../../blobs/${gitSha(embedded['config.json'])}`,
        `snapshots/${COMMIT}/generation_config.json -> ../../blobs/${gitSha(new TextEncoder().encode(JSON.stringify({ bos_token_id: 1, eos_token_id: [2, 7] })))}`,
        `snapshots/${COMMIT}/model.safetensors -> ../../blobs/${weightsSha}`,
        `snapshots/${COMMIT}/tokenizer.json -> ../../blobs/${gitSha(embedded['tokenizer.json'])}`,
        `snapshots/${COMMIT}/tokenizer_config.json -> ../../blobs/${gitSha(embedded['tokenizer_config.json'])}`,
      ].sort((a, b) => a.localeCompare(b)),
    );
    expect(await readFile(join(cacheDir, 'models--smoa--stories260K', 'refs', 'main'), 'utf8')).toBe(COMMIT);
    // Only resolve URLs; after the first answer pinned the commit, every URL names it.
    for (const r of hub.requests.filter((q) => q.host === 'hub')) expect(r.url).toMatch(/^\/smoa\/stories260K\/resolve\/(main|a{39}1)\//);
    expect(hub.requests.filter((q) => q.host === 'hub').slice(1).every((r) => r.url.includes(COMMIT))).toBe(true);
    const weights = progress.filter((p) => p.file === 'model.safetensors');
    expect(weights.at(-1)).toEqual({ file: 'model.safetensors', loaded: embedded['model.safetensors'].byteLength, total: embedded['model.safetensors'].byteLength });
    fromHub.model.dispose();
    fromDir.model.dispose();
  });

  it('works again offline without a single request (offline: true and HF_HUB_OFFLINE=1)', async () => {
    const cacheDir = await newCache();
    (await loadLlama('smoa/stories260K', { endpoint: hub.endpoint, cacheDir })).model.dispose();
    hub.requests.length = 0;
    const a = await loadLlama('smoa/stories260K', { endpoint: hub.endpoint, cacheDir, offline: true });
    process.env.HF_HUB_OFFLINE = '1';
    try {
      const b = await loadLlama('smoa/stories260K', { endpoint: 'http://127.0.0.1:9', cacheDir });
      expect(await logitsOf(b.model)).toEqual(await logitsOf(a.model));
      b.model.dispose();
      await expect(loadLlama('smoa/other', { cacheDir })).rejects.toThrow(
        /smoa\/other@main: config\.json is not in the cache .* \(no snapshot of this revision\) and offline mode .* is on; download it once online/,
      );
    } finally {
      delete process.env.HF_HUB_OFFLINE;
    }
    expect(hub.requests).toEqual([]);
    a.model.dispose();
  });

  it('finds a model that Python wrote into the cache (blobs, relative links, refs/main), with no server', async () => {
    const cacheDir = await newCache();
    const repo = join(cacheDir, 'models--TheOrg--py-model');
    const commit = '0123456789abcdef0123456789abcdef01234567';
    await mkdir(join(repo, 'blobs'), { recursive: true });
    await mkdir(join(repo, 'refs'));
    await mkdir(join(repo, 'snapshots', commit), { recursive: true });
    await writeFile(join(repo, 'refs', 'main'), commit);
    for (const [file, data] of Object.entries(embedded)) {
      const blob = sha256(data);
      await writeFile(join(repo, 'blobs', blob), data);
      await symlink(`../../blobs/${blob}`, join(repo, 'snapshots', commit, file));
    }
    const { model, tokenizer } = await loadLlama('TheOrg/py-model', { cacheDir, endpoint: 'http://127.0.0.1:9', offline: true, tokenizer: 'required' });
    expect(tokenizer.decode(tokenizer.encode('Lily'))).toBe('Lily');
    model.dispose();
    // The commit id works as a revision too.
    (await loadLlama(`TheOrg/py-model@${commit}`, { cacheDir, offline: true })).model.dispose();
  });

  it('says what to do for a missing repo, a missing revision and a gated repo; sends the token only to the Hub', async () => {
    const cacheDir = await newCache();
    const endpoint = hub.endpoint;
    await expect(loadLlama('smoa/nope', { endpoint, cacheDir })).rejects.toThrow(/smoa\/nope: the repository is gated or private, or does not exist .*RepoNotFound.*HF_TOKEN/);
    await expect(loadLlama('smoa/stories260K@v9', { endpoint, cacheDir })).rejects.toThrow(/smoa\/stories260K: has no such revision \(HTTP 404 RevisionNotFound/);
    hub.repos.set('smoa/gated', { commit: COMMIT, files: embedded, token: 'hf_secret' });
    await expect(loadLlama('smoa/gated', { endpoint, cacheDir })).rejects.toThrow(/gated or private.*GatedRepo: Access to this model is restricted.*pass a token \(the `token` option, --token, or the HF_TOKEN/);
    await expect(loadLlama('smoa/gated', { endpoint, cacheDir, token: 'hf_wrong' })).rejects.toThrow(/the token that was sent has no access/);
    hub.requests.length = 0;
    process.env.HF_TOKEN = 'hf_secret';
    try {
      (await loadLlama('smoa/gated', { endpoint, cacheDir })).model.dispose();
    } finally {
      delete process.env.HF_TOKEN;
    }
    expect(hub.requests.filter((r) => r.host === 'hub').every((r) => r.authorization === 'Bearer hf_secret')).toBe(true);
    const cdn = hub.requests.filter((r) => r.host === 'cdn');
    expect(cdn.length).toBeGreaterThan(0);
    expect(cdn.every((r) => r.authorization === undefined)).toBe(true);
  });

  it('resumes a download whose connection dropped, leaving nothing half-written in the snapshot', async () => {
    const cacheDir = await newCache();
    const size = embedded['model.safetensors'].byteLength;
    hub.faults.set('smoa/stories260K/model.safetensors', { kind: 'drop', afterBytes: 300_000 });
    await expect(loadLlama('smoa/stories260K', { endpoint: hub.endpoint, cacheDir })).rejects.toThrow(
      new RegExp(`model\\.safetensors: the download broke off after 300000 of ${size} bytes .*the next load resumes it`),
    );
    const repo = join(cacheDir, 'models--smoa--stories260K');
    const blob = sha256(embedded['model.safetensors']);
    await expect(lstat(join(repo, 'snapshots', COMMIT, 'model.safetensors'))).rejects.toThrow(/ENOENT/);
    await expect(lstat(join(repo, 'blobs', blob))).rejects.toThrow(/ENOENT/);
    expect((await lstat(join(repo, 'blobs', `${blob}.incomplete`))).size).toBe(300_000);
    hub.requests.length = 0;
    const { model } = await loadLlama('smoa/stories260K', { endpoint: hub.endpoint, cacheDir });
    expect(hub.requests.filter((r) => r.host === 'cdn').map((r) => r.range)).toEqual(['bytes=300000-']);
    expect(sha256(new Uint8Array(await readFile(join(repo, 'snapshots', COMMIT, 'model.safetensors'))))).toBe(blob);
    expect((await tree(repo)).filter((f) => f.includes('.incomplete'))).toEqual([]);
    model.dispose();
  });

  it('lets two loads of the same repo run at once without corrupting the cache', async () => {
    const cacheDir = await newCache();
    const [a, b] = await Promise.all([1, 2].map(() => loadLlama('smoa/stories260K', { endpoint: hub.endpoint, cacheDir })));
    expect(await logitsOf(a.model)).toEqual(await logitsOf(b.model));
    const files = await tree(join(cacheDir, 'models--smoa--stories260K'));
    expect(files.filter((f) => f.startsWith('blobs/'))).toHaveLength(5);
    expect(files.some((f) => f.endsWith('.incomplete') || f.endsWith('.tmp'))).toBe(false);
    expect(await readdir(join(cacheDir, '.locks', 'models--smoa--stories260K'))).toEqual([]);
    // The weights were fetched once: the second load waited on the lock and found the blob.
    expect(hub.requests.filter((r) => r.host === 'cdn' && r.method === 'GET')).toHaveLength(1);
    a.model.dispose();
    b.model.dispose();
  });

  it('takes over the lock of a process that died mid-download (kill -9), and waits for a live one', async () => {
    const cacheDir = await newCache();
    const blob = sha256(embedded['model.safetensors']);
    const lock = join(cacheDir, '.locks', 'models--smoa--stories260K', `${blob}.smoa.lock`);
    await mkdir(join(cacheDir, '.locks', 'models--smoa--stories260K'), { recursive: true });
    // A pid that no process has (Linux pids stay below 2^22).
    await writeFile(lock, `${2 ** 22 + 17} ${hostname()}`);
    (await loadLlama('smoa/stories260K', { endpoint: hub.endpoint, cacheDir })).model.dispose();
    await expect(lstat(lock)).rejects.toThrow(/ENOENT/);

    // A live holder (this process) is waited for; the load finishes once the lock goes.
    const other = await newCache();
    const otherLock = join(other, '.locks', 'models--smoa--stories260K', `${blob}.smoa.lock`);
    await mkdir(join(other, '.locks', 'models--smoa--stories260K'), { recursive: true });
    await writeFile(otherLock, `${process.pid} ${hostname()}`);
    let done = false;
    const loading = loadLlama('smoa/stories260K', { endpoint: hub.endpoint, cacheDir: other }).then((r) => ((done = true), r));
    await new Promise((r) => setTimeout(r, 700));
    expect(done).toBe(false);
    await rm(otherLock);
    (await loading).model.dispose();
  });

  it('loads sharded BF16 weights', async () => {
    const r = await openSafetensorsFile(join(embeddedModelDir(), 'model.safetensors'));
    const names = r.keys().sort();
    const shard = async (part: string[]) =>
      serializeSafetensors(Object.fromEntries(await Promise.all(part.map(async (n) => [n, { dtype: 'BF16' as const, ...(await r.readFloat32(n)) }]))));
    const files = {
      'config.json': embedded['config.json'],
      'tokenizer.json': embedded['tokenizer.json'],
      'model-00001-of-00002.safetensors': await shard(names.filter((_, i) => i % 2 === 0)),
      'model-00002-of-00002.safetensors': await shard(names.filter((_, i) => i % 2 === 1)),
      'model.safetensors.index.json': JSON.stringify({
        metadata: {},
        weight_map: Object.fromEntries(names.map((n, i) => [n, `model-0000${(i % 2) + 1}-of-00002.safetensors`])),
      }),
    };
    await r.close();
    hub.repos.set('smoa/sharded-bf16', { commit: 'b'.repeat(40), files });
    const dir = await newCache();
    for (const [f, d] of Object.entries(files)) await writeFile(join(dir, f), d);
    const fromHub = await loadLlama('smoa/sharded-bf16', { endpoint: hub.endpoint, cacheDir: await newCache() });
    const fromDir = await loadLlama(dir);
    expect(await logitsOf(fromHub.model)).toEqual(await logitsOf(fromDir.model));
    fromHub.model.dispose();
    fromDir.model.dispose();
  });

  it('serves a plain static mirror (no X-Repo-Commit, no ETag): snapshot named after the revision, offline reuse', async () => {
    hub.repos.set('mirror/plain', { commit: 'c'.repeat(40), files: embedded, plain: true });
    const cacheDir = await newCache();
    (await loadLlama('mirror/plain', { endpoint: hub.endpoint, cacheDir })).model.dispose();
    const files = await tree(join(cacheDir, 'models--mirror--plain'));
    expect(files).toContain(`snapshots/main/model.safetensors -> ../../blobs/${sha256(embedded['model.safetensors'])}`);
    (await loadLlama('mirror/plain', { cacheDir, offline: true })).model.dispose();
  });

  it('reads config.json alone for planning, and refuses on wasm a model over the 4 GiB heap before any weight is requested', async () => {
    const big = { ...JSON.parse(new TextDecoder().decode(embedded['config.json'])), vocab_size: 128256, hidden_size: 2048, intermediate_size: 8192, num_hidden_layers: 16, num_attention_heads: 32, num_key_value_heads: 8, head_dim: 64, tie_word_embeddings: false };
    hub.repos.set('smoa/too-big', { commit: COMMIT, files: { 'config.json': JSON.stringify(big), 'model.safetensors': 'not downloaded' } });
    const cacheDir = await newCache();
    const { config } = await loadLlamaConfig('smoa/too-big', { endpoint: hub.endpoint, cacheDir });
    expect(config.vocabSize).toBe(128256);
    expect(hub.requests.map((r) => r.url.split('/').at(-1))).toEqual(['config.json', 'config.json']);
    expect(tf.getBackend()).toBe('wasm');
    await expect(loadLlama('smoa/too-big', { endpoint: hub.endpoint, cacheDir, tokenizer: false })).rejects.toThrow(
      /smoa\/too-big@main: its weights take 5\.58 GiB as float32 but the wasm backend's heap is limited to 4\.00 GiB; nothing was downloaded/,
    );
    expect(hub.requests.some((r) => r.url.endsWith('.safetensors'))).toBe(false);
  });

  it('gives loadTokenizer by id with the chat template', async () => {
    const template = "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{{ eos_token }}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}";
    const config = { ...JSON.parse(new TextDecoder().decode(embedded['tokenizer_config.json'])), chat_template: template };
    hub.repos.set('smoa/chat', { commit: COMMIT, files: { ...embedded, 'tokenizer_config.json': JSON.stringify(config) } });
    const tok = await loadTokenizer('smoa/chat', { endpoint: hub.endpoint, cacheDir: await newCache() });
    expect(tok.applyChatTemplate([{ role: 'user', content: 'Hi' }])).toBe('<|user|>Hi</s><|assistant|>');
    expect(tok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: false })).toBe('<|user|>Hi</s>');
    const plain = await loadTokenizer(embeddedModelDir());
    expect(() => plain.applyChatTemplate([{ role: 'user', content: 'Hi' }])).toThrow(/tokenizer_config\.json: has no chat_template/);
  });
});

describe('loadLlamaFromHub (the browser entry, fetch only)', () => {
  it('loads by id through the same resolve URLs, with the token kept off the CDN', async () => {
    hub.repos.set('smoa/browser', { commit: COMMIT, files: embedded, token: 'hf_browser' });
    const { model, tokenizer } = await loadLlamaFromHub('smoa/browser', { endpoint: hub.endpoint, token: 'hf_browser' });
    const fromDir = await loadLlama(embeddedModelDir());
    expect(await logitsOf(model)).toEqual(await logitsOf(fromDir.model));
    expect(tokenizer?.encode('Lily')).toEqual(fromDir.tokenizer?.encode('Lily'));
    expect(hub.requests.filter((r) => r.host === 'hub').every((r) => r.authorization === 'Bearer hf_browser' && r.url.startsWith('/smoa/browser/resolve/main/'))).toBe(true);
    expect(hub.requests.some((r) => r.host === 'cdn')).toBe(true);
    expect(hub.requests.filter((r) => r.host === 'cdn').every((r) => r.authorization === undefined)).toBe(true);
    await expect(loadLlamaFromHub('smoa/browser', { endpoint: hub.endpoint })).rejects.toThrow(/HTTP 401/);
    await expect(loadLlamaFromHub('smoa/../x', { endpoint: hub.endpoint })).rejects.toThrow(/Hub id "smoa\/..\/x"/);
    model.dispose();
    fromDir.model.dispose();
  });
});

describe('hostile repositories and servers', () => {
  const load = (id: string, cacheDir: string, extra: object = {}) => loadLlama(id, { endpoint: hub.endpoint, cacheDir, ...extra });

  it.each([['../../x'], ['/etc/passwd'], ['http://evil.example/x.safetensors'], ['sub/../../x.safetensors']])(
    'refuses a weight_map naming %s without requesting it',
    async (bad) => {
      const index = { weight_map: { 'model.embed_tokens.weight': bad } };
      hub.repos.set('evil/index', { commit: COMMIT, files: { 'config.json': embedded['config.json'], 'model.safetensors.index.json': JSON.stringify(index) } });
      const cacheDir = await newCache();
      await expect(load('evil/index', cacheDir, { tokenizer: false })).rejects.toThrow(/model\.safetensors\.index\.json: shard name .* must be a plain file name in the same directory/);
      expect(hub.requests.every((r) => !r.url.includes('evil.example') && !r.url.includes('passwd'))).toBe(true);
      expect(await readdir(cacheDir)).toEqual(expect.arrayContaining(['models--evil--index']));
    },
  );

  it.each([['../x/y'], ['a/b/c'], ['org/na..me'], ['org/name@../../../etc'], ['org/name@a//b'], ['org/name@..']])('refuses the id %s before any request', async (id) => {
    const cacheDir = await newCache();
    await expect(load(id, cacheDir)).rejects.toThrow(/Hub id|no such directory, and not a Hub id/);
    expect(hub.requests).toEqual([]);
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('follows a redirect to another host without the token, and refuses one to a non-http scheme', async () => {
    hub.repos.set('evil/redirect', { commit: COMMIT, files: embedded, token: 'hf_secret' });
    const cacheDir = await newCache();
    hub.faults.set('evil/redirect/config.json', { kind: 'redirect', to: `${hub.cdn}/nothing-here` });
    await expect(load('evil/redirect', cacheDir, { token: 'hf_secret' })).rejects.toThrow(/HTTP 404/);
    const atCdn = hub.requests.filter((r) => r.host === 'cdn');
    expect(atCdn.length).toBeGreaterThan(0);
    expect(atCdn.every((r) => r.authorization === undefined)).toBe(true);
    hub.faults.set('evil/redirect/config.json', { kind: 'redirect', to: 'file:///etc/passwd' });
    await expect(load('evil/redirect', cacheDir, { token: 'hf_secret' })).rejects.toThrow(/redirected to file: URL file:\/\/\/etc\/passwd; only http\(s\) is followed/);
  });

  it('refuses a body longer than announced, keeps a shorter one only as a partial file, and refuses a 10 GB config.json unread', async () => {
    const cacheDir = await newCache();
    const repo = join(cacheDir, 'models--smoa--stories260K');
    hub.faults.set('smoa/stories260K/model.safetensors', { kind: 'longer', extra: 1000 });
    await expect(load('smoa/stories260K', cacheDir)).rejects.toThrow(/model\.safetensors: the body is longer than its announced \d+ bytes; refused/);
    const blob = sha256(embedded['model.safetensors']);
    const weightFiles = async () => (await tree(repo)).filter((f) => f.includes(blob) || /\/model\.safetensors( |$)/.test(f));
    expect(await weightFiles()).toEqual([]);

    hub.faults.set('smoa/stories260K/model.safetensors', { kind: 'shorter', missing: 1000 });
    await expect(load('smoa/stories260K', cacheDir)).rejects.toThrow(/model\.safetensors: the (download broke off after|body ended after) \d+ of \d+ bytes/);
    // Only the partial file, kept for a resume; no blob and no snapshot link.
    expect(await weightFiles()).toEqual([`blobs/${blob}.incomplete`]);

    const hugeCache = await newCache();
    hub.faults.set('smoa/stories260K/config.json', { kind: 'huge-length', length: 10e9 });
    hub.requests.length = 0;
    await expect(load('smoa/stories260K', hugeCache)).rejects.toThrow(/config\.json: the server announces 10000000000 bytes, over the 67108864-byte limit for this file; refused before downloading/);
    expect(hub.requests.map((r) => r.method)).toEqual(['HEAD']);
  });

  it('refuses a commit id or ETag that would climb out of the cache', async () => {
    const cacheDir = await newCache();
    hub.repos.set('evil/commit', { commit: '../../../../tmp/x', files: embedded, refs: ['main'] });
    await expect(load('evil/commit', cacheDir)).rejects.toThrow(/X-Repo-Commit "..\/..\/..\/..\/tmp\/x" is not a 40-character commit id; refused/);
    expect(await readdir(cacheDir)).toEqual([]);
  });
});
