import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkRunDir, prepareRunDir, recoverDirectory } from '@smoa/train/node';

const names = (flag: string) => ({ dir: flag, overwrite: '--overwrite', resume: '--resume' });

/**
 * Makes sure `dir` can take a new command output: missing or empty, unless --overwrite (the old content
 * is removed); and writable (a permission error says so, naming the flag).
 */
export async function prepareOutputDir(dir: string, options: { overwrite?: boolean; flag?: string }): Promise<string> {
  return prepareRunDir(dir, { overwrite: !!options.overwrite, resumable: false, names: names(options.flag ?? '--output') });
}

/** Like prepareOutputDir, but only checks: for writers that replace the directory as a whole themselves. */
export async function checkOutputDir(dir: string, overwrite: boolean, flag = '--output'): Promise<string> {
  return checkRunDir(dir, { overwrite, resumable: false, names: names(flag) });
}

/** The --output checks of a training run (with --resume), before the model is loaded. */
export async function checkTrainOutput(dir: string, options: { overwrite: boolean; resume: boolean }): Promise<string> {
  return checkRunDir(dir, { ...options, names: names('--output') });
}

/**
 * Repairs what a killed `--overwrite` swap of this output left (finishes it or puts the old folder
 * back) and removes its stale temporaries, saying so on stderr.
 */
export async function recoverOutput(dir: string, flag = '--output'): Promise<void> {
  const abs = resolve(dir);
  const r = await recoverDirectory(abs);
  if (r.action === 'finished') process.stderr.write(`${flag} ${abs}: finished the replacement an earlier run was killed in\n`);
  if (r.action === 'restored') process.stderr.write(`${flag} ${abs}: restored the previous output, which an earlier run was killed while replacing\n`);
  if (r.removed.length > 0) process.stderr.write(`${flag} ${abs}: removed ${r.removed.length} stale temporary folder(s) of earlier runs\n`);
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
