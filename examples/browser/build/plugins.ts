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
 * browser resolves only through an import map. This builds each backend package as its own entry chunk
 * (sharing the app's single tfjs-core chunk) and writes an import map from the package name to that chunk
 * at the top of index.html, so the runtime import gets the very module instance the app bundled.
 */
export function backendImportMap(packages: string[]): Plugin {
  const entryName = (pkg: string): string => pkg.replace(/^@tensorflow\//, '');
  return {
    name: 'smoa-backend-import-map',
    apply: 'build',
    config() {
      return {
        build: {
          rollupOptions: {
            input: { index: 'index.html', ...Object.fromEntries(packages.map((p) => [entryName(p), p])) },
            // Keep the backends' exports (setWasmPaths, getThreadsCount, ...) on their entry chunks.
            preserveEntrySignatures: 'exports-only' as const,
          },
        },
      };
    },
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const imports: Record<string, string> = {};
        for (const pkg of packages) {
          const chunk = Object.values(ctx.bundle ?? {}).find((c) => c.type === 'chunk' && c.isEntry && c.name === entryName(pkg));
          if (chunk === undefined) throw new Error(`vite build: no entry chunk for ${pkg}`);
          imports[pkg] = `./${chunk.fileName}`;
        }
        return [{ tag: 'script', attrs: { type: 'importmap' }, children: JSON.stringify({ imports }), injectTo: 'head-prepend' }];
      },
    },
  };
}
