import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, ensureChromium } from './harness/chromium';
import { servePage } from './harness/server';

/*
 * The page on WebGPU in headless Chromium, against the same page on wasm. This machine has no GPU:
 * Debian's chromium ships SwiftShader's Vulkan driver, on which Chromium's Dawn offers a software
 * WebGPU adapter (slow, but it runs the real tfjs-backend-webgpu shaders). `?backend=webgpu` asks for
 * webgpu by name, which is the only way a software adapter is used (the automatic order puts it after wasm).
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ICD = process.env.VK_ICD_FILENAMES ?? '/usr/lib/chromium/vk_swiftshader_icd.json';
const chromiumStatus = ensureChromium();
const skipReason = !chromiumStatus.ok ? chromiumStatus.reason : !existsSync(ICD) ? `${ICD} is missing (Debian's chromium ships it; set VK_ICD_FILENAMES)` : undefined;
if (skipReason) console.warn(`SKIPPED the browser WebGPU test: ${skipReason}`);

const WEBGPU_ARGS = [
  ...CHROMIUM_ARGS.filter((a) => a !== '--disable-gpu'),
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--disable-vulkan-surface',
  // SwiftShader runs shaders on the CPU: a training step's dispatch can outlast the GPU watchdog.
  '--disable-gpu-watchdog',
];
const STEPS = 3;

describe.skipIf(skipReason !== undefined)('the fine-tuning page on WebGPU (SwiftShader) in Chromium', () => {
  let server: Awaited<ReturnType<typeof servePage>>;
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    if (!existsSync(join(root, 'dist', 'index.html'))) throw new Error(`${root}/dist/index.html: build the page first (pnpm build)`);
    server = await servePage(root);
    profile = mkdtempSync(join(tmpdir(), 'smoa-chromium-webgpu-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumStatus.ok ? chromiumStatus.path : undefined,
      headless: true,
      args: WEBGPU_ARGS,
      env: { ...process.env, VK_ICD_FILENAMES: ICD, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir() },
    });
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** A fresh page on `backend`: the backend it reports, and the losses of STEPS training steps. */
  async function run(backend: string): Promise<{ name: string | null; label: string | null; status: string | null; losses: number[]; errors: string[] }> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${server.url}?backend=${backend}`);
      await page.waitForSelector('#status[data-state="ready"], #status[data-state="error"]', { timeout: 180_000 });
      const status = await page.textContent('#status');
      const name = await page.getAttribute('#backend', 'data-name');
      const label = await page.textContent('#backend');
      if (status !== 'ready') return { name, label, status, losses: [], errors };
      await page.fill('#steps', String(STEPS));
      await page.click('#train');
      await page.waitForSelector('#status[data-state="done"], #status[data-state="error"]', { timeout: 300_000 });
      const losses = JSON.parse((await page.getAttribute('#status', 'data-losses')) ?? '[]') as number[];
      return { name, label, status: await page.textContent('#status'), losses, errors };
    } finally {
      await page.close();
    }
  }

  it('runs the forward pass and SMoA training steps on webgpu with the losses of wasm (1e-3 relative)', async (ctx) => {
    const gpu = await run('webgpu');
    if (gpu.status !== null && /^error/.test(gpu.status) && /webgpu/i.test(gpu.status) && /adapter|navigator\.gpu|not supported/i.test(gpu.status)) {
      console.warn(`SKIPPED: Chromium offers no WebGPU adapter here: ${gpu.status}`);
      ctx.skip();
    }
    expect(gpu.status, `page on webgpu: ${gpu.label}`).toMatch(/^done/);
    expect(gpu.name).toBe('webgpu');
    expect(gpu.label).toMatch(/webgpu/);
    const cpu = await run('wasm');
    expect(cpu.status).toMatch(/^done/);
    expect(cpu.name).toBe('wasm');
    expect(gpu.losses).toHaveLength(STEPS);
    expect(cpu.losses).toHaveLength(STEPS);
    // Step 1's loss is the forward pass of the base model (SMoA starts as the identity); the later ones
    // follow the SMoA updates computed on each backend.
    gpu.losses.forEach((l, i) => expect(Math.abs(l - cpu.losses[i]) / Math.abs(cpu.losses[i]), `step ${i + 1}: webgpu ${l} vs wasm ${cpu.losses[i]}`).toBeLessThan(1e-3));
    expect(gpu.errors).toEqual([]);
    console.log(`webgpu ${gpu.label}: losses ${gpu.losses.map((l) => l.toFixed(5)).join(' ')}; wasm ${cpu.losses.map((l) => l.toFixed(5)).join(' ')}`);
  });
});
