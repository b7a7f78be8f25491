import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getTask, type TaskDefinition } from '@smoa/datasets';
import { prepareTaskData, type TaskData } from '@smoa/datasets/node';
import type { CausalLM } from '@smoa/eval';
import { runEvaluation } from '@smoa/eval/node';
import { embeddedModelDir, loadLlama } from '@smoa/llama/node';
import { fineTune } from '@smoa/train/node';
import { matchBudgets, type ResolvedMethod } from '../budget/match';
import { parsePlan, PlanError } from '../plan/parse';
import type { Plan } from '../plan/plan';
import { chartSvg, type Series } from '../plot/svg';
import { runKey, type RunRecord } from '../summary/results';
import { chooseRate, formatSummaryMarkdown, summarise, type ExperimentSummary } from '../summary/summarise';
import { GridProgress } from './progress';
import { appendResult, readResults, writeAtomic } from './results-file';

export interface RunExperimentOptions {
  /** Output directory: plan.json, results.jsonl, summary.json, summary.md, plots/, runs/<task>/<method>/<lr-seed>/. */
  outDir: string;
  /** Progress and information lines (default: stderr). */
  log?: (line: string) => void;
  /** Names the plan in errors (the plan file's path). */
  source?: string;
}

export interface ExperimentResult {
  plan: Plan;
  summary: ExperimentSummary;
  records: RunRecord[];
  methods: ResolvedMethod[];
  files: { results: string; summaryJson: string; summaryMarkdown: string; plots: string[] };
  /** Runs found finished in results.jsonl and not run again. */
  skipped: number;
}

/**
 * The papers' protocol. For each task and method: every learning rate of the grid is trained with the
 * first seed and the rate with the lowest final validation loss (validation is carved from training
 * data, never test) is chosen; every other seed is trained at that rate; each run is scored on test
 * with its final weights. The summary reports mean and sample sd over seeds. Running it again on the
 * same outDir skips finished runs and resumes an unfinished one from its checkpoint.
 */
export async function runExperiment(planInput: unknown, options: RunExperimentOptions): Promise<ExperimentResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const plan = parsePlan(planInput, options.source);
  const outDir = options.outDir;
  await mkdir(outDir, { recursive: true });
  await checkSamePlan(join(outDir, 'plan.json'), plan);
  const resultsPath = join(outDir, 'results.jsonl');
  const records = await readResults(resultsPath);
  const done = new Set(records.map(runKey));

  // Everything that can fail does so before the first run: model, ranks and counts, every task's data.
  const modelDir = plan.model ?? embeddedModelDir();
  const loaded = await loadLlama(modelDir);
  if (!loaded.tokenizer) throw new PlanError('model', `${modelDir} has no tokenizer.json; an experiment needs the tokenizer`, options.source);
  const tokenizer = loaded.tokenizer;
  let methods: ResolvedMethod[];
  try {
    methods = matchBudgets(plan, loaded.model);
  } finally {
    loaded.model.dispose();
  }
  for (const m of methods) log(`${m.spec.name}: ${m.numTrainable.toLocaleString('en-US')} trainable parameters${m.matched ? ` (budget: ${m.matched})` : ''}`);
  const data = new Map<string, TaskData>();
  for (const [i, name] of plan.tasks.entries()) {
    try {
      data.set(name, await prepareTaskData(name, tokenizer, { cutoffLength: plan.cutoffLength, validationSize: plan.validationSize, seed: plan.seeds[0]!, ...(plan.maxTrainExamples ? { maxTrainExamples: plan.maxTrainExamples } : {}), ...(plan.dataDir ? { dataDir: plan.dataDir } : {}) }));
    } catch (err) {
      throw new PlanError(`tasks[${i}]`, (err as Error).message, options.source);
    }
  }
  await writeAtomic(join(outDir, 'plan.json'), JSON.stringify(plan, null, 2) + '\n');

  const trained = methods.filter((m) => m.mode.kind !== 'none');
  const base = methods.filter((m) => m.mode.kind === 'none');
  const total = plan.tasks.length * (base.length + trained.length * (plan.learningRates.length + plan.seeds.length - 1));
  const progress = new GridProgress(total, log);
  const skipped = records.length;
  if (skipped > 0) log(`resuming: ${skipped} of ${total} runs are finished in ${resultsPath} and are skipped`);
  for (let i = 0; i < skipped; i++) progress.skip();

  const record = async (r: RunRecord) => {
    records.push(r);
    done.add(runKey(r));
    await appendResult(resultsPath, r);
  };
  for (const task of plan.tasks) {
    const def = getTask(task);
    const taskData = data.get(task)!;
    for (const m of base) {
      if (done.has(runKey({ task, method: m.spec.name, seed: plan.seeds[0]!, learningRate: null }))) continue;
      progress.start(`${task} · ${m.spec.name} (base model, test only)`);
      const started = Date.now();
      const { model } = await loadLlama(modelDir);
      try {
        const evaluated = await scoreTest(model, tokenizer, def, plan);
        await record({ task, method: m.spec.name, phase: 'base', seed: plan.seeds[0]!, learningRate: null, numTrainable: 0, config: m.mode, validation: null, test: evaluated.metrics, trainSeconds: 0, evalSeconds: evaluated.seconds, reason: 'not trained', runDir: null });
      } finally {
        model.dispose();
      }
      progress.finish(Date.now() - started);
    }
    for (const m of trained) {
      const one = async (phase: 'select' | 'seed', learningRate: number, seed: number) => {
        if (done.has(runKey({ task, method: m.spec.name, seed, learningRate }))) return;
        progress.start(`${task} · ${m.spec.name} · lr ${learningRate} · seed ${seed}${phase === 'select' ? ' (choosing the rate on validation)' : ''}`);
        const started = Date.now();
        await record(await trainAndScore({ plan, task, def, data: taskData, method: m, phase, learningRate, seed, modelDir, tokenizer, outDir, log }));
        progress.finish(Date.now() - started);
      };
      for (const lr of plan.learningRates) await one('select', lr, plan.seeds[0]!);
      const chosen = chooseRate(records, task, m.spec.name, plan.seeds[0]!)!;
      log(`${task} · ${m.spec.name}: lr ${chosen.learningRate} chosen on validation (${chosen.grid.map((g) => `${g.learningRate}: ${g.validationLoss.toFixed(4)}`).join(', ')})`);
      for (const seed of plan.seeds.slice(1)) await one('seed', chosen.learningRate, seed);
    }
  }

  const summary = summarise(plan, records);
  const summaryJson = join(outDir, 'summary.json');
  const summaryMarkdown = join(outDir, 'summary.md');
  await writeAtomic(summaryJson, JSON.stringify({ ...summary, methods: methods.map((m) => ({ name: m.spec.name, numTrainable: m.numTrainable, config: m.mode, matched: m.matched ?? null })) }, null, 2) + '\n');
  await writeAtomic(summaryMarkdown, formatSummaryMarkdown(summary));
  const plots = await writePlots(outDir, summary, records);
  return { plan, summary, records, methods, files: { results: resultsPath, summaryJson, summaryMarkdown, plots }, skipped };
}

