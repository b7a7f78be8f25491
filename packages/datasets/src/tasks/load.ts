import type { DataSource } from '../readers/source';
import { shuffled, splitValidation, type ValidationSplit } from '../sampling';
import { tasks } from './builtin';
import type { Example, Split, TaskDefinition } from './types';

/** Opens a task's data file given its path relative to a data directory (files, URLs, bundles). */
export type OpenData = (relativePath: string) => DataSource;

export function resolveTask(task: TaskDefinition | string): TaskDefinition {
  return typeof task === 'string' ? tasks.get(task) : task;
}

/** Whether an error says a file (or URL) does not exist, as fileSource and fetchSource mark it. */
export function isMissingFile(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ENOENT';
}

/**
 * Reads one split of a task. A 'validation' split exists only where the task declares one. A mix task
 * (`members`) reads each member's file; its training split is their union shuffled with `seed`.
 */
export async function loadTaskExamples(task: TaskDefinition | string, split: Split, open: OpenData, options: { seed?: number } = {}): Promise<Example[]> {
  const t = resolveTask(task);
  if (t.members !== undefined) {
    if (split !== 'train') {
      throw new Error(`task "${t.name}" is a mix of ${t.members.join(', ')}: evaluate each member's ${split} split (loadMixMembers; runEvaluation does it and averages)`);
    }
    const parts = await loadMixMembers(t, 'train', open);
    if (parts.length === 0) throw new Error(`task "${t.name}": none of its members (${t.members.join(', ')}) has a training file; supply some with dataDir (--data-dir)`);
    return shuffled(
      parts.flatMap((p) => p.examples),
      options.seed ?? 0,
    ).map((e, index) => ({ ...e, index }));
  }
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
  try {
    return await t.read(open(file), split);
  } catch (err) {
    if (!isMissingFile(err)) throw err;
    const shipped = t.shipped === undefined || t.shipped.includes(split);
    const format = t.fileFormat ? ` (${t.fileFormat})` : '';
    const e = new Error(
      shipped
        ? `task "${t.name}": its ${split} file ${file} is missing${format}: ${(err as Error).message}`
        : `task "${t.name}": the ${split} split is not shipped with @smoa/data; put the file at ${file}${format} in a directory and pass it as dataDir (CLI: --data-dir). ${(err as Error).message}`,
    );
    (e as Error & { code: string }).code = 'ENOENT';
    throw e;
  }
}

/** The members of a mix task that have `split`, with their examples (a member whose file is missing is left out). */
export async function loadMixMembers(task: TaskDefinition | string, split: Split, open: OpenData): Promise<{ task: TaskDefinition; examples: Example[] }[]> {
  const t = resolveTask(task);
  const out: { task: TaskDefinition; examples: Example[] }[] = [];
  for (const name of t.members ?? []) {
    const member = resolveTask(name);
    if (member.files[split] === undefined) continue;
    try {
      out.push({ task: member, examples: await loadTaskExamples(member, split, open) });
    } catch (err) {
      if (!isMissingFile(err)) throw err;
    }
  }
  return out;
}

/**
 * The training split with a validation split: the task's own validation file when it declares one
 * (ConvAI2's dialogue-level carve), else carved out of training data (disjoint, seeded, file order
 * kept). Refuses tasks without training data rather than falling back to test.
 */
export async function loadTrainValidation(
  task: TaskDefinition | string,
  open: OpenData,
  options: { size: number; seed: number },
): Promise<ValidationSplit<Example>> {
  const t = resolveTask(task);
  if (t.files.train === undefined && t.members === undefined) {
    throw new Error(`task "${t.name}" has no training split to carve a validation split from (it has: ${Object.keys(t.files).join(', ')}); validation is never taken from test`);
  }
  const train = await loadTaskExamples(t, 'train', open, { seed: options.seed });
  if (t.files.validation === undefined) return splitValidation(train, options);
  if (!(options.size > 0)) throw new RangeError(`validation size must be > 0, got ${options.size}`);
  const validation = await loadTaskExamples(t, 'validation', open);
  const count = options.size < 1 ? Math.max(1, Math.round(validation.length * options.size)) : Math.min(options.size, validation.length);
  const kept = new Set(shuffled(validation.map((e) => e.index), options.seed).slice(0, count));
  return { train, validation: validation.filter((e) => kept.has(e.index)) };
}
