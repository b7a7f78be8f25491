import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ValidationSplit } from '../sampling';
import { parseJson } from '../readers/json';
import { chatTemplateFromConfig } from '../template/chat';
import { loadTaskExamples, loadTrainValidation, type OpenData } from '../tasks/load';
import type { Example, Split, TaskDefinition } from '../tasks/types';
import { fileSource } from './files';

const PACKAGE_NAME = '@smoa/datasets';

/**
 * Absolute path of the data shipped in this package (packages/datasets/data). Found by walking up
 * from this module to the package's own package.json, which works from src/ (tests), dist/ (the
 * build) and an installed node_modules copy alike.
 */
export function vendoredDataDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return join(dir, 'data');
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package root above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** Opens task files under a data directory. */
export function dataDir(dir: string): OpenData {
  const root = resolve(dir);
  return (relative) => fileSource(join(root, relative));
}

export interface LoadTaskOptions {
  /** Directory holding the task files (default: the vendored data). */
  dataDir?: string;
}

/** One split of a task from the vendored data (or `dataDir`). */
export function loadTask(task: TaskDefinition | string, split: Split, options: LoadTaskOptions = {}): Promise<Example[]> {
  return loadTaskExamples(task, split, dataDir(options.dataDir ?? vendoredDataDir()));
}

/** A task's training split with a seeded validation split carved out of it. */
export function loadTaskTrainValidation(
  task: TaskDefinition | string,
  options: LoadTaskOptions & { size: number; seed: number },
): Promise<ValidationSplit<Example>> {
  return loadTrainValidation(task, dataDir(options.dataDir ?? vendoredDataDir()), options);
}

/** The chat template in a model directory's tokenizer_config.json, or undefined when it has none. */
export async function readChatTemplate(modelDir: string): Promise<string | undefined> {
  const path = join(modelDir, 'tokenizer_config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return chatTemplateFromConfig(parseJson(text, path), path);
}
