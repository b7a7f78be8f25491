import { packageConfig } from '../../tsup.shared';

export default packageConfig({
  // tfjs-core's gradient configs live only in its ES module files (dist/gradients/*.js), which Node cannot
  // load directly; bundle them as the @tensorflow/tfjs union does. They reach tfjs's engine and registries
  // through tfjs-core's globals, so the app still has one engine.
  noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
});
