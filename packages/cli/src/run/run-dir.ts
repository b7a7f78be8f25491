import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Makes sure `dir` can take a new run's output: it must not exist or be empty, unless the user
 * passed --overwrite (the old content is removed) or --resume (it is kept and continued).
 */
export function prepareOutputDir(dir: string, options: { overwrite?: boolean; resume?: boolean; flag?: string }): string {
  const abs = resolve(dir);
  const flag = options.flag ?? '--output';
  let isDir = false;
  let exists = false;
  try {
    isDir = statSync(abs).isDirectory();
    exists = true;
  } catch {
    exists = false;
  }
  if (options.resume) {
    if (!isDir) throw new Error(`${flag} ${abs}: --resume needs an existing run directory, and there is none`);
    return abs;
  }
  if (exists && !isDir) throw new Error(`${flag} ${abs}: exists and is not a directory`);
  if (isDir && readdirSync(abs).length > 0) {
    if (!options.overwrite) throw new Error(`${flag} ${abs}: already exists and is not empty; pass --overwrite to replace it${flag === '--output' ? ' or --resume to continue it' : ''}`);
    rmSync(abs, { recursive: true, force: true });
  }
  mkdirSync(abs, { recursive: true });
  return abs;
}

/** Throws a clear error unless `path` exists (and is a directory or file as asked). */
export function requirePath(path: string, flag: string, kind: 'directory' | 'file'): string {
  const abs = resolve(path);
  let s;
  try {
    s = statSync(abs);
  } catch {
    throw new Error(`${flag} ${abs}: no such ${kind}`);
  }
  if (kind === 'directory' && !s.isDirectory()) throw new Error(`${flag} ${abs}: expected a directory, found a file`);
  if (kind === 'file' && !s.isFile()) throw new Error(`${flag} ${abs}: expected a file, found a directory`);
  return abs;
}

/** Like prepareOutputDir, but only checks: for writers that replace the directory atomically themselves. */
export function checkOutputDir(dir: string, overwrite: boolean, flag = '--output'): string {
  const abs = resolve(dir);
  let s;
  try {
    s = statSync(abs);
  } catch {
    return abs;
  }
  if (!s.isDirectory()) throw new Error(`${flag} ${abs}: exists and is not a directory`);
  if (readdirSync(abs).length > 0 && !overwrite) throw new Error(`${flag} ${abs}: already exists and is not empty; pass --overwrite to replace it`);
  return abs;
}
