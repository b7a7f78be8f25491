import { Identity } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ORIGINAL, isWasmBackend } from './heap';

const SHARED = Symbol.for('smoa.backend.identity');

/**
 * tfjs-backend-wasm's Identity (4.22) copies its input into a new heap buffer. tfjs runs Identity for
 * tf.clone, for tensors a customGrad saves for its backward pass and for gradients passed through, so
 * a training step copies activations it only needs to keep. This kernel shares the input's buffer
 * and counts one more reference to it, as tfjs's own Reshape on wasm and Identity on the cpu backend
 * do: no kernel on wasm writes into an existing buffer (each writes a new output, and a variable's
 * assign swaps its buffer), so sharing is safe. Strings keep the original kernel.
 */
export function identityConfig(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const backend = args.backend as unknown as { incRef?: (dataId: object) => void };
    if (x.dtype === 'string' || !isWasmBackend(args.backend) || typeof backend.incRef !== 'function') return original.kernelFunc(args);
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { ...original, kernelFunc: Object.assign(kernelFunc, { [SHARED]: true, [ORIGINAL]: original.kernelFunc }) };
}

export function isSharedIdentity(config: KernelConfig | undefined): boolean {
  return (config?.kernelFunc as { [SHARED]?: boolean } | undefined)?.[SHARED] === true;
}

export { Identity };
