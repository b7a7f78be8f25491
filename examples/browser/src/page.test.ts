import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, ensureChromium } from './harness/chromium';
import { serveDev, servePage } from './harness/server';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const screenshots = join(root, 'screenshots');
const chromiumStatus = ensureChromium();
if (!chromiumStatus.ok) console.warn(`SKIPPED the browser test: ${chromiumStatus.reason}`);

describe.skipIf(!chromiumStatus.ok)('the fine-tuning page in Chromium', () => {
  let server: Awaited<ReturnType<typeof servePage>>;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const missing: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(root, 'dist', 'index.html'))) throw new Error(`${root}/dist/index.html: build the page first (pnpm build)`);
    server = await servePage(root);
    profile = mkdtempSync(join(tmpdir(), 'smoa-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumStatus.ok ? chromiumStatus.path : undefined,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 900, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // Chromium logs every 404 as a console error without its URL; the responses say which file it was.
    page.on('console', (m) => {
      if (m.type() === 'error' && !/^Failed to load resource: .*404/.test(m.text())) consoleErrors.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() === 404) missing.push(new URL(r.url()).pathname);
    });
    await page.goto(server.url);
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('picks a backend through @smoa/backend and loads the model served with the page', async () => {
    await page.waitForSelector('#status[data-state="ready"], #status[data-state="error"]', { timeout: 120_000 });
    expect(await page.textContent('#status'), 'status').toBe('ready');
    const backend = await page.getAttribute('#backend', 'data-name');
    expect(['webgpu', 'webgl', 'wasm', 'cpu']).toContain(backend);
    expect(await page.textContent('#model')).toMatch(/stories260K: 5 layers, hidden 64, vocab 512/);
    // SMoA on the 35 projections (7 per layer); only the adapters train.
    expect(await page.textContent('#adapters')).toMatch(/trainable/i);
    console.log(`backend: ${await page.textContent('#backend')}`);
  });

  it('trains on the pasted text with the loss falling, generates before and after, and shows the chart', async () => {
    const steps = 20;
    await page.fill('#steps', String(steps));
    await page.click('#train');
    await page.waitForSelector('#status[data-state="done"], #status[data-state="error"]', { timeout: 300_000 });
    expect(await page.textContent('#status')).toMatch(/^done/);
    const losses = JSON.parse((await page.getAttribute('#status', 'data-losses')) ?? '[]') as number[];
    expect(losses).toHaveLength(steps);
    expect(losses.every(Number.isFinite)).toBe(true);
    const tail = losses.slice(-5).reduce((a, b) => a + b, 0) / 5;
    expect(tail, `losses: ${losses.map((l) => l.toFixed(3)).join(' ')}`).toBeLessThan(losses[0] * 0.8);
    const prompt = await page.inputValue('#prompt');
    const before = (await page.textContent('#before')) ?? '';
    const after = (await page.textContent('#after')) ?? '';
    for (const sample of [before, after]) {
      expect(sample.startsWith(prompt)).toBe(true);
      expect(sample.length).toBeGreaterThan(prompt.length + 10);
    }
    // The chart is a uPlot canvas with one series point per step.
    expect(await page.locator('#chart canvas').count()).toBeGreaterThan(0);
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, 'fine-tune.png'), fullPage: true });
    console.log(`loss ${losses[0].toFixed(3)} -> ${losses[losses.length - 1].toFixed(3)}\nbefore: ${before}\nafter:  ${after}`);
    expect(pageErrors, 'uncaught errors in the page').toEqual([]);
    expect(consoleErrors, 'console errors in the page').toEqual([]);
    // The loader probes for a sharded checkpoint first and for the optional generation_config.json
    // (EOS ids); nothing else may be missing.
    const optional = ['/models/stories260K/model.safetensors.index.json', '/models/stories260K/generation_config.json'];
    expect(missing.filter((p) => !optional.some((o) => p.endsWith(o))), 'files the page did not find').toEqual([]);
  });

  it('keeps the number of live tensors flat from one run to the next (the adapter keeps training)', async () => {
    const tensorsAfterRun = async (): Promise<number> => {
      await page.fill('#steps', '2');
      await page.click('#train');
      await page.waitForSelector('#status[data-state="done"], #status[data-state="error"]', { timeout: 120_000 });
      expect(await page.textContent('#status')).toMatch(/^done/);
      return Number(await page.getAttribute('#memory', 'data-tensors'));
    };
    const first = await tensorsAfterRun();
    expect(first).toBeGreaterThan(0);
    expect(await tensorsAfterRun()).toBe(first);
  });

  it('rejects a step count that is not a whole number >= 1, naming the field', async () => {
    await page.fill('#steps', '0');
    await page.click('#train');
    await page.waitForSelector('#status[data-state="error"]', { timeout: 10_000 });
    expect(await page.textContent('#status')).toBe('error: steps: expected a whole number >= 1, got "0"');
  });

  it('also runs from the Vite dev server (backend picked, model loaded)', async () => {
    const dev = await serveDev(root);
    try {
      const devPage = await context.newPage();
      await devPage.goto(dev.url);
      await devPage.waitForSelector('#status[data-state="ready"], #status[data-state="error"]', { timeout: 180_000 });
      expect(await devPage.textContent('#status')).toBe('ready');
      expect(await devPage.textContent('#model')).toMatch(/stories260K: 5 layers/);
      await devPage.close();
    } finally {
      await dev.close();
    }
  });

  it('rejects an unknown ?backend= with the valid names', async () => {
    await page.goto(`${server.url}?backend=tpu`);
    await page.waitForSelector('#status[data-state="error"]', { timeout: 60_000 });
    expect(await page.textContent('#status')).toMatch(/\?backend=tpu: unknown backend "tpu"; valid: .*wasm.*cpu/);
  });
});
