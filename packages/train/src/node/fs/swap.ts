import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { syncPath, syncTree } from './durable';

// A folder is replaced in steps that each leave a state the next run can read:
//   .<name>.<tag>.tmp  being built: incomplete, removed by recovery;
//   .<name>.<tag>.new  complete and synced, about to be moved in: recovery finishes the swap;
//   .<name>.<tag>.old  the previous folder moved aside: recovery removes it once <name> exists,
//                      or moves it back when <name> is missing.
const SIDE = /^\.(.+)\.([0-9a-f]{12})\.(tmp|new|old)$/;

const exists = (path: string) => stat(path).then(() => true, () => false);
const side = (target: string, tag: string, kind: 'tmp' | 'new' | 'old') => join(dirname(target), `.${basename(target)}.${tag}.${kind}`);

/** Makes an empty staging folder beside `target`; fill it, then call replaceDirectory(staging, target). */
export async function createStagingDir(target: string): Promise<string> {
  const abs = resolve(target);
  await mkdir(dirname(abs), { recursive: true });
  const staging = side(abs, randomBytes(6).toString('hex'), 'tmp');
  await mkdir(staging);
  return staging;
}

/**
 * Puts the complete folder `staging` (from createStagingDir) at `target`, replacing what is there.
 * A kill at any point leaves either the old or the new folder reachable: recoverDirectory(target),
 * which the writers in this repository call before they start, restores or finishes the swap.
 */
export async function replaceDirectory(staging: string, target: string): Promise<void> {
  const abs = resolve(target);
  const parent = dirname(abs);
  const match = SIDE.exec(basename(staging));
  if (dirname(resolve(staging)) !== parent || !match || match[1] !== basename(abs) || match[3] !== 'tmp') {
    throw new Error(`replaceDirectory: ${staging} is not a staging folder for ${abs} (make it with createStagingDir)`);
  }
  const tag = match[2];
  await syncTree(staging);
  await rename(staging, side(abs, tag, 'new'));
  await syncPath(parent);
  if (await exists(abs)) await rename(abs, side(abs, tag, 'old'));
  await rename(side(abs, tag, 'new'), abs);
  await syncPath(parent);
  await rm(side(abs, tag, 'old'), { recursive: true, force: true });
}

export interface DirectoryRecovery {
  /** How `target` was repaired: an interrupted swap finished, the previous folder put back, or nothing. */
  action: 'finished' | 'restored' | 'none';
  /** Leftover folders removed (incomplete builds, previous versions no longer needed). */
  removed: string[];
}

/**
 * Repairs what a killed replaceDirectory left beside `target` and removes stale temporaries. Call it
 * before writing `target` again. Not safe while another process is writing the same target.
 */
export async function recoverDirectory(target: string): Promise<DirectoryRecovery> {
  const abs = resolve(target);
  const parent = dirname(abs);
  const name = basename(abs);
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { action: 'none', removed: [] };
    throw err;
  }
  const sides = entries.flatMap((e) => {
    const m = SIDE.exec(e);
    return m && m[1] === name ? [{ path: join(parent, e), tag: m[2], kind: m[3] as 'tmp' | 'new' | 'old' }] : [];
  });
  let action: DirectoryRecovery['action'] = 'none';
  const removed: string[] = [];
  const remove = async (path: string) => {
    await rm(path, { recursive: true, force: true });
    removed.push(path);
  };
  for (const s of sides.filter((x) => x.kind === 'new')) {
    if (action === 'none') {
      // A complete new folder: finish its swap (the target, if present, is the older content).
      if (await exists(abs)) await rename(abs, side(abs, s.tag, 'old'));
      await rename(s.path, abs);
      await syncPath(parent);
      action = 'finished';
    } else {
      await remove(s.path);
    }
  }
  for (const s of sides.filter((x) => x.kind === 'old')) {
    if (!(await exists(abs))) {
      await rename(s.path, abs);
      await syncPath(parent);
      action = 'restored';
    } else {
      await remove(s.path);
    }
  }
  // Folders finished above leave an .old of their own tag.
  for (const e of await readdir(parent)) {
    const m = SIDE.exec(e);
    if (m && m[1] === name && (m[3] === 'old' || m[3] === 'tmp')) await remove(join(parent, e));
  }
  return { action, removed: [...new Set(removed)] };
}
