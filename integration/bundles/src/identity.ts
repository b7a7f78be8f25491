import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageDir } from './entries';

type Target = string | { [condition: string]: Target } | null;
export type Format = 'esm' | 'cjs';

function pick(target: Target, condition: 'import' | 'require'): string | undefined {
  if (target === null) return undefined;
  if (typeof target === 'string') return target;
  const chosen = target[condition] ?? target.default;
  return chosen === undefined ? undefined : pick(chosen, condition);
}

/** Every workspace package under packages/ (read from the tree, so a new package is checked without edits here). */
export function workspacePackages(root: string): Array<{ name: string; dir: string; exports: Record<string, Target> }> {
  const base = join(root, 'packages');
  return readdirSync(base)
    .filter((d) => existsSync(join(base, d, 'package.json')))
    .map((d) => {
      const m = JSON.parse(readFileSync(join(base, d, 'package.json'), 'utf8')) as { name: string; exports?: Record<string, Target> };
      return { name: m.name, dir: join(base, d), exports: m.exports ?? {} };
    });
}

/** Importable subpaths whose target is built JavaScript (./package.json and data files left out). */
export function codeSubpaths(exportsMap: Record<string, Target>): string[] {
  return Object.entries(exportsMap)
    .filter(([s, t]) => s !== './package.json' && !s.includes('*') && /\.c?js$/.test(pick(t, 'import') ?? ''))
    .map(([s]) => s);
}

/** The namespaces of every code entry of a package, loaded the way Node loads them in the given format. */
export async function loadEntries(pkg: string, format: Format): Promise<Record<string, Record<string, unknown>>> {
  const dir = packageDir(pkg);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports: Record<string, Target> };
  const require = createRequire(join(dir, 'package.json'));
  const out: Record<string, Record<string, unknown>> = {};
  for (const subpath of codeSubpaths(manifest.exports)) {
    const rel = pick(manifest.exports[subpath], format === 'esm' ? 'import' : 'require');
    if (rel === undefined) throw new Error(`${pkg}: exports["${subpath}"] has no ${format === 'esm' ? 'import' : 'require'} target`);
    const file = join(dir, rel);
    out[subpath] = format === 'esm' ? await import(pathToFileURL(file).href) : require(file);
  }
  return out;
}

/**
 * Source modules that end up in more than one built file of one format, from the source maps: with code
 * splitting each module lives in exactly one file (an entry or a shared chunk), so every class and every
 * piece of module state exists once per format.
 */
export function duplicatedModules(pkg: string, format: Format): Map<string, string[]> {
  const dir = packageDir(pkg);
  const dist = join(dir, 'dist');
  const seen = new Map<string, string[]>();
  for (const file of builtFiles(pkg, format)) {
    const map = join(dist, `${file}.map`);
    if (!existsSync(map)) continue;
    const { sources } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] };
    for (const s of sources) {
      if (s.includes('node_modules')) continue; // bundled third-party files (backend's tfjs gradients)
      seen.set(s, [...(seen.get(s) ?? []), file]);
    }
  }
  return new Map([...seen].filter(([, files]) => files.length > 1));
}

/**
 * The built files of one format that the package's entries actually load: the entries named by the exports
 * map, then every chunk they import, transitively. Following imports instead of listing dist/ keeps chunks
 * left over from an earlier build (a turbo cache restore adds files but never removes old ones) out of the check.
 */
function builtFiles(pkg: string, format: Format): string[] {
  const dir = packageDir(pkg);
  const dist = join(dir, 'dist');
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports: Record<string, Target> };
  const queue = codeSubpaths(manifest.exports)
    .map((s) => pick(manifest.exports[s], format === 'esm' ? 'import' : 'require'))
    .filter((t): t is string => t !== undefined && t.startsWith('./dist/'))
    .map((t) => t.slice('./dist/'.length));
  const found = new Set<string>();
  const relative = /(?:from\s*|import\s*\(\s*|require\(\s*|import\s+)["']\.\/([\w.-]+\.c?js)["']/g;
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (found.has(file) || !existsSync(join(dist, file))) continue;
    found.add(file);
    for (const m of readFileSync(join(dist, file), 'utf8').matchAll(relative)) queue.push(m[1]);
  }
  return [...found];
}
