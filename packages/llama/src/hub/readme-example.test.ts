import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { embeddedModelDir } from '../node';
import { startTestHub, type TestHub } from '../test-util/hub-server';

// The README's "Load a model from the Hub" example, run as written against a local server in the
// Hub's URL layout. The server serves the embedded stories260K under the example's id (the real
// SmolLM2-135M is 135M parameters; the code path is the same).
let hub: TestHub;
let dir: string;

beforeAll(async () => {
  for (const v of ['HF_HUB_OFFLINE', 'HF_TOKEN', 'HF_HOME']) delete process.env[v];
  hub = await startTestHub();
  const files: Record<string, Uint8Array> = {};
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']) files[f] = await readFile(join(embeddedModelDir(), f));
  hub.repos.set('HuggingFaceTB/SmolLM2-135M', { commit: 'f'.repeat(40), files });
  dir = await mkdtemp(join(tmpdir(), 'smoa-readme-'));
});

afterAll(async () => {
  await hub.close();
  await rm(dir, { recursive: true, force: true });
});

describe('README: Load a model from the Hub', () => {
  it('runs as written', async () => {
    const readme = await readFile(resolve(__dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Load a model from the Hub'));
    // The block is marked `no-run` for integration/readme-examples (it needs a Hub); here it runs against
    // the local server.
    const code = /```ts[^\n]*\n([\s\S]*?)```/.exec(section)![1];
    // Package names resolve to this package's sources (and the workspace's backend).
    const src = resolve(__dirname, '..');
    const runnable = code
      .replace("from '@smoa/llama/node'", `from '${join(src, 'node.ts')}'`)
      .replace("from '@smoa/llama'", `from '${join(src, 'index.ts')}'`);
    const file = join(dir, 'example.ts');
    await writeFile(file, `${runnable}\nexport {};\n`);
    const logs: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a) => void logs.push(a.join(' ')));
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (logs.push(String(s)), true));
    process.env.HF_ENDPOINT = hub.endpoint;
    process.env.HF_HUB_CACHE = join(dir, 'cache');
    try {
      await import(file);
    } finally {
      log.mockRestore();
      write.mockRestore();
      delete process.env.HF_ENDPOINT;
      delete process.env.HF_HUB_CACHE;
    }
    const out = logs.join('');
    expect(out).toMatch(/^5 layers, vocab 512/);
    expect(out).toContain('downloaded model.safetensors (1045048 bytes)');
    expect(out).toMatch(/Once upon a time|there was/);
    expect(out).toMatch(/\n\d+ characters/);
  });
});
