import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStagingDir, recoverDirectory, replaceDirectory } from './swap';

const scratch = mkdtempSync(join(tmpdir(), 'smoa-swap-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function folder(path: string, content: string): void {
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'model.safetensors'), content);
}
const content = (dir: string) => readFileSync(join(dir, 'model.safetensors'), 'utf8');
const leftovers = (parent: string) => readdirSync(parent).filter((e) => e.startsWith('.'));

describe('replaceDirectory and recoverDirectory', () => {
  it('replaces a folder as a whole and leaves nothing beside it', async () => {
    const parent = join(scratch, 'plain');
    const out = join(parent, 'out');
    folder(out, 'old');
    const staging = await createStagingDir(out);
    writeFileSync(join(staging, 'model.safetensors'), 'new');
    await replaceDirectory(staging, out);
    expect(content(out)).toBe('new');
    expect(leftovers(parent)).toEqual([]);
    await expect(replaceDirectory(join(parent, 'elsewhere'), out)).rejects.toThrow(/is not a staging folder for .*out \(make it with createStagingDir\)/);
  });

  // Each case is what a kill between two steps of replaceDirectory leaves on disk.
  it('killed after the old folder moved aside and before the new one moved in: finishes the swap', async () => {
    const parent = join(scratch, 'between');
    folder(join(parent, '.out.aaaaaaaaaaaa.old'), 'old');
    folder(join(parent, '.out.aaaaaaaaaaaa.new'), 'new');
    const r = await recoverDirectory(join(parent, 'out'));
    expect(r.action).toBe('finished');
    expect(content(join(parent, 'out'))).toBe('new');
    expect(leftovers(parent)).toEqual([]);
  });

  it('killed before the old folder moved aside: finishes the swap', async () => {
    const parent = join(scratch, 'before');
    folder(join(parent, 'out'), 'old');
    folder(join(parent, '.out.bbbbbbbbbbbb.new'), 'new');
    expect((await recoverDirectory(join(parent, 'out'))).action).toBe('finished');
    expect(content(join(parent, 'out'))).toBe('new');
    expect(leftovers(parent)).toEqual([]);
  });

  it('only the previous folder is left (no complete new one): restores it and drops the partial build', async () => {
    const parent = join(scratch, 'restore');
    folder(join(parent, '.out.cccccccccccc.old'), 'old');
    folder(join(parent, '.out.cccccccccccc.tmp'), 'half');
    const r = await recoverDirectory(join(parent, 'out'));
    expect(r.action).toBe('restored');
    expect(content(join(parent, 'out'))).toBe('old');
    expect(r.removed).toEqual([join(parent, '.out.cccccccccccc.tmp')]);
    expect(leftovers(parent)).toEqual([]);
  });

  it('killed after the swap, before the cleanup: removes stale .old folders, keeps other names alone', async () => {
    const parent = join(scratch, 'stale');
    folder(join(parent, 'out'), 'new');
    folder(join(parent, '.out.dddddddddddd.old'), 'old');
    folder(join(parent, '.out.eeeeeeeeeeee.old'), 'older');
    folder(join(parent, '.other.ffffffffffff.old'), 'someone else');
    const r = await recoverDirectory(join(parent, 'out'));
    expect(r.action).toBe('none');
    expect(r.removed).toHaveLength(2);
    expect(content(join(parent, 'out'))).toBe('new');
    expect(leftovers(parent)).toEqual(['.other.ffffffffffff.old']);
    expect((await recoverDirectory(join(scratch, 'no-such-parent', 'out'))).action).toBe('none');
    expect(existsSync(join(scratch, 'no-such-parent'))).toBe(false);
  });
});
