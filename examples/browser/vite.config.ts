import { embeddedModelDir } from '@smoa/llama/node';
import { defineConfig } from 'vite';
import { backendImportMap, folderFiles, serveFiles, tfjsWasmFiles } from './build/plugins';

// The backends @smoa/backend may pick in a browser, fastest first. It imports them by name at run time
// (they are optional peers), so the build maps those names to bundled chunks with an import map.
const BACKENDS = ['@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu'];

export default defineConfig({
  base: './',
  // No single-page fallback: a missing file must be a 404 (the model loader probes for optional files such
  // as model.safetensors.index.json), not index.html with status 200.
  appType: 'mpa',
  plugins: [
    backendImportMap(BACKENDS),
    // The model ships inside @smoa/llama; the page serves that very folder rather than a copy in git.
    serveFiles({ 'models/stories260K/': folderFiles(embeddedModelDir()), 'tfjs-wasm/': tfjsWasmFiles() }),
  ],
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
