import { backend_util, GatherV2, util } from '@tensorflow/tfjs-core';
import type { GatherV2Attrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ORIGINAL, isWasmBackend, withOutput } from './heap';

const WRAPPED = Symbol.for('smoa.backend.gatherV2');

/**
 * tfjs-backend-wasm's GatherV2 (4.22) has two problems, so this wrapper gathers on the wasm heap in
 * JavaScript for every case:
 * - wrong values when batchDims > 0 (for gather(x [2,3], [[2],[0]], axis 1, batchDims 1) it returns
 *   [[3],[~0]] where [[3],[4]] is right, and larger inputs read out of bounds), e.g. picking each
 *   row's target log-probability;
 * - slow: it copies element by element through generic strided indexing, about 80 ms to permute the
 *   rows of a 512 x 1376 float32 matrix (the fixed block permutations SMoA applies every step), where
 *   copying whole slices with TypedArray.set takes under 1 ms (bench: packages/backend/scripts/gather.mjs).
 * Slices of 16 elements or more are copied with `set` (a memcpy); shorter ones element by element.
 */
export function gatherV2Config(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { batchDims = 0, axis } = args.attrs as unknown as GatherV2Attrs;
    const { backend } = args;
    const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
    if (!isWasmBackend(backend)) return original.kernelFunc(args);
    const parsedAxis = util.parseAxisParam(axis, x.shape)[0];
    const info = backend_util.segment_util.collectGatherOpShapeInfo(x, indices, parsedAxis, batchDims);
    const { batchSize, outerSize, dimSize, sliceSize } = info;
    const perBatch = batchSize === 0 ? 0 : util.sizeFromShape(indices.shape) / batchSize;
    return withOutput(backend, info.outputShape, x.dtype, [x, indices], (out, xv, idx) => {
      for (let i = 0; i < idx.length; i++) {
        const v = idx[i];
        util.assert(v >= 0 && v <= dimSize - 1, () => `GatherV2: the index value ${v} is not in [0, ${dimSize - 1}]`);
      }
      let o = 0;
      for (let b = 0; b < batchSize; b++) {
        for (let r = 0; r < outerSize; r++) {
          const xRow = (b * outerSize + r) * dimSize;
          if (sliceSize === 1) {
            // A column gather: the tight loop (no per-element branch) is about 2x faster.
            const base = b * perBatch;
            for (let k = 0; k < perBatch; k++) out[o++] = xv[xRow + idx[base + k]];
            continue;
          }
          for (let k = 0; k < perBatch; k++) {
            const start = (xRow + idx[b * perBatch + k]) * sliceSize;
            if (sliceSize >= 16) {
              out.set(xv.subarray(start, start + sliceSize), o);
              o += sliceSize;
            } else {
              for (let e = 0; e < sliceSize; e++) out[o++] = xv[start + e];
            }
          }
        }
      }
    });
  };
  return { ...original, kernelFunc: Object.assign(kernelFunc, { [WRAPPED]: true, [ORIGINAL]: original.kernelFunc }) };
}

export function isWrappedGatherV2(config: KernelConfig | undefined): boolean {
  return (config?.kernelFunc as { [WRAPPED]?: boolean } | undefined)?.[WRAPPED] === true;
}

export { GatherV2 };
