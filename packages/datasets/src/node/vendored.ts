import { readFileSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ValidationSplit } from '../sampling';
import { parseJson } from '../readers/json';
import { chatTemplateFromConfig } from '../template/chat';
import { loadTaskExamples, loadTrainValidation, type OpenData } from '../tasks/load';
import type { Example, Split, TaskDefinition } from '../tasks/types';
import { fileSource } from './files';

/** The data-only package that holds the shipped data sets (kept apart so code packages stay small). */
export const DATA_PACKAGE = '@smoa/data';

/**
 * Absolute path of the shipped data: the root of the installed `@smoa/data` package. It is looked up
 * from this module first (its optional peer), then from the current directory (a project that installed
 * it beside us). Throws, naming the package and the way round it, when it is not installed.
 */
export function vendoredDataDir(): string {
  return locateDataPackage([import.meta.url, pathToFileURL(join(process.cwd(), 'index.js')).href]);
}

/**
 * The first `@smoa/data` root found from one of `from` (module URLs), by Node's node_modules walk (which
 * covers npm's flat layout and pnpm's peer links). Done by hand rather than with require.resolve so that
 * NODE_PATH and global folders cannot pick up some other copy; exported for its test.
 */
export function locateDataPackage(from: readonly string[]): string {
  for (const base of from) {
    for (let dir = dirname(fileURLToPath(base)); ; dir = dirname(dir)) {
      const root = join(dir, 'node_modules', ...DATA_PACKAGE.split('/'));
      if (isDataPackage(root)) return realpathSync(root);
      if (dirname(dir) === dir) break;
    }
  }
  throw new Error(
    `the shipped data sets are in the ${DATA_PACKAGE} package, which is not installed: run \`npm install ${DATA_PACKAGE}\`, ` +
      'or pass dataDir (CLI: --data-dir) naming a folder with the same layout (e.g. llm-adapters/boolq/test.json)',
  );
}

function isDataPackage(root: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: unknown }).name === DATA_PACKAGE;
  } catch {
    return false;
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