interface TrainArgs {
  plan: Plan;
  task: string;
  def: TaskDefinition;
  data: TaskData;
  method: ResolvedMethod;
  phase: 'select' | 'seed';
  learningRate: number;
  seed: number;
  modelDir: string;
  tokenizer: Parameters<typeof runEvaluation>[0]['tokenizer'];
  outDir: string;
  log: (line: string) => void;
}

async function trainAndScore(a: TrainArgs): Promise<RunRecord> {
  const { plan } = a;
  const runDir = join(a.outDir, 'runs', slug(a.task), slug(a.method.spec.name), `lr${a.learningRate}-seed${a.seed}`);
  const resume = existsSync(join(runDir, 'checkpoints', 'last'));
  if (resume) a.log(`  resuming the unfinished run in ${runDir}`);
  const { model } = await loadLlama(a.modelDir, a.method.mode.kind === 'full' ? { fullFineTuning: true } : {});
  const started = Date.now();
  let result: Awaited<ReturnType<typeof fineTune>> | undefined;
  try {
    result = await fineTune({
      model,
      data: { train: a.data.train, validation: a.data.validation },
      mode: a.method.mode.kind === 'adapter' ? { kind: 'adapter', adapter: a.method.mode.adapter, seed: a.seed } : { kind: 'full' },
      config: {
        maxSteps: plan.maxSteps,
        batchSize: plan.batchSize,
        gradientAccumulationSteps: plan.gradientAccumulationSteps,
        warmupSteps: plan.warmupSteps,
        weightDecay: plan.weightDecay,
        decay: plan.decay,
        maxGradNorm: plan.maxGradNorm,
        learningRate: a.learningRate,
        seed: a.seed,
        // Validation only at the end: the rate is chosen on the final weights, which are also the ones scored on test.
        evalEvery: 0,
        checkpointEvery: plan.checkpointEvery,
      },
      runDir,
      ...(resume ? { resume: true } : { overwrite: true }),
      info: { experiment: plan.name, task: a.task, method: a.method.spec.name, phase: a.phase },
    });
    const trainSeconds = (Date.now() - started) / 1000;
    const finite = result.reason === 'completed' || result.reason === 'interrupted';
    const evaluated = finite ? await scoreTest(result.model, a.tokenizer, a.def, plan) : { metrics: {}, seconds: 0 };
    const v = result.lastValidation;
    return {
      task: a.task,
      method: a.method.spec.name,
      phase: a.phase,
      seed: a.seed,
      learningRate: a.learningRate,
      numTrainable: result.numTrainable,
      config: a.method.mode,
      validation: v ? { loss: v.loss, perplexity: v.perplexity } : null,
      test: evaluated.metrics,
      trainSeconds,
      evalSeconds: evaluated.seconds,
      reason: result.reason,
      runDir,
    };
  } finally {
    result?.model.adapters?.dispose();
    model.dispose();
  }
}

