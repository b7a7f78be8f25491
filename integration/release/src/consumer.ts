import { readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { run } from './run';
import { readManifest, type Manifest } from './workspace';

/** The tfjs packages a user installs beside ours (peers), at the versions the workspace tests against. */
export const TFJS_PEERS = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-layers'];

export function workspaceVersion(pkg: string, fromDir: string): string {
  const require = createRequire(join(fromDir, 'package.json'));
  return (require(`${pkg}/package.json`) as Manifest).version;
}

/** `pnpm pack` of one package into dest (pnpm rewrites workspace: ranges to real ones); returns the tarball path. */
export async function pack(pnpm: string, pkgDir: string, dest: string): Promise<string> {
  const before = new Set(readdirSync(dest));
  await run(pnpm, ['pack', '--pack-destination', dest], pkgDir);
  const made = readdirSync(dest).filter((f) => f.endsWith('.tgz') && !before.has(f));
  if (made.length !== 1) throw new Error(`pnpm pack in ${pkgDir}: expected one new .tgz in ${dest}, found ${made.join(', ') || 'none'}`);
  return join(dest, made[0]);
}

/**
 * A fresh npm project in dir depending on the tarballs and the tfjs peers. The overrides pin every
 * @smoa dependency of a tarball to its sibling tarball, so npm never fetches a same-named package from the
 * registry in its place.
 */
export async function installConsumer(dir: string, tarballs: Record<string, string>, peers: Record<string, string>): Promise<void> {
  const dependencies = { ...peers, ...Object.fromEntries(Object.entries(tarballs).map(([n, t]) => [n, `file:${t}`])) };
  const overrides = Object.fromEntries(Object.keys(tarballs).map((n) => [n, `$${n}`]));
  const manifest = { name: 'smoa-release-consumer', version: '0.0.0', private: true, dependencies, overrides };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], dir);
  for (const name of Object.keys(tarballs)) {
    const installed = readManifest(join(dir, 'node_modules', name));
    if (installed.name !== name) throw new Error(`${dir}/node_modules/${name}: installed package is named ${installed.name}`);
  }
}
