import type { Plan } from '../plan/plan';
import type { RunRecord } from './results';
import { meanSd } from './stats';

export interface MetricStat {
  mean: number;
  sd: number;
  n: number;
}

export interface MethodRow {
  method: string;
  numTrainable: number;
  /** The rate chosen on validation with the first seed (null for the base model). */
  learningRate: number | null;
  /** Validation loss of each grid rate with the first seed, as chosen from. */
  grid: { learningRate: number; validationLoss: number }[];
  metrics: Record<string, MetricStat>;
  seeds: number[];
}

export interface ExperimentSummary {
  name: string;
  tasks: { task: string; metrics: string[]; rows: MethodRow[] }[];
}

/** The learning rate chosen for a task and method: lowest final validation loss among the first seed's grid runs. */
export function chooseRate(records: readonly RunRecord[], task: string, method: string, firstSeed: number): { learningRate: number; grid: MethodRow['grid'] } | undefined {
  const grid = records
    .filter((r) => r.task === task && r.method === method && r.phase === 'select' && r.seed === firstSeed && r.learningRate !== null)
    .map((r) => ({ learningRate: r.learningRate!, validationLoss: r.validation && Number.isFinite(r.validation.loss) ? r.validation.loss : Infinity }));
  if (grid.length === 0) return undefined;
  // ties go to the earlier rate of the plan's grid
  const best = grid.reduce((a, b) => (b.validationLoss < a.validationLoss ? b : a));
  return { learningRate: best.learningRate, grid };
}

/** Mean and sample sd over seeds at each method's chosen rate, per task; methods in plan order. */
export function summarise(plan: Pick<Plan, 'name' | 'tasks' | 'methods' | 'seeds'>, records: readonly RunRecord[]): ExperimentSummary {
  return {
    name: plan.name,
    tasks: plan.tasks.map((task) => {
      const rows: MethodRow[] = [];
      for (const m of plan.methods) {
        const mine = records.filter((r) => r.task === task && r.method === m.name);
        if (mine.length === 0) continue;
        const chosen = m.method === 'none' ? undefined : chooseRate(records, task, m.name, plan.seeds[0]!);
        const used = m.method === 'none' ? mine.filter((r) => r.phase === 'base') : mine.filter((r) => chosen !== undefined && r.learningRate === chosen.learningRate);
        const names = [...new Set(used.flatMap((r) => Object.keys(r.test)))];
        const metrics: Record<string, MetricStat> = {};
        for (const name of names) metrics[name] = meanSd(used.map((r) => r.test[name]).filter((v): v is number => typeof v === 'number'));
        rows.push({ method: m.name, numTrainable: mine[0]!.numTrainable, learningRate: chosen?.learningRate ?? null, grid: chosen?.grid ?? [], metrics, seeds: used.map((r) => r.seed) });
      }
      return { task, metrics: [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))], rows };
    }),
  };
}

/** Whether a larger value of a metric is better (perplexity and loss are lower-is-better). */
export function higherIsBetter(metric: string): boolean {
  return !/perplexity|loss/i.test(metric);
}

const fmt = (x: number, metric: string): string => {
  if (!Number.isFinite(x)) return String(x);
  if (/accuracy|answerRate|f1|bleu|rouge|distinct/i.test(metric)) return `${(100 * x).toFixed(1)}`;
  return Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(3);
};

const label = (metric: string): string =>
  metric.replace('loglikelihood.accuracy', 'LL acc %').replace('generate.accuracy', 'gen acc %').replace('generate.answerRate', 'answer format %').replace(/^generate\./, 'gen ');

/** summary.md: a table per task (method, trainable parameters, chosen rate, each metric as mean ± sd, n). */
export function formatSummaryMarkdown(summary: ExperimentSummary): string {
  const out: string[] = [`# ${summary.name}`, ''];
  for (const t of summary.tasks) {
    out.push(`## ${t.task}`, '');
    out.push(`| method | trainable | lr | ${t.metrics.map(label).join(' | ')} | n |`);
    out.push(`|---|---:|---:|${t.metrics.map(() => '---:').join('|')}|---:|`);
    for (const r of t.rows) {
      const cells = t.metrics.map((m) => {
        const s = r.metrics[m];
        if (!s || s.n === 0) return '-';
        return s.n > 1 ? `${fmt(s.mean, m)} ± ${fmt(s.sd, m)}` : fmt(s.mean, m);
      });
      const n = Math.max(0, ...Object.values(r.metrics).map((s) => s.n));
      out.push(`| ${r.method} | ${r.numTrainable.toLocaleString('en-US')} | ${r.learningRate ?? '-'} | ${cells.join(' | ')} | ${n} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

/**
 * One sentence per task comparing two methods on every metric: who is ahead, by how much, and whether
 * the gap exceeds the seed spread (the larger of the two sample sds). Computed, never fixed.
 */
export function verdict(summary: ExperimentSummary, a: string, b: string): string[] {
  const lines: string[] = [];
  for (const t of summary.tasks) {
    const ra = t.rows.find((r) => r.method === a);
    const rb = t.rows.find((r) => r.method === b);
    if (!ra || !rb) continue;
    const parts = t.metrics.flatMap((m) => {
      const sa = ra.metrics[m];
      const sb = rb.metrics[m];
      if (!sa || !sb || sa.n === 0 || sb.n === 0) return [];
      const gap = sa.mean - sb.mean;
      if (gap === 0) return [`${label(m)}: tie`];
      const aAhead = higherIsBetter(m) ? gap > 0 : gap < 0;
      const spread = Math.max(sa.sd, sb.sd);
      const within = Math.abs(gap) <= spread;
      return [`${label(m)}: ${aAhead ? a : b} ahead by ${fmt(Math.abs(gap), m)} (${within ? 'within' : 'beyond'} the seed spread ${fmt(spread, m)})`];
    });
    if (parts.length) lines.push(`${t.task}: ${parts.join('; ')}`);
  }
  return lines;
}
