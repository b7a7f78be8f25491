import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { relative, resolve } from 'node:path';
import { parse } from 'acorn';
import { simple } from 'acorn-walk';
import { build, type Metafile, type Plugin } from 'esbuild';

/** One import of a Node built-in found in a built file. */
export interface BuiltinImport {
  /** The file that imports it, relative to the directory the scan was asked about. */
  file: string;
  /** The specifier exactly as written ('node:fs', 'path', 'fs/promises', ...). */
  specifier: string;
  /**
   * How it is imported, as esbuild names it ('import-statement', 'require-call', 'dynamic-import', ...), or
   * 'shimmed-require' for esbuild's `__require("fs")` shim, which a browser rejects at run time.
   */
  kind: string;
}

const BUILTINS = new Set(builtinModules.map((m) => m.replace(/^node:/, '')));

/** True for 'node:*' and for every bare name (or subpath, like 'fs/promises') Node ships built in. */
export function isNodeBuiltin(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  return BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0]);
}

export interface ScanOptions {
  /** Directory the reported file names are relative to (default: the current directory). */
  relativeTo?: string;
}

/**
 * Parses a built entry (ESM or CommonJS) and every relative chunk it reaches with esbuild, the same
 * parser bundlers use, so imports inside strings or comments are not mistaken for real ones and requires,
 * static and dynamic imports are all seen. Built-ins are marked external by a plugin (instead of letting a
 * browser build fail on the first one) so every offender in every file is listed.
 */
export async function findBuiltinImports(entry: string, options: ScanOptions = {}): Promise<BuiltinImport[]> {
  const relativeTo = options.relativeTo ?? process.cwd();
  const keepBuiltinsExternal: Plugin = {
    name: 'builtins-external',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => (isNodeBuiltin(args.path) ? { path: args.path, external: true } : undefined));
    },
  };
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'browser',
    format: 'esm',
    logLevel: 'silent',
    plugins: [keepBuiltinsExternal],
    // Third-party packages are the browser bundler's business (tfjs-core itself has guarded Node requires
    // that bundlers stub); this checks what our packages ship: the entry and every relative chunk it reaches.
    packages: 'external',
  });
  const files = Object.keys(result.metafile.inputs).map((f) => resolve(f));
  return [...builtinImportsOf(result.metafile, relativeTo), ...files.flatMap((f) => shimmedRequires(f, relativeTo))];
}

/**
 * tsup turns a `require("fs")` left in ESM source into `__require("fs")`, which esbuild's metafile does not
 * list as an import (the shim is an ordinary function call) yet throws in a browser; find those by walking
 * the syntax tree.
 */
function shimmedRequires(file: string, relativeTo: string): BuiltinImport[] {
  const code = readFileSync(file, 'utf8');
  const ast = parse(code, {
    ecmaVersion: 'latest',
    sourceType: file.endsWith('.cjs') ? 'script' : 'module',
    allowHashBang: true,
    allowReturnOutsideFunction: true,
  });
  const found: BuiltinImport[] = [];
  simple(ast, {
    CallExpression(node) {
      const [arg] = node.arguments;
      if (
        node.callee.type === 'Identifier' &&
        node.callee.name === '__require' &&
        arg?.type === 'Literal' &&
        typeof arg.value === 'string' &&
        isNodeBuiltin(arg.value)
      ) {
        found.push({ file: relative(relativeTo, file), specifier: arg.value, kind: 'shimmed-require' });
      }
    },
  });
  return found;
}

function builtinImportsOf(metafile: Metafile, relativeTo: string): BuiltinImport[] {
  const found: BuiltinImport[] = [];
  for (const [file, input] of Object.entries(metafile.inputs)) {
    for (const imp of input.imports) {
      const specifier = imp.original ?? imp.path;
      if (imp.external && isNodeBuiltin(specifier)) {
        found.push({ file: relative(relativeTo, resolve(file)), specifier, kind: imp.kind });
      }
    }
  }
  return found;
}

/** Readable one-line-per-import listing for assertion messages. */
export function formatImports(imports: BuiltinImport[]): string {
  return imports.map((i) => `${i.file}: ${i.kind} '${i.specifier}'`).join('\n');
}
