import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackendWith } from './init';
import { isNotInstalled, type Importer } from './load';

// Imports packages the way an app in a project folder would, with Node's own resolver, from a
// folder that has only what a test puts in its node_modules: the real "not installed" and "broken
// install" paths. The import() runs in a file of that folder, loaded by Node rather than by Vite,
// and Node's ES module resolver ignores NODE_PATH (which package-manager shims set).
function project(): { dir: string; importer: Importer; add(pkg: string, files: Record<string, string>): void; link(pkg: string): void } {
  const dir = mkdtempSync(join(tmpdir(), 'smoa-backend-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'probe', private: true }));
  writeFileSync(join(dir, 'import.cjs'), 'module.exports = (specifier) => import(specifier);\n');
  const importInDir = createRequire(__filename)(join(dir, 'import.cjs')) as Importer;
  return {
    dir,
    importer: importInDir,
    add(pkg, files) {
      const root = join(dir, 'node_modules', pkg);
      mkdirSync(root, { recursive: true });
      writeFileSync(join(root, 'package.json'), JSON.stringify({ name: pkg, version: '0.0.0', main: 'index.js' }));
      for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
    },
    link(pkg) {
      const target = dirname(createRequire(__filename).resolve(`${pkg}/package.json`));
      mkdirSync(join(dir, 'node_modules', dirname(pkg)), { recursive: true });
      symlinkSync(target, join(dir, 'node_modules', pkg), 'dir');
    },
  };
}

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe('backends that are not installed', () => {
  it('fail with every reason when nothing is installed (first: nothing is registered yet)', async () => {
    const p = project();
    made.push(p.dir);
    await expect(initBackendWith({}, { importer: p.importer, isNode: true, env: undefined })).rejects.toThrow(
      'no TensorFlow.js backend could load:\n' +
        '  @tensorflow/tfjs-node-gpu: not installed (npm install @tensorflow/tfjs-node-gpu)\n' +
        '  @tensorflow/tfjs-node: not installed (npm install @tensorflow/tfjs-node)\n' +
        "  @tensorflow/tfjs-backend-webgpu: not installed (npm install webgpu @tensorflow/tfjs-backend-webgpu: Dawn's WebGPU for Node.js)\n" +
        '  @tensorflow/tfjs-backend-wasm: not installed (npm install @tensorflow/tfjs-backend-wasm)\n' +
        '  @tensorflow/tfjs-backend-cpu: not installed (npm install @tensorflow/tfjs-backend-cpu)',
    );
  });

  it('are skipped as "not installed" with the install command, and the next one is used', async () => {
    const p = project();
    made.push(p.dir);
    p.link('@tensorflow/tfjs-backend-cpu');
    tf.env().set('PROD', true);
    const info = await initBackendWith({}, { importer: p.importer, isNode: true, env: undefined });
    expect(info.name).toBe('cpu');
    expect(info.skipped).toEqual([
      { source: '@tensorflow/tfjs-node-gpu', reason: 'not installed (npm install @tensorflow/tfjs-node-gpu)' },
      { source: '@tensorflow/tfjs-node', reason: 'not installed (npm install @tensorflow/tfjs-node)' },
      { source: '@tensorflow/tfjs-backend-webgpu', reason: "not installed (npm install webgpu @tensorflow/tfjs-backend-webgpu: Dawn's WebGPU for Node.js)" },
      { source: '@tensorflow/tfjs-backend-wasm', reason: 'not installed (npm install @tensorflow/tfjs-backend-wasm)' },
    ]);
  });

  it('tell a broken install (a dependency of the package is missing) from a missing package', async () => {
    const p = project();
    made.push(p.dir);
    p.add('@tensorflow/tfjs-node', { 'index.js': "require('smoa-test-absent-dependency');" });
    await expect(initBackendWith({ prefer: 'tfjs-node' }, { importer: p.importer, isNode: true, env: undefined })).rejects.toThrow(
      /@tensorflow\/tfjs-node: installed but failed to load: Cannot find module 'smoa-test-absent-dependency'/,
    );
  });

  it('in a browser, points at the loaders option', async () => {
    const p = project();
    made.push(p.dir);
    await expect(initBackendWith({ prefer: 'wasm' }, { importer: p.importer, isNode: false, env: undefined })).rejects.toThrow(
      "@tensorflow/tfjs-backend-wasm: not bundled (install @tensorflow/tfjs-backend-wasm and pass loaders: { 'wasm': () => import('@tensorflow/tfjs-backend-wasm') })",
    );
  });
});

describe('browser order and reasons', () => {
  it('tries webgpu, webgl, wasm, cpu and says why each was skipped', async () => {
    const p = project();
    made.push(p.dir);
    p.link('@tensorflow/tfjs-backend-cpu');
    const info = await initBackendWith({}, { importer: p.importer, isNode: false, env: undefined });
    expect(info.name).toBe('cpu');
    expect(info.skipped.map((s) => s.source)).toEqual(['@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-wasm']);
    expect(info.skipped[0].reason).toBe('this browser has no WebGPU (navigator.gpu is missing)');
    expect(info.skipped[1].reason).toMatch(/^not bundled/);
  });

  it('refuses the native backends', async () => {
    const p = project();
    made.push(p.dir);
    await expect(initBackendWith({ prefer: 'tfjs-node' }, { importer: p.importer, isNode: false, env: undefined })).rejects.toThrow(
      '@tensorflow/tfjs-node: needs Node.js (native addon)',
    );
  });
});

describe('isNotInstalled', () => {
  it('classifies resolver errors by the package they name', () => {
    const pkg = '@tensorflow/tfjs-node';
    expect(isNotInstalled(Object.assign(new Error(`Cannot find package '${pkg}' imported from /x.js`), { code: 'ERR_MODULE_NOT_FOUND' }), pkg)).toBe(true);
    expect(isNotInstalled(Object.assign(new Error(`Cannot find module '${pkg}'\nRequire stack:`), { code: 'MODULE_NOT_FOUND' }), pkg)).toBe(true);
    expect(isNotInstalled(Object.assign(new Error(`Cannot find module '/n/${pkg}/dist/x.js'`), { code: 'ERR_MODULE_NOT_FOUND' }), pkg)).toBe(false);
    expect(isNotInstalled(new TypeError(`Failed to resolve module specifier "${pkg}". Relative references must start with "/"`), pkg)).toBe(true);
    expect(isNotInstalled(new Error('The Node.js native addon module (tfjs_binding.node) can not be found'), pkg)).toBe(false);
  });
});
