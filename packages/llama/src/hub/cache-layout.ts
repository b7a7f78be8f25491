import { homedir } from 'node:os';
import { join, relative, dirname, sep } from 'node:path';
import { mkdir, readFile, readlink, rename, rm, stat, symlink, copyFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';

/**
 * huggingface_hub's cache layout, so a model downloaded by Python is found here and the other way round:
 *   <cache>/models--{org}--{name}/blobs/{etag}                  file contents, named by ETag
 *                                 snapshots/{commit}/{file}      relative links into blobs
 *                                 refs/{revision}                the commit a branch or tag pointed at
 *                                 .no_exist/{commit}/{file}      empty: the file is known to be absent
 */

const truthy = (v: string | undefined) => v !== undefined && ['1', 'on', 'yes', 'true'].includes(v.trim().toLowerCase());

/** HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub. */
export function defaultHubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  const home = env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
  return join(home, 'hub');
}

/** HF_HUB_OFFLINE set to 1 / ON / YES / TRUE. */
export const hubOfflineFromEnv = (env: NodeJS.ProcessEnv = process.env): boolean => truthy(env.HF_HUB_OFFLINE);

/** A blob name must be one path segment; an ETag that is not is replaced by the content's sha256. */
export const isSafeBlobName = (s: string): boolean => /^[A-Za-z0-9_.+=-]{1,128}$/.test(s) && s !== '.' && s !== '..';

export class RepoCache {
  readonly dir: string;

  constructor(
    readonly cacheDir: string,
    readonly repo: string,
  ) {
    this.dir = join(cacheDir, `models--${repo.replace('/', '--')}`);
  }

  blob(name: string): string {
    return join(this.dir, 'blobs', name);
  }

  snapshot(commit: string, file = ''): string {
    return join(this.dir, 'snapshots', commit, ...file.split('/'));
  }

  lockFile(name: string): string {
    return join(this.cacheDir, '.locks', `models--${this.repo.replace('/', '--')}`, `${name}.smoa.lock`);
  }

  /** The commit refs/<revision> holds, or the revision itself when it is a snapshot folder already. */
  async commitFor(revision: string): Promise<string | undefined> {
    const ref = await readFile(join(this.dir, 'refs', ...revision.split('/')), 'utf8').catch(() => undefined);
    if (ref !== undefined) return ref.trim();
    return (await exists(this.snapshot(revision))) ? revision : undefined;
  }

  /** A cached file of a snapshot (through its link), or undefined. */
  async cachedFile(commit: string, file: string): Promise<string | undefined> {
    const path = this.snapshot(commit, file);
    return (await exists(path)) ? path : undefined;
  }

  /** True when a previous lookup recorded that this snapshot has no such file. */
  knownAbsent(commit: string, file: string): Promise<boolean> {
    return exists(join(this.dir, '.no_exist', commit, ...file.split('/')));
  }

  async markAbsent(commit: string, file: string): Promise<void> {
    const path = join(this.dir, '.no_exist', commit, ...file.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, '');
  }

  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const path = join(this.dir, 'refs', ...revision.split('/'));
    const current = await readFile(path, 'utf8').catch(() => undefined);
    if (current === commit) return;
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, commit);
    await rename(tmp, path);
  }

  /** snapshots/<commit>/<file> -> ../../blobs/<blob> (relative, as Python writes it); a copy where links are refused. */
  async link(commit: string, file: string, blobName: string): Promise<string> {
    const path = this.snapshot(commit, file);
    const target = relative(dirname(path), this.blob(blobName)).split(sep).join('/');
    if ((await readlink(path).catch(() => undefined)) === target) return path;
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await symlink(target, tmp);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EACCES') throw err;
      await copyFile(this.blob(blobName), tmp);
    }
    try {
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return path;
  }
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