/** Test metrics by name: perplexity for corpora; log-likelihood and/or generation for the others. */
async function scoreTest(model: CausalLM, tokenizer: TrainArgs['tokenizer'], def: TaskDefinition, plan: Plan): Promise<{ metrics: Record<string, number>; seconds: number }> {
  const started = Date.now();
  const modes: ('perplexity' | 'loglikelihood' | 'generate')[] = def.kind === 'language-model' ? ['perplexity'] : def.kind === 'multiple-choice' ? plan.choiceModes : ['generate'];
  const metrics: Record<string, number> = {};
  for (const mode of modes) {
    const r = await runEvaluation({
      model,
      tokenizer,
      task: def,
      split: 'test',
      mode,
      progress: false,
      batchSize: plan.evalBatchSize,
      blockSize: plan.cutoffLength,
      ...(plan.evalLimit ? { limit: plan.evalLimit } : {}),
      ...(plan.dataDir ? { dataDir: plan.dataDir } : {}),
    });
    for (const [k, v] of Object.entries(r.summary.metrics)) {
      if (/(^|\/)(correct|tokens)$/.test(k)) continue; // counts, not rates
      if (/(^|\/)accuracy(Raw|PerToken|PerChar)$/.test(k)) continue; // log-likelihood's other normalisations: in each run's eval, not the table
      metrics[mode === 'perplexity' ? k : `${mode}.${k}`] = v;
    }
  }
  if (def.kind === 'language-model') delete metrics.loss;
  return { metrics, seconds: (Date.now() - started) / 1000 };
}

async function checkSamePlan(path: string, plan: Plan): Promise<void> {
  if (!existsSync(path)) return;
  const before = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  // The grid may grow (more seeds, rates, tasks or methods); what a finished run depends on may not change.
  const fixed = ['model', 'targetModules', 'maxSteps', 'batchSize', 'gradientAccumulationSteps', 'warmupSteps', 'weightDecay', 'decay', 'maxGradNorm', 'checkpointEvery', 'cutoffLength', 'validationSize', 'maxTrainExamples', 'dataDir', 'evalLimit', 'evalBatchSize', 'choiceModes'] as const;
  for (const k of fixed) {
    if (JSON.stringify(before[k]) !== JSON.stringify((plan as unknown as Record<string, unknown>)[k])) {
      throw new PlanError(k, `differs from the plan whose results are in ${path} (${JSON.stringify(before[k])} there, ${JSON.stringify((plan as unknown as Record<string, unknown>)[k])} now); use another output directory`);
    }
  }
}

async function writePlots(outDir: string, summary: ExperimentSummary, records: readonly RunRecord[]): Promise<string[]> {
  const dir = join(outDir, 'plots');
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const t of summary.tasks) {
    const curves: Series[] = [];
    for (const row of t.rows) {
      if (row.learningRate === null) continue;
      const run = records.find((r) => r.task === t.task && r.method === row.method && r.learningRate === row.learningRate && r.seed === row.seeds[0] && r.runDir);
      if (!run?.runDir || !existsSync(join(run.runDir, 'metrics.jsonl'))) continue;
      const lines = (await readFile(join(run.runDir, 'metrics.jsonl'), 'utf8')).split('\n').filter(Boolean);
      const points = lines.map((l) => JSON.parse(l) as { type?: string; step?: number; loss?: number }).filter((e) => e.type === 'step').map((e) => [e.step!, e.loss!] as const);
      curves.push({ label: `${row.method} (lr ${row.learningRate})`, points });
    }
    if (curves.length > 0) {
      const file = join(dir, `${slug(t.task)}-loss.svg`);
      await writeAtomic(file, chartSvg(`${t.task}: training loss (seed ${records.find((r) => r.phase !== 'base')?.seed ?? 0}, chosen rate)`, 'step', 'training loss', curves, 'line'));
      written.push(file);
    }
    const main = t.metrics[0];
    if (main) {
      const points: Series[] = t.rows.filter((r) => r.metrics[main]).map((r) => ({ label: r.method, points: [[r.numTrainable, r.metrics[main]!.mean]] }));
      const file = join(dir, `${slug(t.task)}-${slug(main)}-vs-params.svg`);
      await writeAtomic(file, chartSvg(`${t.task}: test ${main} (mean over seeds) against trainable parameters`, 'trainable parameters', main, points, 'points'));
      written.push(file);
    }
  }
  return written;
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}
