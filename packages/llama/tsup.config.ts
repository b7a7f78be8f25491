import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ["src/index.ts","src/node.ts"],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // One copy of the model classes shared by both entries, so instanceof holds across them.
  splitting: true,
  // embeddedModelDir resolves from import.meta.url, which the CommonJS build needs shimmed.
  shims: true,
});
