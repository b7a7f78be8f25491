import { sumOutType, UnsortedSegmentSum, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';
import { isWasmBackend, withOutput } from './heap';

/**
 * UnsortedSegmentSum is the gradient of gather (token embeddings, a tied lm_head), and the wasm
 * backend has no kernel for it. This one runs in one pass over x on the wasm heap: O(x.size), where
 * the cpu backend's kernel makes numSegments passes (32000 for a Llama vocabulary).
 *
 * Semantics follow tfjs: `segmentIds` covers the leading dims of x (rank 1, the usual case, or the
 * whole shape, which the cpu kernel also accepts); the output is [numSegments, ...x.shape.slice(1)]
 * for full-shape ids and [numSegments, ...x.shape.slice(idsRank)] otherwise; ids that are negative
 * or >= numSegments are dropped. The output dtype is sumOutType(x.dtype) (int32 for int32 and bool),
 * as in tfjs-node and webgl; the cpu backend returns float32 there, with the same values.
 */
const unsortedSegmentSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  if (!isWasmBackend(backend)) throw new Error('UnsortedSegmentSum (smoa): expected the wasm backend');
  if (segmentIds.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum: segmentIds must be int32, got ${segmentIds.dtype}`);
  }
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`UnsortedSegmentSum: numSegments must be a non-negative integer, got ${numSegments}`);
  }
  if (x.dtype === 'string' || x.dtype === 'complex64') {
    throw new Error(`UnsortedSegmentSum: x of dtype ${x.dtype} is not supported`);
  }
  const idsRank = segmentIds.shape.length;
  const xRank = x.shape.length;
  if (idsRank === 0 || idsRank > xRank || segmentIds.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(
      `UnsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must be a leading part of x shape [${x.shape}]`,
    );
  }
  // Full-shape ids keep x's trailing dims (as the cpu kernel does); leading-part ids drop theirs.
  const fullShape = idsRank === xRank && idsRank > 1;
  const outShape = fullShape ? [numSegments, ...x.shape.slice(1)] : [numSegments, ...x.shape.slice(idsRank)];
  // Per id: where its slice starts in x and in an output row, and how long it is.
  const inner = fullShape ? 1 : util.sizeFromShape(x.shape.slice(idsRank));
  const rowSize = util.sizeFromShape(outShape.slice(1));
  const idsPerRow = fullShape ? util.sizeFromShape(x.shape.slice(1)) : 1;
  const outDtype = sumOutType(x.dtype);

  return withOutput(backend, outShape, outDtype, [x, segmentIds], (out, xv, ids) => {
    out.fill(0);
    const n = ids.length;
    for (let k = 0; k < n; k++) {
      const s = ids[k];
      if (s < 0 || s >= numSegments) continue;
      const j = k % idsPerRow;
      const xBase = k * inner;
      const oBase = s * rowSize + j * inner;
      for (let e = 0; e < inner; e++) out[oBase + e] += xv[xBase + e];
    }
  });
};

export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum,
};
