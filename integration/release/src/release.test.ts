import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKS } from './checks';
import { TFJS_PEERS, installConsumer, pack, workspaceVersion } from './consumer';
import { run } from './run';
import { consumerScript } from './scripts';
import { formatSizes, tarballSize, type TarballSize } from './sizes';
import { binNames, importSpecifiers, publishablePackages, readManifest, repoRoot } from './workspace';

const root = repoRoot();
const packages = publishablePackages(root);
// Outside the workspace, so Node cannot fall back to a workspace node_modules and hide a missing dependency.
const work = mkdtempSync(join(tmpdir(), 'smoa-release-'));
const consumer = join(work, 'consumer');
const scratch = join(work, 'scratch');
const specifiers = packages.flatMap((p) => importSpecifiers(p.manifest));
const sizes: Record<string, TarballSize> = {};

// SMOA_KEEP_RELEASE_DIR=1 keeps the consumer project for a look after a failure.
afterAll(() => {
  if (process.env.SMOA_KEEP_RELEASE_DIR === '1') console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

beforeAll(async () => {
  const tarballDir = join(work, 'tarballs');
  for (const d of [tarballDir, consumer, scratch]) mkdirSync(d, { recursive: true });
  const pnpm = join(root, 'node_modules', '.bin', 'pnpm');
  const tarballs: Record<string, string> = {};
  for (const p of packages) tarballs[p.manifest.name] = await pack(pnpm, p.dir, tarballDir);
  for (const [name, tgz] of Object.entries(tarballs)) sizes[name] = tarballSize(tgz);
  const peers = Object.fromEntries(TFJS_PEERS.map((n) => [n, workspaceVersion(n, join(root, 'packages', 'adapters'))]));
  await installConsumer(consumer, tarballs, peers);
}, 600_000);

/** What pnpm writes for a workspace range at pack time: workspace:^ -> ^1.2.3, workspace:* -> 1.2.3. */
function publishedRange(range: string, version: string): string {
  const spec = range.slice('workspace:'.length);
  if (spec === '*') return version;
  if (spec === '^' || spec === '~') return spec + version;
  return spec;
}

const runNode = (script: string): Promise<string> => run(process.execPath, [script, scratch], consumer);

describe('packed tarballs in a fresh npm project', () => {
  it('has real work for every publishable package (a CHECKS entry, or a bin run below) and no stale entry', () => {
    const names = packages.map((p) => p.manifest.name);
    for (const name of Object.keys(CHECKS)) expect(names, `CHECKS names ${name}, which is not a publishable package`).toContain(name);
    const uncovered = packages.filter((p) => CHECKS[p.manifest.name] === undefined && binNames(p.manifest).length === 0).map((p) => p.manifest.name);
    expect(uncovered, 'publishable packages with nothing to run in src/checks.ts').toEqual([]);
  });

  it('reports each package\'s packed and unpacked size (also in .tmp/package-sizes.json)', () => {
    console.log(formatSizes(sizes));
    mkdirSync(join(__dirname, '..', '.tmp'), { recursive: true });
    writeFileSync(join(__dirname, '..', '.tmp', 'package-sizes.json'), JSON.stringify(sizes, null, 2) + '\n');
    for (const [name, s] of Object.entries(sizes)) {
      expect(s.files, `${name} packs files`).toBeGreaterThan(0);
      expect(s.unpacked, `${name}: a gzip tarball of text is smaller than its contents`).toBeGreaterThan(s.packed);
    }
  });

  it('replaced every workspace: range with the sibling version it stands for', () => {
    const versions = new Map(packages.map((p) => [p.manifest.name, p.manifest.version]));
    for (const p of packages) {
      const packed = readManifest(join(consumer, 'node_modules', p.manifest.name));
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'] as const) {
        for (const [dep, range] of Object.entries(p.manifest[field] ?? {})) {
          const expected = range.startsWith('workspace:') ? publishedRange(range, versions.get(dep)!) : range;
          expect(packed[field]?.[dep], `${p.manifest.name} ${field}.${dep}`).toBe(expected);
        }
      }
    }
  });

  it.each(['esm', 'cjs'] as const)('loads every package and does real work (%s)', async (format) => {
    const file = join(consumer, format === 'esm' ? 'consumer.mjs' : 'consumer.cjs');
    writeFileSync(file, consumerScript(format, specifiers, packages.map((p) => p.manifest.name)));
    const out = await runNode(file);
    console.log(out);
    const expected = ['loaded', ...Object.keys(CHECKS)];
    for (const what of expected) expect(out).toMatch(new RegExp(`^ok ${what.replace(/[/@]/g, '\\$&')}`, 'm'));
  });

  const bins = packages.flatMap((p) => binNames(p.manifest).map((b) => [p.manifest.name, b] as const));
  it.skipIf(bins.length === 0).each(bins)('%s: `npx %s --help` works from the tarball', async (_pkg, bin) => {
    const stdout = await run('npx', ['--no-install', bin, '--help'], consumer);
    expect(stdout).toMatch(new RegExp(bin));
  });
});
