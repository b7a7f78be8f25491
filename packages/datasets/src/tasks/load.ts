import type { DataSource } from '../readers/source';
import { splitValidation, type ValidationSplit } from '../sampling';
import { tasks } from './builtin';
import type { Example, Split, TaskDefinition } from './types';

/** Opens a task's data file given its path relative to a data directory (files, URLs, bundles). */
export type OpenData = (relativePath: string) => DataSource;

export function resolveTask(task: TaskDefinition | string): TaskDefinition {
  return typeof task === 'string' ? tasks.get(task) : task;
}

/** Reads one split of a task. A 'validation' split exists only where the task ships one. */
export async function loadTaskExamples(task: TaskDefinition | string, split: Split, open: OpenData): Promise<Example[]> {
  const t = resolveTask(task);
  const file = t.files[split];
  if (file === undefined) {
    const have = Object.keys(t.files).join(', ');
    if (split === 'validation') {
      throw new Error(
        `task "${t.name}" has no validation file (it has: ${have}); carve one from its training data with loadTrainValidation() — validation is never taken from test`,
      );
    }
    throw new Error(`task "${t.name}" has no "${split}" split (it has: ${have})`);
  }
  return t.read(open(file), split);
}

/**
 * The training split with a validation split carved out of it (disjoint, seeded, file order
 * kept). Refuses tasks without training data rather than falling back to test.
 */
export async function loadTrainValidation(
  task: TaskDefinition | string,
  open: OpenData,
  options: { size: number; seed: number },
): Promise<ValidationSplit<Example>> {
  const t = resolveTask(task);
  if (t.files.train === undefined) {
    throw new Error(`task "${t.name}" has no training split to carve a validation split from (it has: ${Object.keys(t.files).join(', ')}); validation is never taken from test`);
  }
  return splitValidation(await loadTaskExamples(t, 'train', open), options);
}
