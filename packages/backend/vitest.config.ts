import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest.json' },
    server: {
      deps: {
        // tfjs-core's gradient configs are ES modules in a CommonJS package (src/gradients imports
        // them); let Vite transform them instead of handing them to Node, as tsup bundles them.
        inline: [/@tensorflow\/tfjs-core\/dist\/(?!tf-core)/],
      },
    },
  },
});
