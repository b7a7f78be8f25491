import { packageTest } from '../../vitest.shared';

export default packageTest({
  server: {
    deps: {
      // tfjs-core's gradient configs are ES modules in a CommonJS package (src/gradients imports them); let
      // Vite transform them instead of handing them to Node, as tsup bundles them.
      inline: [/@tensorflow\/tfjs-core\/dist\/(?!tf-core)/],
    },
  },
});
