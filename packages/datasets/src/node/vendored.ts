import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ValidationSplit } from '../sampling';
import { parseJson } from '../readers/json';
import { chatTemplateFromConfig } from '../template/chat';
import { loadMixMembers, loadTaskExamples, loadTrainValidation, type OpenData } from '../tasks/load';
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

/**
 * Opens task files under a data directory. With `fallback` (the shipped data), a file the directory
 * does not have is read from there, so --data-dir can add PIQA's training file and keep the shipped test.
 */
export function dataDir(dir: string, fallback?: string): OpenData {
  const root = resolve(dir);
  return (relative) => {
    const own = join(root, relative);
    if (fallback !== undefined && !existsSync(own) && existsSync(join(fallback, relative))) return fileSource(join(fallback, relative));
    return fileSource(own);
  };
}

export interface LoadTaskOptions {
  /** Directory holding task files; files it lacks come from the installed @smoa/data (default: only @smoa/data). */
  dataDir?: string;
}

function openFor(options: LoadTaskOptions): OpenData {
  if (options.dataDir === undefined) return dataDir(vendoredDataDir());
  let shipped: string | undefined;
  try {
    shipped = vendoredDataDir();
  } catch {
    shipped = undefined; // @smoa/data not installed: the user's directory alone
  }
  return dataDir(options.dataDir, shipped);
}

/** One split of a task from the shipped data (or `dataDir`). A mix task's training split is seeded by `seed`. */
export function loadTask(task: TaskDefinition | string, split: Split, options: LoadTaskOptions & { seed?: number } = {}): Promise<Example[]> {
  return loadTaskExamples(task, split, openFor(options), options.seed === undefined ? {} : { seed: options.seed });
}

/** The members of a mix task (e.g. `commonsense`) that have `split`, each with its examples. */
export function loadTaskMembers(task: TaskDefinition | string, split: Split, options: LoadTaskOptions = {}): Promise<{ task: TaskDefinition; examples: Example[] }[]> {
  return loadMixMembers(task, split, openFor(options));
}

/** A task's training split with a validation split (its own validation file, or carved from train). */
export function loadTaskTrainValidation(
  task: TaskDefinition | string,
  options: LoadTaskOptions & { size: number; seed: number },
): Promise<ValidationSplit<Example>> {
  return loadTrainValidation(task, openFor(options), options);
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
