import { backend_util, GatherV2, util } from '@tensorflow/tfjs-core';
import type { GatherV2Attrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { isWasmBackend, withOutput } from './heap';

const WRAPPED = Symbol.for('smoa.backend.gatherV2');

/**
 * tfjs-backend-wasm's GatherV2 computes wrong values when batchDims > 0 (for
 * gather(x [2,3], [[2],[0]], axis 1, batchDims 1) it returns [[3],[~0]] where [[3],[4]] is right,
 * and larger inputs read out of bounds), e.g. picking each row's target log-probability. This
 * wrapper keeps the wasm kernel for batchDims 0 and gathers on the wasm heap otherwise.
 */
export function gatherV2Config(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { batchDims = 0, axis } = args.attrs as unknown as GatherV2Attrs;
    if (batchDims === 0) return original.kernelFunc(args);
    const { backend } = args;
    const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
    if (!isWasmBackend(backend)) throw new Error('GatherV2 (smoa): expected the wasm backend');
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
          for (let k = 0; k < perBatch; k++) {
            const start = (xRow + idx[b * perBatch + k]) * sliceSize;
            for (let e = 0; e < sliceSize; e++) out[o++] = xv[start + e];
          }
        }
      }
    });
  };
  return { ...original, kernelFunc: Object.assign(kernelFunc, { [WRAPPED]: true }) };
}

export function isWrappedGatherV2(config: KernelConfig | undefined): boolean {
  return (config?.kernelFunc as { [WRAPPED]?: boolean } | undefined)?.[WRAPPED] === true;
}

export { GatherV2 };
