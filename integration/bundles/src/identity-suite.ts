// One copy of every class per format, whichever entry reaches it (issue 11 section 4): without code splitting,
// dist/index.js and dist/node.js each bundle their own AdapterModel, so an adapter loaded through
// @smoa/adapters/node is not an instance of the AdapterModel that @smoa/adapters exports.
// Each format runs in its own test file (its own worker), as an app loads one format: mixing the ESM and the
// CommonJS build in one process is the dual-package hazard, which these tests do not cover.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@smoa/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASES, type Entries } from './identity-cases';
import { codeSubpaths, duplicatedModules, loadEntries, workspacePackages, type Format } from './identity';

const root = join(__dirname, '..', '..', '..');

export function describeIdentity(format: Format): void {
  const tmp = mkdtempSync(join(tmpdir(), `smoa-identity-${format}-`));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  beforeAll(async () => {
    await initBackend();
  });
  // Packages with built code (a data-only package has none).
  const packages = workspacePackages(root).filter((p) => codeSubpaths(p.exports).length > 0);
  const multiEntry = packages.filter((p) => codeSubpaths(p.exports).length > 1);
  const cache = new Map<string, Promise<Entries>>();
  const load = (pkg: string) => {
    if (!cache.has(pkg)) cache.set(pkg, loadEntries(pkg, format));
    return cache.get(pkg)!;
  };

  describe(`class identity across the entries of one package (${format})`, () => {
    it('every package with several entries has cases (or says why it needs none)', () => {
      expect(multiEntry.map((p) => p.name).filter((n) => CASES[n] === undefined)).toEqual([]);
      expect(Object.keys(CASES).filter((n) => !multiEntry.some((p) => p.name === n))).toEqual([]);
    });

    it('every package with several entries is a devDependency here, so turbo builds it before this test', () => {
      const own = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
      expect(multiEntry.map((p) => p.name).filter((n) => own.devDependencies[n] === undefined)).toEqual([]);
    });

    it.each(packages.map((p) => [p.name]))('%s: every source module is built into exactly one file', (pkg) => {
      const dup = duplicatedModules(pkg, format);
      expect([...dup].map(([src, files]) => `${src} in ${files.join(', ')}`)).toEqual([]);
    });

    it.each(packages.map((p) => [p.name]))('%s: a name exported by several entries is the same object in each', async (pkg) => {
      const entries = await load(pkg);
      const differ: string[] = [];
      const subpaths = Object.keys(entries);
      for (const a of subpaths)
        for (const b of subpaths)
          for (const name of Object.keys(entries[a]))
            if (a < b && name !== 'default' && name in entries[b] && entries[a][name] !== entries[b][name]) differ.push(`${name} in ${a} and ${b}`);
      expect(differ).toEqual([]);
    });

    const cases = Object.entries(CASES).flatMap(([pkg, c]) => (Array.isArray(c) ? c.map((x) => [pkg, x.what, x] as const) : []));
    it.each(cases.map((c, i) => [...c, i] as const))('%s: %s', async (_pkg, _what, c, i) => {
      const dir = join(tmp, String(i));
      mkdirSync(dir, { recursive: true });
      const { made, Class } = await c.make(load, dir);
      expect(typeof Class, 'the class is exported').toBe('function');
      expect(made).toBeInstanceOf(Class);
    });
  });
}
