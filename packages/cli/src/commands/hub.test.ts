import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedModelDir } from '@smoa/llama/node';

// The built executable against a real server in the Hub's URL layout (resolve URLs only, 404 otherwise).
const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'smoa-cli-hub-'));
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const repos: Record<string, Record<string, Buffer>> = {};
const seen: string[] = [];
let server: Server;
let endpoint: string;

beforeAll(async () => {
  const files = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];
  repos['smoa/stories260K'] = Object.fromEntries(files.map((f) => [f, readFileSync(join(embeddedModelDir(), f))]));
  const big = { ...JSON.parse(repos['smoa/stories260K']['config.json'].toString()), vocab_size: 128256, hidden_size: 2048, intermediate_size: 8192, num_hidden_layers: 16, num_attention_heads: 32, num_key_value_heads: 8, head_dim: 64 };
  repos['smoa/big'] = { ...repos['smoa/stories260K'], 'config.json': Buffer.from(JSON.stringify(big)) };
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(req.url ?? '');
    const body = m && (m[2] === 'main' || m[2] === COMMIT) ? repos[m[1]]?.[m[3]] : undefined;
    if (!body) return void res.writeHead(404, { 'x-error-code': 'EntryNotFound', 'x-repo-commit': COMMIT }).end();
    res.writeHead(200, { 'content-length': body.length, etag: `"${createHash('sha256').update(body).digest('hex')}"`, 'x-repo-commit': COMMIT });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(scratch, { recursive: true, force: true });
});

function smoa(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, SMOA_BACKEND: 'wasm', HF_HUB_OFFLINE: '0', HF_TOKEN: '', HF_HUB_CACHE: join(scratch, 'cache'), ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('smoa with a Hub id', () => {
  it('generate --stream downloads with progress, caches, and works again offline', async () => {
    const args = ['generate', '--model', 'smoa/stories260K', '--prompt', 'Once upon a time', '--max-new-tokens', '20', '--stream'];
    const first = await smoa({ HF_ENDPOINT: endpoint }, ...args);
    expect(first.stderr).toMatch(/downloaded model\.safetensors: 1\.0 MB in [\d.]+ s/);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Once upon a time, there was a little girl named Lily/);
    const offline = await smoa({ HF_ENDPOINT: 'http://127.0.0.1:9', HF_HUB_OFFLINE: '1' }, ...args);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toBe(first.stdout);
    expect(offline.stderr).not.toMatch(/downloaded/);
    const stopped = await smoa({ HF_HUB_OFFLINE: '1' }, ...args, '--stop', 'girl');
    expect(stopped.stdout).toBe('Once upon a time, there was a little \n');
  });

  it('two processes loading the same repo into one cache at once both succeed, leaving a clean cache', async () => {
    const cache = join(scratch, 'two-processes');
    const args = ['generate', '--model', 'smoa/stories260K', '--prompt', 'Lily', '--max-new-tokens', '8'];
    const [a, b] = await Promise.all([1, 2].map(() => smoa({ HF_ENDPOINT: endpoint, HF_HUB_CACHE: cache }, ...args)));
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.stdout).toBe(b.stdout);
    const repo = join(cache, 'models--smoa--stories260K');
    const blobs = readdirSync(join(repo, 'blobs'));
    expect(blobs.filter((f) => f.endsWith('.incomplete'))).toEqual([]);
    expect(blobs).toHaveLength(4);
    expect(readdirSync(join(cache, '.locks', 'models--smoa--stories260K'))).toEqual([]);
  });

  it('info prints the memory plan from config.json alone', async () => {
    seen.length = 0;
    const r = await smoa({ HF_ENDPOINT: endpoint, HF_HUB_CACHE: join(scratch, 'info-cache') }, 'info', '--model', 'smoa/big', '--r', '8');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/model: smoa\/big@main/);
    expect(r.stdout).toMatch(/1,235,814,400 parameters/ /* Llama-3.2-1B's published count */);
    expect(r.stdout).toMatch(/weights 4\.60 GiB/);
    expect(r.stdout).toMatch(/wasm +does not fit: the heap is limited to 4\.00 GiB/);
    expect(r.stdout).toMatch(/\(not counted: one layer has [\d,]+ parameters/);
    const small = await smoa({ HF_ENDPOINT: endpoint }, 'info', '--model', 'smoa/stories260K', '--r', '8');
    expect(small.stdout).toMatch(/wasm +fits the 4\.00 GiB heap/);
    expect(small.stdout).toMatch(/training step estimate \(estimateMemory; batch 8 x 128 tokens/);
    expect(small.stdout).toMatch(/\n  smoa +[\d,]+ +[\d.]+ [MG]iB +[\d.]+ [MG]iB +[\d.]+ [MG]iB  fits/);
    expect(r.stdout).toMatch(/\n  full +1,235,814,400 .* does not fit/);
    expect(small.stdout).toMatch(/\n  lora +[\d,]+ +\([\d.]+% of all\) +adapter [\d.]+ MiB, AdamW state [\d.]+ MiB/);
    expect(seen.every((s) => s.endsWith('/config.json'))).toBe(true);
    const g = await smoa({ HF_ENDPOINT: endpoint, HF_HUB_CACHE: join(scratch, 'info-cache') }, 'generate', '--model', 'smoa/big', '--prompt', 'x');
    expect(g.code).toBe(1);
    expect(g.stderr).toMatch(/smoa\/big@main: its weights take 4\.60 GiB as float32 but the wasm backend's heap is limited to 4\.00 GiB; nothing was downloaded/);
    expect(seen.some((s) => s.includes('safetensors'))).toBe(false);
  });

  it('info refuses a rank the model cannot hold before allocating anything', async () => {
    const r = await smoa({}, 'info', '--r', '100000');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--r 100000: larger than the smallest targeted projection \(model\.layers\.\*\.self_attn\.k_proj \[32, 64\] allows at most r = 32\)/);
  });

  it('names a repo that does not exist', async () => {
    const r = await smoa({ HF_ENDPOINT: endpoint }, 'generate', '--model', 'smoa/none', '--prompt', 'x');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/smoa\/none: has no file config\.json/);
  });
});
