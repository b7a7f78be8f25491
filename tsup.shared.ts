// The one tsup base every package builds with. A package's tsup.config.ts is `export default packageConfig()`
// plus only what that package really needs differently (a shim, a bundled dependency).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Options } from 'tsup';

type Target = string | { [condition: string]: Target } | null;

function files(target: Target): string[] {
  if (target === null) return [];
  if (typeof target === 'string') return [target];
  return Object.entries(target)
    .filter(([condition]) => condition !== 'types')
    .flatMap(([, t]) => files(t));
}

/**
 * The build entries a package publishes, read from its package.json: every file under ./dist/ that the
 * exports map or "bin" points to maps to the source of the same name under src/ (./dist/node.cjs -> src/node.ts).
 * Reading them from the manifest keeps the build and the published surface from drifting apart.
 */
export function packageEntries(dir: string = process.cwd()): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    name: string;
    exports?: Record<string, Target>;
    bin?: string | Record<string, string>;
  };
  const targets = [
    ...Object.values(manifest.exports ?? {}).flatMap(files),
    ...(typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {})),
  ];
  const entries: Record<string, string> = {};
  for (const target of targets) {
    const m = /^\.\/dist\/(.+)\.(?:c|m)?js$/.exec(target);
    if (m === null) continue; // ./package.json, data files
    const source = `src/${m[1]}.ts`;
    if (!existsSync(join(dir, source))) throw new Error(`${manifest.name}: package.json points to ${target}, but ${source} does not exist`);
    entries[m[1]] = source;
  }
  if (Object.keys(entries).length === 0) throw new Error(`${manifest.name}: package.json names no ./dist/*.js entry`);
  return entries;
}

const CJS_SHIM = join(dirname(createRequire(join(process.cwd(), 'package.json')).resolve('tsup/package.json')), 'assets', 'cjs_shims.js');

export function packageConfig(overrides: Options = {}) {
  return defineConfig({
    entry: packageEntries(),
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
    // One copy of each module shared by all entries of a format (chunks), so a class or module state is
    // the same object whichever entry it is reached through: instanceof holds across entries.
    // integration/bundles/src/identity.test.ts fails without it. CommonJS splitting is tsup's own pass.
    splitting: true,
    // import.meta.url in the CommonJS build only (data and model folders found beside the code, workers).
    // tsup's `shims` would also give the ESM build a __dirname shim that imports node:path and node:url,
    // which a browser entry must not (integration/bundles scans for it).
    esbuildOptions(options, { format }) {
      if (format !== 'cjs') return;
      options.define = { ...options.define, 'import.meta.url': 'importMetaUrl' };
      options.inject = [...(options.inject ?? []), CJS_SHIM];
    },
    ...overrides,
  });
}
