import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ["src/index.ts", "src/contracts.ts"],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // One copy of shared code across the entries, so instanceof holds across them.
  splitting: true,
});
