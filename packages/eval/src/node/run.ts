import { getTask, tokenBlocks, type Split, type TaskDefinition, type TextTokenizer } from '@smoa/datasets';
import { loadTask, loadTaskMembers, loadTaskTrainValidation, type LoadTaskOptions } from '@smoa/datasets/node';
import { evaluateGeneration, type GenerationEvalOptions } from '../generation';
import type { CausalLM } from '../model';
import { evaluateMultipleChoice, type MultipleChoiceOptions } from '../multiple-choice';
import { evaluatePerplexity } from '../perplexity';
import type { EvaluationMode, EvaluationResult } from '../result';
import { progressBar } from './progress-bar';
import { writeEvaluation, type WrittenEvaluation } from './write';

export interface RunEvaluationOptions extends LoadTaskOptions {
  model: CausalLM;
  tokenizer: TextTokenizer;
  task: string | TaskDefinition;
  split?: Split;
  /**
   * For split 'validation' of a task without a validation file: carve it from the training split
   * exactly as training did (same size and seed give the same examples). Never taken from test.
   */
  validationSplit?: { size: number; seed: number };
  /** Default: 'perplexity' for language-model tasks, else 'generate'. */
  mode?: EvaluationMode;
  /** Evaluate the first `limit` examples only (in file order). */
  limit?: number;
  /** Write predictions and summary here. */
  outDir?: string;
  /** Draw a progress bar on stderr (default true; it draws only on a terminal). */
  progress?: boolean;
  generation?: GenerationEvalOptions;
  multipleChoice?: MultipleChoiceOptions;
  /** Perplexity mode: tokens per block (default 128). */
  blockSize?: number;
  batchSize?: number;
}

/**
 * Loads a task split (the installed @smoa/data by default), evaluates it, and writes its files when
 * outDir is given. A mix task (`commonsense`) is scored on each member that has the split: the summary
 * holds each member's metrics (`<member>/<metric>`, and `members`) and their unweighted average under the
 * plain metric names, as in the papers' tables. `limit` applies per member.
 */
export async function runEvaluation(options: RunEvaluationOptions): Promise<EvaluationResult & { files?: WrittenEvaluation }> {
  const task = typeof options.task === 'string' ? getTask(options.task) : options.task;
  if (task.members !== undefined) return runMixEvaluation(task, options);
  const split = options.split ?? 'test';
  const mode = options.mode ?? (task.kind === 'language-model' ? 'perplexity' : 'generate');
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) {
    throw new RangeError(`limit must be a positive integer, got ${options.limit}`);
  }
  const carve = split === 'validation' && task.files.validation === undefined && options.validationSplit !== undefined;
  const all = carve ? (await loadTaskTrainValidation(task, { ...options, ...options.validationSplit! })).validation : await loadTask(task, split, options);
  const examples = options.limit === undefined ? all : all.slice(0, options.limit);
  const onProgress = options.progress === false ? undefined : progressBar(`${task.name} (${mode})`);
  const { model, tokenizer } = options;
  let result: EvaluationResult;
  if (mode === 'perplexity') {
    const blocks = tokenBlocks(tokenizer, examples.map((e) => e.target), { blockSize: options.blockSize ?? 128 });
    result = await evaluatePerplexity(model, blocks, { batchSize: options.batchSize, padTokenId: tokenizer.padTokenId ?? tokenizer.eosTokenId, onProgress, task: task.name, split });
  } else if (mode === 'loglikelihood') {
    result = await evaluateMultipleChoice(model, tokenizer, task, examples, { batchSize: options.batchSize, ...options.multipleChoice, onProgress, split });
  } else {
    result = await evaluateGeneration(model, tokenizer, task, examples, { batchSize: options.batchSize, ...options.generation, onProgress, split });
  }
  if (options.outDir === undefined) return result;
  return { ...result, files: await writeEvaluation(options.outDir, result) };
}

async function runMixEvaluation(task: TaskDefinition, options: RunEvaluationOptions): Promise<EvaluationResult & { files?: WrittenEvaluation }> {
  const split = options.split ?? 'test';
  const members = await loadTaskMembers(task, split, options);
  if (members.length === 0) throw new Error(`task "${task.name}": none of its members (${task.members!.join(', ')}) has a ${split} file`);
  const started = performance.now();
  const parts: EvaluationResult[] = [];
  for (const m of members) parts.push(await runEvaluation({ ...options, task: m.task, split, outDir: undefined }));
  const names = Object.keys(parts[0]!.summary.metrics);
  const metrics: Record<string, number> = {};
  for (const name of names) metrics[name] = parts.reduce((a, p) => a + (p.summary.metrics[name] ?? 0), 0) / parts.length;
  parts.forEach((p, i) => {
    for (const [k, v] of Object.entries(p.summary.metrics)) metrics[`${members[i]!.task.name}/${k}`] = v;
  });
  const result: EvaluationResult = {
    predictions: parts.flatMap((p, i) => p.predictions.map((r) => ({ ...r, task: members[i]!.task.name }))),
    summary: {
      task: task.name,
      split,
      mode: parts[0]!.summary.mode,
      numExamples: parts.reduce((a, p) => a + p.summary.numExamples, 0),
      metrics,
      settings: { ...parts[0]!.summary.settings, average: 'unweighted mean over members', members: members.map((m) => m.task.name) },
      elapsedSeconds: (performance.now() - started) / 1000,
      members: parts.map((p) => p.summary),
    },
  };
  if (options.outDir === undefined) return result;
  return { ...result, files: await writeEvaluation(options.outDir, result) };
}
