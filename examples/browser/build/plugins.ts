import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';

const require = createRequire(import.meta.url);

/** Folder of an installed package, found from this example. */
export function packageDir(pkg: string): string {
  return dirname(require.resolve(`${pkg}/package.json`));
}

/** The tfjs wasm binaries (plain, SIMD, threaded SIMD), which the wasm backend fetches at run time. */
export function tfjsWasmFiles(): Record<string, string> {
  const dist = join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
  return Object.fromEntries(readdirSync(dist).filter((f) => f.endsWith('.wasm')).map((f) => [f, join(dist, f)]));
}

/** Every file of a folder (flat), keyed by its name. */
export function folderFiles(dir: string): Record<string, string> {
  if (!existsSync(dir)) throw new Error(`${dir}: folder to serve with the page does not exist`);
  return Object.fromEntries(readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile()).map((f) => [f, join(dir, f)]));
}

/**
 * Serves files that live elsewhere in the repository (the embedded model, the tfjs wasm binaries) under
 * URL prefixes of the page: copied into the build output, and streamed by the dev server, so they are
 * never duplicated in git. `mounts` maps a prefix like 'models/stories260K/' to { name: absolute path }.
 */
export function serveFiles(mounts: Record<string, Record<string, string>>): Plugin {
  const byUrl = new Map<string, string>();
  for (const [prefix, files] of Object.entries(mounts)) for (const [name, file] of Object.entries(files)) byUrl.set(prefix + name, file);
  return {
    name: 'smoa-serve-files',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const file = byUrl.get(decodeURIComponent((req.url ?? '').split('?')[0]).replace(/^\//, ''));
        if (file === undefined) return next();
        res.setHeader('Content-Type', file.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream');
        createReadStream(file).pipe(res);
      });
    },
    async generateBundle() {
      for (const [fileName, file] of byUrl) this.emitFile({ type: 'asset', fileName, source: await readFile(file) });
    },
  };
}

/**
 * @smoa/backend loads the backend packages with `import(name)` at run time, a bare specifier that a
 * browser resolves only through an import map. The build makes each backend package its own entry chunk
 * (sharing the app's single tfjs-core chunk); the dev server serves a one-line module per backend that
 * re-exports the pre-bundled package (the same URL, so the same instance, as the app's own imports). Either
 * way an import map at the top of index.html sends the runtime import to the very module the app uses.
 */
export function backendImportMap(packages: string[]): Plugin {
  const entryName = (pkg: string): string => pkg.replace(/^@tensorflow\//, '');
  const DEV_PREFIX = '/@smoa-backend/';
  let command: 'build' | 'serve' = 'build';
  const importMap = (imports: Record<string, string>) => [
    { tag: 'script', attrs: { type: 'importmap' }, children: JSON.stringify({ imports }), injectTo: 'head-prepend' as const },
  ];
  return {
    name: 'smoa-backend-import-map',
    config(_config, env) {
      command = env.command;
      return {
        // Pre-bundled together, so the backends and the app share one tfjs-core in dev as well.
        optimizeDeps: { include: packages },
        build: {
          rollupOptions: {
            input: { index: 'index.html', ...Object.fromEntries(packages.map((p) => [entryName(p), p])) },
            // Keep the backends' exports (setWasmPaths, getThreadsCount, ...) on their entry chunks.
            preserveEntrySignatures: 'exports-only' as const,
          },
        },
      };
    },
    resolveId(id) {
      return id.startsWith(DEV_PREFIX) ? id : undefined;
    },
    load(id) {
      if (!id.startsWith(DEV_PREFIX)) return undefined;
      const pkg = packages.find((p) => `${DEV_PREFIX}${entryName(p)}.js` === id);
      if (pkg === undefined) throw new Error(`${id}: not one of the backends ${packages.join(', ')}`);
      return `export * from '${pkg}';\n`;
    },
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const imports: Record<string, string> = {};
        for (const pkg of packages) {
          if (command === 'serve') {
            imports[pkg] = `${DEV_PREFIX}${entryName(pkg)}.js`;
            continue;
          }
          const chunk = Object.values(ctx.bundle ?? {}).find((c) => c.type === 'chunk' && c.isEntry && c.name === entryName(pkg));
          if (chunk === undefined) throw new Error(`vite build: no entry chunk for ${pkg}`);
          imports[pkg] = `./${chunk.fileName}`;
        }
        return importMap(imports);
      },
    },
  };
}
