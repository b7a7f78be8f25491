import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { embeddedModelDir, loadLlama } from '@smoa/llama/node';
import type { TrainEvent } from '../../trainer/events';
import type { TrainExample } from '../../data/example';
import { fineTune, type FineTuneOptions } from './fine-tune';
import { readMetrics } from './metrics-file';
import { readRunRecord } from './run-record';

const scratch = mkdtempSync(join(tmpdir(), 'smoa-finetune-'));
let data: { train: TrainExample[]; validation: TrainExample[] };
beforeAll(async () => {
  await initBackend();
  const { tokenizer } = await loadLlama(embeddedModelDir());
  // Real text through the real tokenizer: 64-token blocks of the tinyshakespeare excerpt.
  const text = readFileSync(new URL('../../../test-fixtures/tinyshakespeare-excerpt.txt', import.meta.url), 'utf8');
  const ids = tokenizer!.encode(text);
  const blocks: TrainExample[] = [];
  for (let i = 0; i + 32 <= ids.length && blocks.length < 20; i += 32) blocks.push({ inputIds: ids.slice(i, i + 32), lossMask: Array(32).fill(1) });
  data = { train: blocks.slice(0, 16), validation: blocks.slice(16) };
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const LORA = { kind: 'adapter' as const, adapter: { method: 'lora' as const, r: 2, targetModules: ['q_proj', 'v_proj'] } };
const CONFIG = { maxSteps: 4, batchSize: 4, learningRate: 0.01, evalEvery: 2, checkpointEvery: 2, seed: 3 };

async function run(runDir: string, extra: Partial<FineTuneOptions> = {}) {
  const { model } = await loadLlama(embeddedModelDir());
  const events: TrainEvent[] = [];
  try {
    const result = await fineTune({ model, data, mode: LORA, config: CONFIG, runDir, ...extra, onEvent: async (e) => {
      events.push(e);
      await extra.onEvent?.(e);
    } });
    result.model.adapters?.dispose();
    return { result, events };
  } finally {
    model.dispose();
  }
}

const steps = (dir: string) => readMetrics(join(dir, 'metrics.jsonl')).then((r) => r.filter((x) => x.type === 'step').map((x) => x.step));

describe('fineTune', () => {
  it('owns the run directory: run.json, metrics.jsonl, checkpoints and the best adapter', async () => {
    const dir = join(scratch, 'fresh');
    const before = tf.memory().numTensors;
    const { result } = await run(dir, { info: { task: 'excerpt' } });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.reason).toBe('completed');
    expect(result.adapterDir).toBe(join(dir, 'adapter'));
    expect(JSON.parse(readFileSync(join(dir, 'adapter', 'adapter_config.json'), 'utf8')).peft_type).toBe('LORA');
    const record = await readRunRecord(dir);
    expect(record).toMatchObject({ format: 'smoa-run', numTrainable: result.numTrainable, trainExamples: 16, validationExamples: 4, info: { task: 'excerpt' }, resumes: [] });
    expect(record!.config.learningRate).toBe(0.01);
    expect(await steps(dir)).toEqual([1, 2, 3, 4]);
    expect(readdirSync(join(dir, 'checkpoints')).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(readdirSync(scratch).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('refuses a non-empty directory unless overwrite or resume, naming it and the switch', async () => {
    const dir = join(scratch, 'taken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await expect(run(dir)).rejects.toThrow(/runDir .*taken: already exists and is not empty; pass overwrite: true to replace it or resume: true/);
    await expect(run(join(scratch, 'none'), { resume: true })).rejects.toThrow(/resume: true needs an existing run directory/);
    await expect(run(dir, { resume: true })).rejects.toThrow(/taken: has no checkpoint to resume from/);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('after a crash, resumes without repeating steps in metrics.jsonl, records a changed lr, and cleans leftovers', async () => {
    const dir = join(scratch, 'crash');
    // The process "dies" during step 3, after the checkpoint of step 2: metrics.jsonl has step 3.
    await expect(
      run(dir, { config: { ...CONFIG, maxSteps: 6 }, onEvent: (e) => {
        if (e.type === 'step' && e.step === 3) throw new Error('crash during step 3');
      } }),
    ).rejects.toThrow(/crash during step 3/);
    expect(await steps(dir)).toEqual([1, 2, 3]);
    // What a kill -9 in the middle of a checkpoint save and of the adapter swap leaves behind:
    mkdirSync(join(dir, 'checkpoints', '.step-000004.0123456789ab.tmp'));
    writeFileSync(join(dir, 'checkpoints', '.step-000004.0123456789ab.tmp', 'trainable.safetensors'), 'partial');
    mkdirSync(join(dir, '.adapter.0123456789ab.tmp'));

    // A changed seed would change the data order: refused, and nothing in the directory changes.
    await expect(run(dir, { resume: true, config: { ...CONFIG, maxSteps: 6, seed: 4 } })).rejects.toThrow(/seed = 3, this run has 4/);
    expect(await steps(dir)).toEqual([1, 2, 3]);

    const { result, events } = await run(dir, { resume: true, config: { ...CONFIG, maxSteps: 6, learningRate: 0.02 } });
    expect(result.reason).toBe('completed');
    expect(await steps(dir)).toEqual([1, 2, 3, 4, 5, 6]);
    const resume = events.find((e) => e.type === 'resume');
    expect(resume).toMatchObject({ step: 2, changed: [{ field: 'learningRate', from: 0.01, to: 0.02 }] });
    const record = await readRunRecord(dir);
    expect(record!.resumes).toHaveLength(1);
    expect(record!.resumes[0]).toMatchObject({ step: 2, changed: [{ field: 'learningRate', from: 0.01, to: 0.02 }] });
    expect(readdirSync(join(dir, 'checkpoints')).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(existsSync(join(dir, 'adapter', 'adapter_model.safetensors'))).toBe(true);
  });

  it('repeats with adapter dropout on: the run seed reaches the adapter init and every dropout mask', async () => {
    const mode = { kind: 'adapter' as const, adapter: { ...LORA.adapter, dropout: 0.3 } };
    const losses = async (name: string, seed: number) => {
      const { events } = await run(join(scratch, name), { mode, config: { ...CONFIG, evalEvery: 0, checkpointEvery: 0, seed } });
      return events.flatMap((e) => (e.type === 'step' ? [e.loss] : []));
    };
    const a = await losses('dropout-a', 5);
    expect(await losses('dropout-b', 5)).toEqual(a);
    expect(await losses('dropout-c', 6)).not.toEqual(a);
  });

  it('stops a diverging run (lr 1e9) with reason "diverged" before the weights are saved', async () => {
    const dir = join(scratch, 'diverge');
    const { result } = await run(dir, { config: { ...CONFIG, learningRate: 1e9, checkpointEvery: 1, evalEvery: 0 } });
    expect(result.reason).toMatch(/diverged|non-finite/);
    expect(result.message).toMatch(/step \d+: .*(diverged|NaN|Infinity|no longer finite)/);
    expect(result.step).toBeLessThan(4);
  });
});
