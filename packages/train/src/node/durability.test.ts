import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// strace shows the real system calls of a real save; without it (macOS, Windows) there is nothing to observe.
const hasStrace = spawnSync('strace', ['-V']).status === 0;
const scratch = mkdtempSync(join(tmpdir(), 'smoa-durable-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!hasStrace)('checkpoint durability (strace)', () => {
  it('fsyncs every checkpoint file and the folder before the rename, and the parent after it, before the pointer moves', async () => {
    const root = join(scratch, 'ckpt');
    const log = join(scratch, 'strace.log');
    const child = fileURLToPath(new URL('../../test-fixtures/save-child.mjs', import.meta.url));
    const code = await new Promise<number | null>((resolve, reject) => {
      const p = spawn('strace', ['-f', '-y', '-e', 'trace=fsync,fdatasync,rename,renameat,renameat2', '-o', log, process.execPath, child, root], { stdio: 'ignore' });
      p.on('error', reject);
      p.on('exit', resolve);
    });
    expect(code).toBe(0);
    type Call = { kind: 'sync' | 'rename'; path: string; to?: string };
    const calls = readFileSync(log, 'utf8')
      .split('\n')
      .flatMap((line): Call[] => {
        const sync = /f(?:data)?sync\(\d+<([^>]+)>/.exec(line);
        if (sync) return [{ kind: 'sync', path: sync[1] }];
        const ren = /rename(?:at2?)?\((?:[^,]*, )?"([^"]+)", (?:[^,]*, )?"([^"]+)"/.exec(line);
        return ren ? [{ kind: 'rename', path: ren[1], to: ren[2] }] : [];
      });
    const folderRename = calls.findIndex((c) => c.kind === 'rename' && c.to === join(root, 'step-000001'));
    const pointerRename = calls.findIndex((c) => c.kind === 'rename' && c.to === join(root, 'last'));
    expect(folderRename).toBeGreaterThan(0);
    expect(pointerRename).toBeGreaterThan(folderRename);
    const tmp = calls[folderRename].path;
    const syncedBefore = new Set(calls.slice(0, folderRename).filter((c) => c.kind === 'sync').map((c) => c.path));
    for (const f of ['trainable.safetensors', 'optimizer.safetensors', 'trainer_state.json']) expect(syncedBefore).toContain(join(tmp, f));
    expect(syncedBefore).toContain(tmp);
    const between = calls.slice(folderRename + 1, pointerRename).filter((c) => c.kind === 'sync').map((c) => c.path);
    expect(between).toContain(root);
    expect(between).toContain(calls[pointerRename].path);
    expect(calls.slice(pointerRename + 1).some((c) => c.kind === 'sync' && c.path === root)).toBe(true);
  });
});
