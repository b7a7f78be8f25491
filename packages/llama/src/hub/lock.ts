import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hostname } from 'node:os';

/**
 * A lock file created with O_EXCL holding "pid host": one writer per blob across processes on this
 * machine. A lock whose process is gone (same host) is taken over, so a kill -9 never wedges the cache.
 * It is not Python's filelock (that needs flock), so Python and Node downloading the very same blob at
 * the same moment each write their own temporary file; the final rename keeps the cache consistent.
 */
export async function withLock<T>(path: string, what: string, fn: () => Promise<T>, timeoutMs = 30 * 60_000): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const started = Date.now();
  const me = `${process.pid} ${hostname()}`;
  let wait = 20;
  for (;;) {
    try {
      const h = await open(path, 'wx');
      await h.writeFile(me);
      await h.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await isStale(path)) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`${what}: another process has held ${path} for over ${Math.round(timeoutMs / 1000)} s; remove the file if no download is running`);
    }
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 500);
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}

async function isStale(path: string): Promise<boolean> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return false; // released meanwhile: retry
  const [pidText, host] = text.split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) {
    // Being written right now, or garbage: stale once it is old.
    const s = await stat(path).catch(() => undefined);
    return s !== undefined && Date.now() - s.mtimeMs > 10_000;
  }
  if (host !== hostname()) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
