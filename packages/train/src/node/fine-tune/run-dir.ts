import { access, constants, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export interface RunDirOptions {
  /** Replace the directory's content when it is not empty. */
  overwrite?: boolean;
  /** Continue the run in the directory (it must exist). */
  resume?: boolean;
  /** Whether the "already exists" message suggests resume (default true; false for plain outputs). */
  resumable?: boolean;
  /** How messages name the directory and the two switches, e.g. { dir: '--output', overwrite: '--overwrite', resume: '--resume' } in a CLI. */
  names?: { dir?: string; overwrite?: string; resume?: string };
}

const PERMISSION_CODES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
};

/** A clear message for a permission problem on `path`, or undefined for other errors. */
export function permissionMessage(err: unknown, path: string, label: string): string | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  const what = code ? PERMISSION_CODES[code] : undefined;
  return what ? `${label} ${path}: ${what} (${code}): this process cannot write there; choose a writable directory` : undefined;
}

/** The nearest folder at or above `path` that exists (where mkdir -p starts writing). */
async function nearestExisting(path: string): Promise<string> {
  for (let dir = path; ; dir = dirname(dir)) {
    if (await stat(dir).then(() => true, () => false)) return dir;
    if (dirname(dir) === dir) return dir;
  }
}

/**
 * Checks, without changing anything, that `dir` can take a run: it must be missing or empty unless
 * `overwrite` (the content will be replaced) or `resume` (it must exist and is continued), and this
 * process must be able to write there. Errors name the directory and the switch that would help.
 */
export async function checkRunDir(dir: string, options: RunDirOptions = {}): Promise<string> {
  const abs = resolve(dir);
  const label = options.names?.dir ?? 'runDir';
  const overwrite = options.names?.overwrite ?? 'overwrite: true';
  const resume = options.names?.resume ?? 'resume: true';
  const s = await stat(abs).catch(() => undefined);
  if (options.resume && !s?.isDirectory()) throw new Error(`${label} ${abs}: ${resume} needs an existing run directory, and there is none`);
  if (s && !s.isDirectory()) throw new Error(`${label} ${abs}: exists and is not a directory`);
  if (s && !options.resume && !options.overwrite && (await readdir(abs)).length > 0) {
    const hint = options.resumable === false ? '' : ` or ${resume} to continue it`;
    throw new Error(`${label} ${abs}: already exists and is not empty; pass ${overwrite} to replace it${hint}`);
  }
  const probe = await nearestExisting(abs);
  try {
    await access(probe, constants.W_OK);
  } catch (err) {
    throw new Error(permissionMessage(err, probe === abs ? abs : `${abs} (in ${probe})`, label) ?? `${label} ${abs}: ${(err as Error).message}`);
  }
  return abs;
}

/** checkRunDir, then makes the directory (emptied first under `overwrite`). Returns its absolute path. */
export async function prepareRunDir(dir: string, options: RunDirOptions = {}): Promise<string> {
  const abs = await checkRunDir(dir, options);
  const label = options.names?.dir ?? 'runDir';
  try {
    if (options.overwrite && !options.resume) {
      for (const entry of await readdir(abs).catch(() => [])) await rm(resolve(abs, entry), { recursive: true, force: true });
    }
    await mkdir(abs, { recursive: true });
  } catch (err) {
    throw new Error(permissionMessage(err, abs, label) ?? `${label} ${abs}: ${(err as Error).message}`);
  }
  return abs;
}
