// The one vitest base every package, example and integration suite runs with. A package's vitest.config.ts
// is `export default packageTest()`, with overrides only where that suite really differs (longer timeouts
// for suites that train or pack, Vite options for odd dependencies).
import { defineConfig, mergeConfig, type ViteUserConfig } from 'vitest/config';

export const baseTestConfig = defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // scripts/test-all.mjs adds up the JSON reports of every suite for the closing line.
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest.json' },
  },
});

export function packageTest(overrides: ViteUserConfig = {}): ViteUserConfig {
  return mergeConfig(baseTestConfig, overrides);
}
