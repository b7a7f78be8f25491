import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { PlanError } from '../plan/parse';
import { meanSd } from '../summary/stats';
import { runExperiment } from './run-experiment';
import { readResults } from './results-file';

const scratch = mkdtempSync(join(tmpdir(), 'smoa-experiment-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
beforeAll(async () => {
  await initBackend();
});

const PLAN = {
  name: 'tiny',
  tasks: ['tinyshakespeare'],
  methods: [
    { name: 'base', method: 'none' },
    { name: 'LoRA r2', method: 'lora', r: 2, targetModules: ['q_proj', 'v_proj'] },
    { name: 'SMoA equal', method: 'smoa', numBlocks: 2, targetModules: ['q_proj', 'v_proj'] },
  ],
  budget: { reference: 'LoRA r2' },
  learningRates: [0.02, 0.002],
  seeds: [0, 1],
  maxSteps: 3,
  batchSize: 2,
  cutoffLength: 32,
  validationSize: 4,
  maxTrainExamples: 12,
  evalLimit: 6,
};

describe('runExperiment on the embedded model and real data', () => {
  it('chooses each rate on validation with the first seed, runs every seed at it, summarises mean ± sd, plots, and resumes', async () => {
    const outDir = join(scratch, 'tiny');
    const lines: string[] = [];
    const before = tf.memory().numTensors;
    const r = await runExperiment(PLAN, { outDir, log: (l) => lines.push(l) });
    expect(tf.memory().numTensors).toBe(before);
    // base once + per trained method: 2 grid rates with seed 0, then seed 1 at the chosen rate
    expect(r.records).toHaveLength(1 + 2 * 3);
    expect(r.methods.map((m) => m.numTrainable)).toEqual([0, r.methods[1]!.numTrainable, r.methods[1]!.numTrainable]);
    for (const method of ['LoRA r2', 'SMoA equal']) {
      const grid = r.records.filter((x) => x.method === method && x.phase === 'select');
      const best = grid.reduce((a, b) => (b.validation!.loss < a.validation!.loss ? b : a));
      const row = r.summary.tasks[0]!.rows.find((x) => x.method === method)!;
      expect(row.learningRate).toBe(best.learningRate);
      const atRate = r.records.filter((x) => x.method === method && x.learningRate === best.learningRate);
      expect(atRate.map((x) => x.seed).sort()).toEqual([0, 1]);
      expect(row.metrics.perplexity).toEqual(meanSd(atRate.map((x) => x.test.perplexity!)));
      expect(lines.some((l) => l.startsWith(`tinyshakespeare · ${method}: lr ${best.learningRate} chosen on validation`))).toBe(true);
    }
    expect(lines.some((l) => /^\[7\/7\] .*ETA/.test(l))).toBe(true);
    expect(lines.some((l) => /^SMoA equal: [\d,]+ trainable parameters \(budget: 1 x LoRA r2/.test(l))).toBe(true);
    const md = readFileSync(r.files.summaryMarkdown, 'utf8');
    expect(md).toMatch(/\| method \| trainable \| lr \| perplexity \| n \|/);
    expect(md).toMatch(/\| LoRA r2 \| [\d,]+ \| 0\.0+2 \| [\d.]+ ± [\d.]+ \| 2 \|/);
    expect(md).toMatch(/\| base \| 0 \| - \| [\d.]+ \| 1 \|/);
    expect(JSON.parse(readFileSync(r.files.summaryJson, 'utf8')).tasks[0].task).toBe('tinyshakespeare');
    expect(r.files.plots.map((p) => p.split('/').pop())).toEqual(['tinyshakespeare-loss.svg', 'tinyshakespeare-perplexity-vs-params.svg']);
    for (const p of r.files.plots) expect(readFileSync(p, 'utf8')).toMatch(/^<svg [^]*<polyline|<circle/);
    expect((await readResults(r.files.results)).length).toBe(7);
    expect(readdirSync(outDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // Again: nothing to do. With a third seed: only the two new runs.
    const again: string[] = [];
    const r2 = await runExperiment(PLAN, { outDir, log: (l) => again.push(l) });
    expect(r2.skipped).toBe(7);
    expect(again.some((l) => /resuming: 7 of 7 runs are finished/.test(l))).toBe(true);
    expect(again.some((l) => /^\[\d+\/7\]/.test(l))).toBe(false);
    const r3 = await runExperiment({ ...PLAN, seeds: [0, 1, 2] }, { outDir, log: () => undefined });
    expect(r3.records).toHaveLength(9);
    expect(r3.summary.tasks[0]!.rows.find((x) => x.method === 'LoRA r2')!.metrics.perplexity!.n).toBe(3);
    await expect(runExperiment({ ...PLAN, maxSteps: 4 }, { outDir })).rejects.toThrow(/plan field "maxSteps": differs from the plan whose results are in/);
  });

  it('fails before any training on a task without training data or a budget it cannot match', async () => {
    const noData = join(scratch, 'nodata');
    const err = await runExperiment({ ...PLAN, tasks: ['tinyshakespeare', 'piqa'] }, { outDir: noData, log: () => undefined }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(PlanError);
    expect((err as PlanError).field).toBe('tasks[1]');
    expect(String(err)).toMatch(/task "piqa": the train split is not shipped with @smoa\/data; put the file at llm-adapters\/piqa\/train\.json/);
    expect(existsSync(join(noData, 'runs'))).toBe(false);
    const unmatched = join(scratch, 'unmatched');
    const plan = { ...PLAN, budget: { reference: 'LoRA r2', tolerance: 0 }, methods: [...PLAN.methods, { name: 'odd', method: 'smoa', numBlocks: 2, budget: 0.3, targetModules: ['q_proj', 'v_proj'] }] };
    await expect(runExperiment(plan, { outDir: unmatched, log: () => undefined })).rejects.toThrow(/plan field "methods\[3\]\.budget": cannot match 0\.3 x LoRA r2/);
    expect(existsSync(join(unmatched, 'runs'))).toBe(false);
  });
});
