import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Copies the working tree's files (tracked and untracked-but-not-ignored, as git lists them) into dest,
 * so release tooling can run on a throw-away copy; the real tree is only read. The root node_modules is
 * linked, not copied, so tools installed there (changesets and its changelog generator) resolve.
 */
export function copyRepo(root: string, dest: string): void {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const rel of new Set(listed.split('\0').filter((f) => f !== ''))) {
    const from = join(root, rel);
    // A tracked file deleted in the working tree is still listed; a submodule or link is not a plain file.
    if (!existsSync(from) || !lstatSync(from).isFile()) continue;
    mkdirSync(dirname(join(dest, rel)), { recursive: true });
    copyFileSync(from, join(dest, rel));
  }
  symlinkSync(join(root, 'node_modules'), join(dest, 'node_modules'), 'dir');
}
