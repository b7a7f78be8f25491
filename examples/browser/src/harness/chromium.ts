import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags that keep a headless Chromium quiet on a machine without a GPU or internet: without them it
 * keeps trying to reach Google services (sync, component updates, QUIC) and floods the closed network.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type ChromiumStatus = { ok: true; path: string; installed: boolean } | { ok: false; reason: string };

/**
 * Finds Debian's chromium, installing it with apt-get when it is missing and this process may (root,
 * apt-get present): CI starts from a clean machine. Only when that is impossible does it report why, so the
 * caller can skip with that message.
 */
export function ensureChromium(path = CHROMIUM, options: { explicit?: boolean } = {}): ChromiumStatus {
  if (existsSync(path)) return { ok: true, path, installed: false };
  // A path the user chose is never replaced by installing another browser.
  if (options.explicit ?? process.env.CHROMIUM_PATH !== undefined) return { ok: false, reason: `CHROMIUM_PATH=${path} does not exist` };
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
    return { ok: false, reason: `${path} is missing and there is no apt-get to install it (install chromium or set CHROMIUM_PATH)` };
  }
  if (process.getuid?.() !== 0) {
    return { ok: false, reason: `${path} is missing and installing it needs root: run "sudo apt-get install -y chromium" (or set CHROMIUM_PATH)` };
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const steps = [['update'], ['install', '-y', 'chromium']];
  for (const args of steps) {
    const r = spawnSync('apt-get', args, { env, encoding: 'utf8', timeout: 15 * 60_000 });
    if (r.status !== 0) {
      const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
      return { ok: false, reason: `apt-get ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${tail}` };
    }
  }
  return existsSync(path) ? { ok: true, path, installed: true } : { ok: false, reason: `apt-get installed chromium but ${path} is still missing` };
}
