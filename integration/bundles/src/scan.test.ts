import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findBuiltinImports, isNodeBuiltin } from './scan';

// A tiny synthetic "dist" proves the checker finds built-ins where tsup would put them (entry, chunk,
// CommonJS require, dynamic import) and ignores look-alikes in strings and comments.
const dir = mkdtempSync(join(tmpdir(), 'smoa-bundles-'));
const write = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

write('chunk-AB12.js', `import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n`);
const esmDirty = write(
  'index.js',
  `import { read } from './chunk-AB12.js';\nimport * as tf from '@tensorflow/tfjs-core';\n` +
    `export const load = async () => (await import('fs/promises')).readFile;\nexport { read, tf };\n`,
);
const cjsDirty = write(
  'index.cjs',
  `"use strict";\nconst path = require("path");\nconst core = require("@tensorflow/tfjs-core");\nmodule.exports = { join: path.join, core };\n`,
);
const clean = write(
  'clean.js',
  `// require('fs') in a comment is not an import\nexport const text = "import fs from 'node:fs'; require('os')";\n` +
    `export { helper } from './clean-chunk.js';\n`,
);
// What tsup emits for a require() left in ESM source: a shim call that throws in a browser.
const shimmed = write(
  'shimmed.js',
  `var __require = ((x) => typeof require !== "undefined" ? require : x)(function(x) {\n` +
    `  throw Error('Dynamic require of "' + x + '" is not supported');\n});\n` +
    `export const os = () => __require("os");\nexport const fake = () => __require(someName);\n`,
);
write('clean-chunk.js', `export const helper = (x) => x + 1;\n`);

describe('isNodeBuiltin', () => {
  it('knows prefixed, bare and subpath built-ins and nothing else', () => {
    for (const s of ['node:fs', 'fs', 'fs/promises', 'path', 'os', 'crypto', 'child_process', 'worker_threads', 'readline', 'stream', 'url', 'util', 'node:test']) {
      expect(isNodeBuiltin(s), s).toBe(true);
    }
    for (const s of ['@tensorflow/tfjs-core', './fs', 'fs-extra', 'pathe', 'urlpattern-polyfill']) {
      expect(isNodeBuiltin(s), s).toBe(false);
    }
  });
});

describe('findBuiltinImports', () => {
  it('finds a built-in imported by a chunk and one imported dynamically, naming file and kind', async () => {
    const found = await findBuiltinImports(esmDirty, { relativeTo: dir });
    expect(found).toEqual(
      expect.arrayContaining([
        { file: 'chunk-AB12.js', specifier: 'node:fs', kind: 'import-statement' },
        { file: 'index.js', specifier: 'fs/promises', kind: 'dynamic-import' },
      ]),
    );
    expect(found).toHaveLength(2);
  });

  it('finds a CommonJS require of a bare built-in but not of a package', async () => {
    const found = await findBuiltinImports(cjsDirty, { relativeTo: dir });
    expect(found).toEqual([{ file: 'index.cjs', specifier: 'path', kind: 'require-call' }]);
  });

  it("finds tsup's __require shim called with a built-in", async () => {
    const found = await findBuiltinImports(shimmed, { relativeTo: dir });
    expect(found).toEqual([{ file: 'shimmed.js', specifier: 'os', kind: 'shimmed-require' }]);
  });

  it('reports nothing for a clean bundle whose strings and comments mention built-ins', async () => {
    expect(await findBuiltinImports(clean, { relativeTo: dir })).toEqual([]);
  });

  it('fails with the file name when an entry does not exist', async () => {
    await expect(findBuiltinImports(join(dir, 'missing.js'))).rejects.toThrow(/missing\.js/);
  });
});
