import { join } from 'node:path';
import { writeFileAtomic } from '@smoa/safetensors/node';
import { formatResultsTable, predictionsToJsonl } from '../report';
import type { EvaluationResult } from '../result';

export interface WrittenEvaluation {
  predictionsPath: string;
  summaryPath: string;
}

/**
 * Writes `<name>.predictions.jsonl` and `<name>.summary.json` into `dir` (name defaults to the
 * task), each through a temporary file and a rename, so a reader never sees half a file.
 */
export async function writeEvaluation(dir: string, result: EvaluationResult, name = result.summary.task): Promise<WrittenEvaluation> {
  if (/[/\\]|\.\./.test(name)) throw new Error(`evaluation name "${name}" must not contain a path separator or ".."`);
  const predictionsPath = join(dir, `${name}.predictions.jsonl`);
  const summaryPath = join(dir, `${name}.summary.json`);
  await writeFileAtomic(predictionsPath, predictionsToJsonl(result.predictions));
  await writeFileAtomic(summaryPath, `${JSON.stringify(result.summary, null, 2)}\n`);
  return { predictionsPath, summaryPath };
}

/** Writes a results table (Markdown) beside the evaluations. */
export async function writeResultsTable(path: string, results: readonly EvaluationResult[]): Promise<void> {
  await writeFileAtomic(path, `${formatResultsTable(results.map((r) => r.summary))}\n`);
}
