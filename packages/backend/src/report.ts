import { adapterLabel } from './webgpu/adapter';
import type { BackendInfo } from './types';

/**
 * Formats a BackendInfo for people (the CLI's `info` command, the demo):
 *
 *     TensorFlow.js backend: wasm (@tensorflow/tfjs-backend-wasm), SIMD, 1 thread
 *     kernels added or fixed for training: UnsortedSegmentSum, GatherV2, Identity, BatchMatMul
 *     skipped:
 *       @tensorflow/tfjs-node-gpu: not installed (npm install @tensorflow/tfjs-node-gpu)
 */
export function backendReport(info: BackendInfo): string {
  const traits: string[] = [];
  if (info.simd !== undefined) traits.push(info.simd ? 'SIMD' : 'no SIMD');
  traits.push(`${info.threads} thread${info.threads === 1 ? '' : 's'}`);
  if (info.adapter !== undefined) traits.unshift(`adapter ${adapterLabel(info.adapter)}`);
  const lines = [`TensorFlow.js backend: ${info.name} (${info.source}), ${traits.join(', ')}`];
  if (info.trainingKernels !== undefined && info.trainingKernels.length > 0) {
    lines.push(`kernels added or fixed for training: ${info.trainingKernels.join(', ')}`);
  }
  for (const w of info.warnings ?? []) lines.push(`warning: ${w}`);
  if (info.skipped.length > 0) {
    lines.push('skipped:');
    for (const s of info.skipped) lines.push(`  ${s.source}: ${s.reason}`);
  }
  return lines.join('\n');
}
