import * as tf from '@tensorflow/tfjs-core';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from './index';

const wasmDist = join(dirname(createRequire(__filename).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
const dir = mkdtempSync(join(tmpdir(), 'smoa-wasm-paths-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wasmPaths', () => {
  it('reports a map that lacks a binary as a configuration failure', async () => {
    await expect(initBackend({ prefer: 'wasm', wasmPaths: { 'tfjs-backend-wasm.wasm': '/x.wasm' } })).rejects.toThrow(
      /@tensorflow\/tfjs-backend-wasm: could not be configured: There were no entries found for the following binaries: tfjs-backend-wasm-simd\.wasm,tfjs-backend-wasm-threaded-simd\.wasm/,
    );
  });

  it('loads the .wasm files from where it says (renamed copies, so nothing else can be loaded)', async () => {
    const names = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;
    const map: Record<string, string> = {};
    for (const n of names) {
      map[n] = join(dir, `renamed-${n}`);
      copyFileSync(join(wasmDist, n), map[n]);
    }
    const info = await initBackend({ prefer: 'wasm', wasmPaths: map });
    expect(info).toMatchObject({ name: 'wasm', simd: true });
    expect(tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0]).toBe(6);
  });
});
