import type { DataType, TensorInfo, TypedArray } from '@tensorflow/tfjs-core';

/**
 * The part of tfjs-backend-wasm's BackendWasm that kernels written in JavaScript use. Views come
 * straight from the wasm heap, so a kernel reads its inputs and writes its output without copies.
 */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): TypedArray;
}

export function isWasmBackend(backend: unknown): backend is WasmBackendLike {
  const b = backend as Partial<WasmBackendLike> | null;
  return typeof b?.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function';
}

/**
 * Allocates the output first and only then takes views of the inputs: allocating can grow the wasm
 * memory, which detaches every view taken before it.
 */
export function withOutput<T>(
  backend: WasmBackendLike,
  shape: number[],
  dtype: DataType,
  inputs: TensorInfo[],
  fill: (out: TypedArray, ...ins: TypedArray[]) => T,
): TensorInfo {
  const out = backend.makeOutput(shape, dtype);
  const outView = backend.typedArrayFromHeap(out);
  const inViews = inputs.map((t) => backend.typedArrayFromHeap(t));
  fill(outView, ...inViews);
  return out;
}

/**
 * Where a replaced kernel keeps tfjs-backend-wasm's own kernelFunc, so `pnpm bench` can time both
 * side by side (bench/kernels.mjs).
 */
export const ORIGINAL = Symbol.for('smoa.backend.originalKernel');
