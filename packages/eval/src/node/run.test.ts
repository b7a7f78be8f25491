import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { getTask, tokenBlocks, type TextTokenizer } from '@smoa/datasets';
import { loadTask } from '@smoa/datasets/node';
import type { CausalLM } from '../model';
import { evaluatePerplexity } from '../perplexity';
import { formatResultsTable } from '../report';
import { loadEmbedded } from '../testing/embedded';
import { runEvaluation } from './run';
import { writeEvaluation, writeResultsTable } from './write';

let model: CausalLM;
let tokenizer: TextTokenizer;
beforeAll(async () => {
  ({ model, tokenizer } = await loadEmbedded());
});

describe('end to end on the embedded model', () => {
  it('evaluates a real task and writes its predictions and summary', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'smoa-eval-'));
    const result = await runEvaluation({ model, tokenizer, task: 'ARC-Easy', limit: 6, batchSize: 3, outDir, generation: { maxNewTokens: 10 }, progress: false });
    expect(result.files).toEqual({ predictionsPath: join(outDir, 'ARC-Easy.predictions.jsonl'), summaryPath: join(outDir, 'ARC-Easy.summary.json') });
    const lines = (await readFile(result.files!.predictionsPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(6);
    expect(lines.map((l) => l.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(lines.every((l) => typeof l.generated === 'string' && typeof l.gold === 'string' && typeof l.correct === 'boolean')).toBe(true);
    const summary = JSON.parse(await readFile(result.files!.summaryPath, 'utf8'));
    expect(summary).toMatchObject({ task: 'ARC-Easy', split: 'test', mode: 'generate', numExamples: 6 });
    expect(summary.metrics.accuracy).toBe(lines.filter((l) => l.correct).length / 6);
    // Nothing half-written is left beside the results.
    expect((await readdir(outDir)).sort()).toEqual(['ARC-Easy.predictions.jsonl', 'ARC-Easy.summary.json']);
  });

  it('scores the commonsense mix on each member that has test data, with the unweighted average', async () => {
    const r = await runEvaluation({ model, tokenizer, task: 'commonsense', mode: 'loglikelihood', limit: 3, batchSize: 3, progress: false });
    const members = ['boolq', 'piqa', 'social_i_qa', 'winogrande', 'ARC-Easy', 'ARC-Challenge', 'openbookqa'];
    expect(r.summary.members!.map((m) => m.task)).toEqual(members);
    expect(r.summary.numExamples).toBe(3 * members.length);
    const mean = members.reduce((a, m) => a + r.summary.metrics[`${m}/accuracy`]!, 0) / members.length;
    expect(r.summary.metrics.accuracy).toBeCloseTo(mean, 12);
    const alone = await runEvaluation({ model, tokenizer, task: 'piqa', mode: 'loglikelihood', limit: 3, batchSize: 3, progress: false });
    expect(r.summary.metrics['piqa/accuracy']).toBe(alone.summary.metrics.accuracy);
  });

  it('runs log-likelihood scoring and writes a results table', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'smoa-eval-'));
    const mc = await runEvaluation({ model, tokenizer, task: 'winogrande', mode: 'loglikelihood', limit: 4, outDir, progress: false });
    expect(mc.summary.metrics.accuracy).toBeGreaterThanOrEqual(0);
    await writeResultsTable(join(outDir, 'results.md'), [mc]);
    expect(await readFile(join(outDir, 'results.md'), 'utf8')).toBe(`${formatResultsTable([mc.summary])}\n`);
  });

  it('measures perplexity on held-out Tiny Shakespeare, better than uniform over the vocabulary', async () => {
    const result = await runEvaluation({ model, tokenizer, task: 'tinyshakespeare', limit: 40, blockSize: 64, batchSize: 4, progress: false });
    const { perplexity, tokens, loss } = result.summary.metrics;
    expect(result.summary.mode).toBe('perplexity');
    expect(perplexity).toBeCloseTo(Math.exp(loss!), 6);
    expect(tokens).toBeGreaterThan(100);
    expect(perplexity).toBeLessThan(tokenizer.vocabSize);
  });

  it('keeps tf.memory().numTensors flat in perplexity evaluation', async () => {
    const texts = (await loadTask('tinyshakespeare', 'test')).slice(0, 10).map((e) => e.target);
    const blocks = tokenBlocks(tokenizer, texts, { blockSize: 32 });
    await evaluatePerplexity(model, blocks, { batchSize: 4 });
    const before = tf.memory().numTensors;
    await evaluatePerplexity(model, blocks, { batchSize: 4 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('evaluates the validation split carved from training data as training carves it', async () => {
    const result = await runEvaluation({ model, tokenizer, task: 'ARC-Challenge', split: 'validation', validationSplit: { size: 3, seed: 5 }, mode: 'loglikelihood', progress: false });
    const { loadTaskTrainValidation } = await import('@smoa/datasets/node');
    const carved = (await loadTaskTrainValidation('ARC-Challenge', { size: 3, seed: 5 })).validation;
    expect(result.predictions.map((p) => p.index)).toEqual(carved.map((e) => e.index));
    await expect(runEvaluation({ model, tokenizer, task: 'ARC-Challenge', split: 'validation', progress: false })).rejects.toThrow(/has no validation file/);
  });

  it('rejects bad options with clear errors', async () => {
    await expect(runEvaluation({ model, tokenizer, task: 'nope', progress: false })).rejects.toThrow(/^unknown task "nope"; known tasks: boolq, /);
    await expect(runEvaluation({ model, tokenizer, task: 'boolq', limit: 0, progress: false })).rejects.toThrow('limit must be a positive integer, got 0');
    await expect(runEvaluation({ model, tokenizer, task: 'piqa', split: 'train', progress: false })).rejects.toThrow(/task "piqa": the train split is not shipped with @smoa\/data; put the file at llm-adapters\/piqa\/train.json .*--data-dir/);
    await expect(evaluatePerplexity(model, [])).rejects.toThrow('evaluatePerplexity: no blocks');
    await expect(evaluatePerplexity(model, [{ inputIds: [1, 2, 3], labels: [1, 2, 3] }])).rejects.toThrow(/block 0: expected labels equal to the ids from position 1 on/);
    const outDir = await mkdtemp(join(tmpdir(), 'smoa-eval-'));
    const summary = { task: 'boolq', mode: 'generate' as const, numExamples: 0, metrics: {}, settings: {}, elapsedSeconds: 0 };
    await expect(writeEvaluation(outDir, { summary, predictions: [] }, '../escape')).rejects.toThrow('evaluation name "../escape" must not contain a path separator or ".."');
    expect(getTask('boolq').name).toBe('boolq');
  });
});
