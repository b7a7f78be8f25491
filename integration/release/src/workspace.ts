import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root: the nearest folder above this file with a pnpm-workspace.yaml. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no pnpm-workspace.yaml above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: Record<string, unknown>;
  bin?: string | Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** Every package under packages/ that is not private, i.e. what `changeset publish` would publish. */
export function publishablePackages(root = repoRoot()): Array<{ dir: string; manifest: Manifest }> {
  const base = join(root, 'packages');
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(base, d.name, 'package.json')))
    .map((d) => ({ dir: join(base, d.name), manifest: readManifest(join(base, d.name)) }))
    .filter((p) => p.manifest.private !== true);
}

/** Binary names a package installs, from "bin" (a string means the package's own unscoped name). */
export function binNames(manifest: Manifest): string[] {
  if (manifest.bin === undefined) return [];
  if (typeof manifest.bin === 'string') return [manifest.name.replace(/^@[^/]+\//, '')];
  return Object.keys(manifest.bin);
}

/** Importable specifiers of a package: its name plus each exports subpath except ./package.json. */
export function importSpecifiers(manifest: Manifest): string[] {
  const subpaths = manifest.exports === undefined ? ['.'] : Object.keys(manifest.exports);
  return subpaths
    .filter((s) => s !== './package.json' && !s.includes('*'))
    .map((s) => (s === '.' ? manifest.name : `${manifest.name}/${s.replace(/^\.\//, '')}`));
}
