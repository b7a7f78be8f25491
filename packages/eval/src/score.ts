import type { Example, TaskDefinition } from '@smoa/datasets';
import { dialogueMetrics } from './metrics/dialogue';
import { tokenF1 } from './metrics/f1';
import type { PredictionRecord } from './result';

/**
 * Scores generated texts with the task's metric, filling each prediction record in place
 * (predicted, gold, correct or per-example F1) and returning the summary metrics.
 */
export function scorePredictions(task: TaskDefinition, examples: readonly Example[], generated: readonly string[], records: PredictionRecord[]): Record<string, number> {
  if (task.metric === 'dialogue') {
    const refs = examples.map((ex) => ex.answer ?? ex.target);
    records.forEach((r, i) => {
      r.gold = refs[i];
      r.f1 = tokenF1(generated[i]!, refs[i]!);
    });
    return { ...dialogueMetrics(generated, refs) };
  }
  if (task.metric === 'perplexity') throw new Error(`task "${task.name}" is scored by perplexity, not from generated text`);
  const extract = task.extractAnswer ?? ((t: string) => t.trim());
  const match = task.answersMatch ?? ((p: string, g: string) => p === g);
  let correct = 0;
  let answered = 0;
  records.forEach((r, i) => {
    const gold = examples[i]!.answer;
    if (gold === undefined) throw new Error(`task "${task.name}": example ${examples[i]!.index} has no gold answer to score against`);
    const predicted = extract(generated[i]!);
    r.predicted = predicted ?? null;
    r.gold = gold;
    r.correct = predicted !== undefined && match(predicted, gold);
    if (predicted !== undefined) answered++;
    if (r.correct) correct++;
  });
  // answerRate separates "answers wrongly" from "does not answer in the expected format".
  return { accuracy: correct / records.length, correct, answerRate: answered / records.length };
}
