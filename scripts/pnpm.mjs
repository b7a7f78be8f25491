#!/usr/bin/env node
// Lets `npm run demo` / `npm test` work on a machine that has only Node and npm: it installs the
// workspace with the pinned pnpm (the one in package.json "packageManager", fetched by npx when it is
// not installed yet), then runs the given root script through it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pinned = pkg.packageManager; // "pnpm@x.y.z"
const localPnpm = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'pnpm.cmd' : 'pnpm');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// After the first install, the workspace's own pnpm (a root devDependency) is used.
const pnpm = () => (existsSync(localPnpm) ? [localPnpm] : ['npx', '--yes', pinned]);
const [script, ...rest] = process.argv.slice(2);
if (!script) {
  console.error('usage: node scripts/pnpm.mjs <root script> [args...]');
  process.exit(2);
}
const [installCmd, ...installArgs] = pnpm();
run(installCmd, [...installArgs, 'install', '--frozen-lockfile', '--reporter=silent']);
const [runCmd, ...runArgs] = pnpm();
run(runCmd, [...runArgs, 'run', script, ...rest]);
