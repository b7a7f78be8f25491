import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRepo } from './repo-copy';
import { run } from './run';
import { publishablePackages, readManifest, repoRoot, type Manifest } from './workspace';

const root = repoRoot();
const copy = mkdtempSync(join(tmpdir(), 'smoa-changeset-'));
const bumped = '@smoa/safetensors';
const summary = 'Release-process check: a minor change to the safetensors reader.';

afterAll(() => rmSync(copy, { recursive: true, force: true }));

const before = publishablePackages(root);
const internalDeps = (m: Manifest): Record<string, string> => ({ ...m.dependencies, ...m.peerDependencies });
const oldVersion = before.find((p) => p.manifest.name === bumped)!.manifest.version;
const dependents = before.filter((p) => internalDeps(p.manifest)[bumped] !== undefined).map((p) => p.manifest.name);
let after: Map<string, { dir: string; manifest: Manifest }>;

beforeAll(async () => {
  copyRepo(root, copy);
  // Pending changesets of the real tree would change the expected bumps: check the process in isolation.
  for (const f of readdirSync(join(copy, '.changeset'))) if (f.endsWith('.md') && f !== 'README.md') rmSync(join(copy, '.changeset', f));
  writeFileSync(join(copy, '.changeset', 'release-process-check.md'), `---\n"${bumped}": minor\n---\n\n${summary}\n`);
  await run(join(root, 'node_modules', '.bin', 'changeset'), ['version'], copy);
  after = new Map(before.map((p) => [p.manifest.name, { dir: join(copy, relative(root, p.dir)), manifest: readManifest(join(copy, relative(root, p.dir))) }]));
}, 120_000);

const bumpMinor = (v: string): string => v.replace(/^(\d+)\.(\d+)\.\d+.*$/, (_m, a, b) => `${a}.${Number(b) + 1}.0`);
const bumpPatch = (v: string): string => v.replace(/^(\d+)\.(\d+)\.(\d+).*$/, (_m, a, b, c) => `${a}.${b}.${Number(c) + 1}`);

describe('pnpm changeset version on a copy of the repository', () => {
  it('consumes the changeset file', () => {
    expect(existsSync(join(copy, '.changeset', 'release-process-check.md'))).toBe(false);
  });

  it('bumps the changed package by a minor version and writes its CHANGELOG.md', () => {
    const now = after.get(bumped)!;
    expect(now.manifest.version).toBe(bumpMinor(oldVersion));
    const changelog = readFileSync(join(now.dir, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toContain(`# ${bumped}`);
    expect(changelog).toContain(`## ${bumpMinor(oldVersion)}`);
    expect(changelog).toContain(summary);
  });

  it('gives every package that depends on it a patch release and keeps the workspace range', () => {
    expect(dependents.length).toBeGreaterThan(0);
    for (const name of dependents) {
      const old = before.find((p) => p.manifest.name === name)!.manifest;
      const now = after.get(name)!;
      expect(now.manifest.version, name).toBe(bumpPatch(old.version));
      expect(internalDeps(now.manifest)[bumped], `${name} -> ${bumped}`).toBe(internalDeps(old)[bumped]);
      expect(internalDeps(now.manifest)[bumped], `${name} -> ${bumped}`).toMatch(/^workspace:/);
      const changelog = readFileSync(join(now.dir, 'CHANGELOG.md'), 'utf8');
      expect(changelog, name).toContain('Updated dependencies');
      expect(changelog, name).toContain(`${bumped}@${bumpMinor(oldVersion)}`);
    }
  });

  it('leaves unrelated packages alone', () => {
    for (const p of before.filter((q) => q.manifest.name !== bumped && !dependents.includes(q.manifest.name))) {
      expect(after.get(p.manifest.name)!.manifest.version, p.manifest.name).toBe(p.manifest.version);
    }
  });

  it('did not touch the real working tree', () => {
    expect(readManifest(join(root, 'packages', 'safetensors')).version).toBe(oldVersion);
  });
});
