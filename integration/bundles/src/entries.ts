import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The packages that must run in a browser. Adding one is one line (and a devDependency so turbo builds it
 * before this test runs).
 */
export const ISOMORPHIC_PACKAGES = [
  '@smoa/core',
  '@smoa/backend',
  '@smoa/safetensors',
  '@smoa/adapters',
  '@smoa/llama',
  '@smoa/datasets',
  '@smoa/eval',
  // The browser example trains with it.
  '@smoa/train',
] as const;

/** Export subpaths that are Node-only by design and so are not scanned. */
const NODE_ONLY_SUBPATH = /(^|\/)node$/;

export interface BrowserEntry {
  pkg: string;
  /** Export subpath ('.', './layers', ...). */
  subpath: string;
  /** 'import' or 'require'. */
  condition: string;
  /** Absolute path of the built file. */
  file: string;
}

type Target = string | { [condition: string]: Target } | null;

function defaults(target: Target, conditions: string[] = []): Array<{ condition: string; path: string }> {
  if (target === null) return [];
  if (typeof target === 'string') return [{ condition: conditions.find((c) => c === 'import' || c === 'require') ?? 'default', path: target }];
  return Object.entries(target)
    .filter(([k]) => k !== 'types')
    .flatMap(([k, v]) => defaults(v, [...conditions, k]));
}

/** The package's directory, found the way Node finds it from here (through the workspace link). */
export function packageDir(pkg: string): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve(`${pkg}/package.json`));
}

/**
 * Every built file a browser can reach through the package's exports map: each subpath except the Node-only
 * ones, under both its "import" and "require" conditions. Read from package.json so that a new subpath is
 * scanned without editing this test.
 */
export function browserEntries(pkg: string): BrowserEntry[] {
  const dir = packageDir(pkg);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports?: Record<string, Target> };
  if (manifest.exports === undefined) throw new Error(`${pkg}/package.json: expected an "exports" map`);
  const entries: BrowserEntry[] = [];
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (subpath === './package.json' || NODE_ONLY_SUBPATH.test(subpath)) continue;
    for (const { condition, path } of defaults(target)) {
      const file = join(dir, path);
      if (!existsSync(file)) throw new Error(`${pkg}: exports["${subpath}"] (${condition}) points to ${path}, which is not built`);
      entries.push({ pkg, subpath, condition, file });
    }
  }
  return entries;
}
