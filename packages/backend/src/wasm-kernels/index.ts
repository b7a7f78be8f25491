import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { BatchMatMul, batchMatMulConfig, isWrappedBatchMatMul } from './batch-mat-mul';
import { GatherV2, gatherV2Config, isWrappedGatherV2 } from './gather-v2';
import { Identity, identityConfig, isSharedIdentity } from './identity';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum';

/**
 * Kernels that training needs and @tensorflow/tfjs-backend-wasm (4.22) lacks. Found by running the
 * forward and backward pass of a Llama block on wasm (embedding gather, tied lm_head, RMSNorm,
 * rotary, causal attention, SwiGLU, cross-entropy, Adam/AdamW updates): UnsortedSegmentSum, the
 * gradient of gather, was the only kernel missing. See the package README.
 */
export const WASM_TRAINING_KERNELS: readonly KernelConfig[] = [unsortedSegmentSumConfig];

/**
 * Kernels tfjs-backend-wasm has but gets wrong or slow, and that we replace (see gather-v2.ts: wrong
 * with batchDims > 0, and slow; identity.ts: copies where sharing the buffer is enough; batch-mat-mul.ts:
 * batched and transposed products in a naive scalar loop).
 */
export const WASM_FIXED_KERNEL_NAMES: readonly string[] = [GatherV2, Identity, BatchMatMul];

/** Names of the kernels this package adds or fixes on wasm, for reports. */
export const WASM_TRAINING_KERNEL_NAMES: readonly string[] = [
  ...WASM_TRAINING_KERNELS.map((k) => k.kernelName),
  ...WASM_FIXED_KERNEL_NAMES,
];

/**
 * Registers the kernels that training needs on the wasm backend, and wraps the ones it gets wrong,
 * for apps that set tfjs up themselves (`initBackend` calls it when it picks wasm). Call it after
 * importing @tensorflow/tfjs-backend-wasm. Idempotent: a kernel that is already registered for
 * 'wasm' (by an earlier call, or natively by a newer tfjs-backend-wasm) is kept, and GatherV2 is
 * wrapped once. Returns the names of the kernels this call registered or wrapped.
 */
export function registerWasmTrainingKernels(): string[] {
  const added: string[] = [];
  for (const config of WASM_TRAINING_KERNELS) {
    if (getKernel(config.kernelName, 'wasm') !== undefined) continue;
    registerKernel(config);
    added.push(config.kernelName);
  }
  const gather = getKernel(GatherV2, 'wasm');
  if (gather !== undefined && !isWrappedGatherV2(gather)) {
    unregisterKernel(GatherV2, 'wasm');
    registerKernel(gatherV2Config(gather));
    added.push(GatherV2);
  }
  const identity = getKernel(Identity, 'wasm');
  if (identity !== undefined && !isSharedIdentity(identity)) {
    unregisterKernel(Identity, 'wasm');
    registerKernel(identityConfig(identity));
    added.push(Identity);
  }
  const matMul = getKernel(BatchMatMul, 'wasm');
  if (matMul !== undefined && !isWrappedBatchMatMul(matMul)) {
    unregisterKernel(BatchMatMul, 'wasm');
    registerKernel(batchMatMulConfig(matMul));
    added.push(BatchMatMul);
  }
  return added;
}
