import { getGradient, registerGradient } from '@tensorflow/tfjs-core';
import { GRADIENT_CONFIGS } from './configs.generated';

/**
 * Registers tfjs-core's gradient functions. `tf.grad`, `tf.variableGrads` and the optimizers need
 * them, and only the @tensorflow/tfjs union package registers them: an app that uses
 * @tensorflow/tfjs-core with a backend package has none (every backward pass fails with "gradient
 * function not found"). The configs are tfjs-core's own, bundled into this package the way the union
 * bundles them. Idempotent: gradients that are already registered (by the union, or by an earlier
 * call) are kept. Returns how many this call registered.
 */
export function registerGradients(): number {
  let added = 0;
  for (const config of GRADIENT_CONFIGS) {
    if (getGradient(config.kernelName) !== undefined) continue;
    registerGradient(config);
    added++;
  }
  return added;
}
