import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { TinyLM, shakespeareExamples } from '../../test-fixtures/tiny-lm.mjs';
import { train } from '../trainer/train';
import { DirectoryCheckpointStore, readCheckpointDir, STATE_FILE } from './directory-store';

const scratch = mkdtempSync(join(tmpdir(), 'smoa-train-store-'));
beforeAll(async () => {
  await initBackend();
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const trainSet = shakespeareExamples({ count: 16 });
const validSet = shakespeareExamples({ count: 4, start: 16 * 24 });

describe('DirectoryCheckpointStore', () => {
  it('writes step folders with pointers, calls exportModel inside them, and prunes unreferenced ones', async () => {
    const root = join(scratch, 'run1');
    const exported: number[] = [];
    const store = new DirectoryCheckpointStore(root, {
      exportModel: async (dir, step) => {
        exported.push(step);
        writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ step }));
      },
    });
    const model = new TinyLM();
    await train({ model, train: trainSet, validation: validSet, store, config: { maxSteps: 6, batchSize: 4, evalEvery: 2, checkpointEvery: 2 } });
    const last = readFileSync(join(root, 'last'), 'utf8').trim();
    const best = readFileSync(join(root, 'best'), 'utf8').trim();
    expect(last).toBe('step-000006');
    const folders = readdirSync(root).filter((f) => f.startsWith('step-'));
    expect(new Set(folders)).toEqual(new Set([last, best]));
    expect(readdirSync(root).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(JSON.parse(readFileSync(join(root, last, 'adapter_config.json'), 'utf8'))).toEqual({ step: 6 });
    expect(exported).toContain(6);
    const loaded = await store.load('last');
    expect(loaded?.state.step).toBe(6);
    expect(loaded?.state.variableNames).toHaveLength(4);
    model.dispose();
  });

  it('leaves the previous checkpoint in place when a save fails half way', async () => {
    const root = join(scratch, 'run2');
    let fail = false;
    const store = new DirectoryCheckpointStore(root, {
      exportModel: async () => {
        if (fail) throw new Error('disk full (simulated by the test)');
      },
    });
    const model = new TinyLM();
    await train({ model, train: trainSet, store, config: { maxSteps: 2, batchSize: 4 } });
    fail = true;
    await expect(train({ model, train: trainSet, store, resume: true, config: { maxSteps: 4, batchSize: 4 } })).rejects.toThrow(/disk full/);
    expect(readFileSync(join(root, 'last'), 'utf8').trim()).toBe('step-000002');
    expect(readdirSync(root).sort()).toEqual(['last', 'step-000002']);
    expect((await readCheckpointDir(join(root, 'step-000002'))).state.step).toBe(2);
    model.dispose();
  });

  it('names the file when a checkpoint is missing or corrupt', async () => {
    const root = join(scratch, 'run3');
    const store = new DirectoryCheckpointStore(root);
    expect(await store.load('last')).toBeUndefined();
    const model = new TinyLM();
    await train({ model, train: trainSet, store, config: { maxSteps: 1, batchSize: 4 } });
    const dir = join(root, 'step-000001');
    writeFileSync(join(dir, STATE_FILE), '{ not json');
    await expect(store.load('last')).rejects.toThrow(new RegExp(`${STATE_FILE.replace('.', '\\.')}: not valid JSON`));
    writeFileSync(join(dir, STATE_FILE), '['.repeat(5000) + ']'.repeat(5000));
    await expect(store.load('last')).rejects.toThrow(new RegExp(`${STATE_FILE.replace('.', '\\.')}: .*(deep|depth|nest)`, 'i'));
    rmSync(join(dir, 'optimizer.safetensors'));
    writeFileSync(join(dir, STATE_FILE), '{}');
    await expect(store.load('last')).rejects.toThrow(/optimizer\.safetensors: cannot read checkpoint file \(missing\)/);
    writeFileSync(join(root, 'last'), '../../etc');
    await expect(store.load('last')).rejects.toThrow(/expected a checkpoint folder name like "step-000100", got "\.\.\/\.\.\/etc"/);
    model.dispose();
  });
});

describe('Ctrl-C and SIGTERM', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('saves a checkpoint and exits cleanly on %s (exit code %i)', async (signal, expected) => {
    const root = join(scratch, signal);
    const child = spawn(process.execPath, [fileURLToPath(new URL('../../test-fixtures/train-child.mjs', import.meta.url)), root], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (/step 5\n/.test(out) && !child.killed) child.kill(signal);
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(err.replace(/.*already registered.*\n/g, '')).not.toMatch(/Error/);
    expect(code).toBe(expected);
    expect(out).toContain(`${signal} received`);
    const stopped = /stopped: interrupted: interrupted at step (\d+); checkpoint saved at step (\d+)/.exec(out);
    expect(stopped).not.toBeNull();
    const step = Number(stopped![1]);
    expect(step).toBeGreaterThanOrEqual(5);
    expect(existsSync(join(root, 'last'))).toBe(true);
    const saved = await new DirectoryCheckpointStore(root).load('last');
    expect(saved?.state.step).toBe(step);
  });
});
