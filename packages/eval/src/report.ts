import type { EvaluationSummary, PredictionRecord } from './result';

export function predictionsToJsonl(predictions: readonly PredictionRecord[]): string {
  return predictions.map((p) => JSON.stringify(p)).join('\n') + (predictions.length > 0 ? '\n' : '');
}

const PERCENT = new Set(['accuracy', 'accuracyRaw', 'accuracyPerToken', 'accuracyPerChar', 'answerRate', 'bleu1', 'bleu2', 'bleu3', 'bleu4', 'rougeL', 'f1', 'distinct1', 'distinct2']);

/**
 * A Markdown table of summaries, one row per evaluation, one column per metric seen in any row
 * (rates as percentages, other values with 4 significant digits, counts as integers).
 */
export function formatResultsTable(rows: readonly (EvaluationSummary & { label?: string })[]): string {
  if (rows.length === 0) return '';
  const metricNames = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))];
  const header = ['Model/run', 'Task', 'Mode', 'N', ...metricNames];
  const body = rows.map((r) => [r.label ?? '', r.task, r.mode, String(r.numExamples), ...metricNames.map((m) => formatMetric(m, r.metrics[m]))]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

function formatMetric(name: string, v: number | undefined): string {
  if (v === undefined) return '';
  if (PERCENT.has(name)) return `${(v * 100).toFixed(2)}%`;
  if (Number.isInteger(v)) return String(v);
  return v.toPrecision(4);
}
