import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BACKEND_CHOICES, backendReport, initBackend, registerGradients } from './index';

const requireHere = createRequire(__filename);

/** Whether a native tfjs package has its binary here (it does not where its install script never ran). */
function hasNativeBinary(pkg: string): boolean {
  try {
    const lib = join(dirname(requireHere.resolve(`${pkg}/package.json`)), 'lib');
    return existsSync(lib) && readdirSync(lib).some((d) => existsSync(join(lib, d, 'tfjs_binding.node')));
  } catch {
    return false;
  }
}
const NATIVE_MISSING = !hasNativeBinary('@tensorflow/tfjs-node') && !hasNativeBinary('@tensorflow/tfjs-node-gpu');
const VALID = 'valid names: tfjs-node-gpu, tfjs-node, webgpu, webgl, wasm, cpu';

const savedEnv = process.env.SMOA_BACKEND;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.SMOA_BACKEND;
  else process.env.SMOA_BACKEND = savedEnv;
  vi.restoreAllMocks();
});

describe('initBackend on this machine (native binaries not installed)', () => {
  // First in this file: it is the first native load attempt in this process.
  it.runIf(NATIVE_MISSING)('picks wasm with SIMD, says why tfjs-node-gpu and tfjs-node were skipped, and prints no registry noise', async () => {
    delete process.env.SMOA_BACKEND;
    const warn = vi.spyOn(console, 'warn');
    const info = await initBackend();
    expect(info).toMatchObject({ name: 'wasm', source: '@tensorflow/tfjs-backend-wasm', simd: true, threads: 1 });
    expect(info.skipped.map((s) => s.source)).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-webgpu']);
    // Tried by default, webgpu (Dawn, the optional `webgpu` package) is skipped without probing where
    // Linux shows no GPU device; this project's machines have none.
    expect(info.skipped[2].reason).toMatch(/^no GPU device on this machine|^not installed \(npm install webgpu/);
    for (const s of info.skipped.slice(0, 2)) {
      expect(s.reason).toMatch(/^installed but its native binary is missing .*tfjs_binding\.node/);
      expect(s.reason).toContain(`npm rebuild ${s.source}`);
    }
    expect(info.trainingKernels).toEqual(['UnsortedSegmentSum', 'GatherV2', 'Identity', 'BatchMatMul']);
    expect(tf.getBackend()).toBe('wasm');
    // tfjs-node registers its kernels before it fails; a second native attempt would print one
    // "already registered" warning per kernel if the first attempt's kernels were left behind.
    const noise = warn.mock.calls.filter((c) => String(c[0]).includes('already registered'));
    expect(noise).toEqual([]);
    expect(tf.getKernelsForBackend('tensorflow')).toEqual([]);
  });

  it('registers the gradients that training needs, once', async () => {
    await initBackend({ prefer: 'wasm' });
    for (const k of ['GatherV2', 'UnsortedSegmentSum', 'BatchMatMul', 'Softmax', 'Rsqrt', 'Sum']) expect(tf.getGradient(k)).toBeDefined();
    expect(registerGradients()).toBe(0);
  });

  it('reports for humans', async () => {
    const info = await initBackend({ prefer: 'wasm' });
    const text = backendReport({ ...info, skipped: [{ source: '@tensorflow/tfjs-node', reason: 'not installed (npm install @tensorflow/tfjs-node)' }] });
    expect(text.split('\n')).toEqual([
      `TensorFlow.js backend: wasm (@tensorflow/tfjs-backend-wasm), SIMD, ${info.threads} thread${info.threads === 1 ? '' : 's'}`,
      'kernels added or fixed for training: UnsortedSegmentSum, GatherV2, Identity, BatchMatMul',
      'skipped:',
      '  @tensorflow/tfjs-node: not installed (npm install @tensorflow/tfjs-node)',
    ]);
    expect(backendReport({ name: 'cpu', source: '@tensorflow/tfjs-backend-cpu', threads: 1, skipped: [], warnings: ['w'] })).toBe(
      'TensorFlow.js backend: cpu (@tensorflow/tfjs-backend-cpu), 1 thread\nwarning: w',
    );
  });

  it('says threads could not apply once wasm is initialised', async () => {
    const info = await initBackend({ prefer: 'wasm', threads: 2 });
    expect(info.threads).toBe(1);
    expect(info.warnings).toEqual(['the wasm backend was already initialised, so wasmPaths/threads did not apply']);
  });
});

describe('choosing a backend explicitly', () => {
  it('uses SMOA_BACKEND, alone or as an ordered list', async () => {
    process.env.SMOA_BACKEND = 'cpu';
    tf.env().set('PROD', true); // the cpu backend's "install tfjs-node" banner
    expect(await initBackend()).toMatchObject({ name: 'cpu', source: '@tensorflow/tfjs-backend-cpu', threads: 1, skipped: [] });
    process.env.SMOA_BACKEND = ' wasm , cpu ';
    expect((await initBackend()).name).toBe('wasm');
  });

  it('lets the prefer option win over SMOA_BACKEND', async () => {
    process.env.SMOA_BACKEND = 'wasm';
    expect((await initBackend({ prefer: 'cpu' })).name).toBe('cpu');
  });

  it('rejects an unknown name in prefer, listing the valid ones', async () => {
    expect(BACKEND_CHOICES.join(', ')).toBe(VALID.replace('valid names: ', ''));
    await expect(initBackend({ prefer: 'tfjs-nod' as never })).rejects.toThrow(`prefer: unknown backend "tfjs-nod"; ${VALID}`);
    await expect(initBackend({ prefer: ['wasm', 'gpu' as never] })).rejects.toThrow(`prefer: unknown backend "gpu"; ${VALID}`);
    await expect(initBackend({ prefer: [] })).rejects.toThrow(`prefer: expected at least one backend name; ${VALID}`);
  });

  it('rejects an unknown name in SMOA_BACKEND, listing the valid ones', async () => {
    process.env.SMOA_BACKEND = 'wasm,WebGL';
    await expect(initBackend()).rejects.toThrow(`SMOA_BACKEND: unknown backend "WebGL"; ${VALID}`);
    process.env.SMOA_BACKEND = ' , ';
    await expect(initBackend()).rejects.toThrow(`SMOA_BACKEND: expected at least one backend name; ${VALID}`);
  });

  it.runIf(NATIVE_MISSING)('fails with the reason when the requested backend cannot load, never falling back', async () => {
    const before = tf.getBackend();
    await expect(initBackend({ prefer: 'tfjs-node' })).rejects.toThrow(
      /^the requested backend \(tfjs-node\) could not load:\n {2}@tensorflow\/tfjs-node: installed but its native binary is missing/,
    );
    expect(tf.getBackend()).toBe(before);
    process.env.SMOA_BACKEND = 'tfjs-node-gpu';
    await expect(initBackend()).rejects.toThrow(/@tensorflow\/tfjs-node-gpu: installed but its native binary is missing/);
  });

  it('fails for webgl under Node.js, and for webgpu without a usable adapter, with the reasons', async () => {
    // The machine decides webgpu's reason (no adapter, or only a software one such as SwiftShader).
    await expect(initBackend({ prefer: ['webgpu', 'webgl'] })).rejects.toThrow(
      /^the requested backends \(webgpu, webgl\) could not load:\n  @tensorflow\/tfjs-backend-webgpu: (Dawn found no WebGPU adapter|only a software adapter, ).*\n  @tensorflow\/tfjs-backend-webgl: needs a browser$/,
    );
  });

  it('falls back only within an explicit list', async () => {
    const info = await initBackend({ prefer: ['webgl', 'cpu'] });
    expect(info).toMatchObject({ name: 'cpu', skipped: [{ source: '@tensorflow/tfjs-backend-webgl', reason: 'needs a browser' }] });
  });

  it('rejects a threads value that is not a positive integer', async () => {
    for (const threads of [0, -1, 1.5, Number.NaN, '2']) {
      await expect(initBackend({ prefer: 'wasm', threads: threads as number })).rejects.toThrow(
        `threads: expected a positive integer, got ${JSON.stringify(threads)}`,
      );
    }
  });

  it('uses a loader given for a backend, and reports its failure', async () => {
    const info = await initBackend({ prefer: 'cpu', loaders: { cpu: () => import('@tensorflow/tfjs-backend-cpu') } });
    expect(info.name).toBe('cpu');
    await expect(
      initBackend({ prefer: 'tfjs-node', loaders: { 'tfjs-node': () => Promise.reject(new Error('boom\nstack')) } }),
    ).rejects.toThrow('@tensorflow/tfjs-node: installed but failed to load: boom');
  });
});
