import { BatchMatMul, broadcast_util, getKernel, Transpose, util } from '@tensorflow/tfjs-core';
import type { BatchMatMulAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ORIGINAL, isWasmBackend } from './heap';

const WRAPPED = Symbol.for('smoa.backend.batchMatMul');

/** The parts of tfjs-backend-wasm's BackendWasm (4.22) that this kernel drives directly. */
interface WasmInternals {
  wasm: {
    cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
  };
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined };
  dataIdNextNumber: number;
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  disposeData(dataId: object): boolean;
}

function isInternals(b: unknown): b is WasmInternals {
  const x = b as Partial<WasmInternals> | null;
  return (
    isWasmBackend(b) &&
    typeof x?.wasm?.cwrap === 'function' &&
    typeof x.wasm.tfjs?.registerTensor === 'function' &&
    typeof x.wasm.tfjs.disposeData === 'function' &&
    typeof x.dataIdMap?.get === 'function' &&
    typeof x.dataIdNextNumber === 'number'
  );
}

type WasmMatMul = (aId: number, aShape: Uint8Array, aRank: number, bId: number, bShape: Uint8Array, bRank: number, tA: boolean, tB: boolean, outId: number) => void;
const matMulOf = new WeakMap<object, WasmMatMul>();

/** tfjs-backend-wasm's own C++ entry, the one its kernel calls (cwrap'd once per module). */
function wasmMatMul(b: WasmInternals): WasmMatMul {
  let f = matMulOf.get(b.wasm);
  if (!f) {
    f = b.wasm.cwrap(BatchMatMul, null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']) as WasmMatMul;
    matMulOf.set(b.wasm, f);
  }
  return f;
}

/** Output rows per XNNPACK product below which tfjs-backend-wasm's own loop is faster (measured). */
export const MIN_ROWS = 8;

const shapeBytes = (shape: number[]) => new Uint8Array(new Int32Array(shape).buffer);

/**
 * tfjs-backend-wasm's BatchMatMul (4.22) sends a product to XNNPACK's fast fully-connected kernel only
 * when both operands are single matrices and neither is transposed; every batched or transposed product
 * runs a naive scalar triple loop at about 1.5-2 GFLOP/s, against 30-60 for XNNPACK on the same machine.
 * Attention's products ([B, heads, T, d] x [B, heads, d, T]) and every transposed product in tfjs's
 * gradients take that loop. This kernel:
 * - transposes an operand that is marked transposed once, with the backend's Transpose kernel (a copy
 *   of the operand, which costs far less than the product);
 * - runs a batch as one product per matrix through the same C++ entry, on views into the operands'
 *   and output's heap buffers (tensor ids registered on an offset, no copies), and unregisters the
 *   views afterwards, which also frees the XNNPACK operator made for each view;
 * - runs [batch, M, K] x [K, N] (one shared right operand) as a single [batch * M, K] product.
 * A single untransposed product keeps the original kernel, so its XNNPACK operator stays cached on the
 * weight tensor across calls. Broadcasts other than "one side has batch 1" keep the original too.
 */
export function batchMatMulConfig(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    const backend = args.backend;
    if (!isInternals(backend) || a.dtype !== 'float32' || b.dtype !== 'float32') return original.kernelFunc(args);
    const ra = a.shape.length;
    const rb = b.shape.length;
    const [aRows, aCols] = [a.shape[ra - 2], a.shape[ra - 1]];
    const [bRows, bCols] = [b.shape[rb - 2], b.shape[rb - 1]];
    const M = transposeA ? aCols : aRows;
    const K = transposeA ? aRows : aCols;
    const N = transposeB ? bRows : bCols;
    const K2 = transposeB ? bCols : bRows;
    const batchA = util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = util.sizeFromShape(b.shape.slice(0, -2));
    const single = batchA === 1 && batchB === 1;
    if (K !== K2 || M * N * K === 0 || (single && !transposeA && !transposeB)) return original.kernelFunc(args);
    const outer = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const batch = Math.max(batchA, batchB);
    if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1) || util.sizeFromShape(outer) !== batch) {
      return original.kernelFunc(args);
    }
    // XNNPACK packs the right operand (K x N) for every matrix; the naive loop costs M K N. Below about
    // 8 output rows per product (generation's one-token attention) packing costs more than it saves:
    // [8, 1, 64] x [8, 64, 128] takes 0.53 ms this way and 0.14 ms in the loop, [8, 16, 64] x [8, 64, 128]
    // 0.52 ms against 1.49 ms.
    if ((batchB === 1 ? batch * M : M) < MIN_ROWS) return original.kernelFunc(args);
    const transposeKernel = getKernel(Transpose, 'wasm');
    if ((transposeA || transposeB) && !transposeKernel) return original.kernelFunc(args);
    const temps: TensorInfo[] = [];
    const plain = (x: TensorInfo, rows: number, cols: number, batchX: number, transposed: boolean): TensorInfo => {
      if (!transposed) return x;
      const view = { dataId: x.dataId, shape: [batchX, rows, cols], dtype: x.dtype };
      const t = transposeKernel!.kernelFunc({ inputs: { x: view }, backend, attrs: { perm: [0, 2, 1] } }) as TensorInfo;
      temps.push(t);
      return t;
    };
    const left = plain(a, aRows, aCols, batchA, transposeA);
    const right = plain(b, bRows, bCols, batchB, transposeB);
    const out = backend.makeOutput([...outer, M, N], 'float32');
    const run = wasmMatMul(backend);
    const idOf = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!;
    const [l, r, o] = [idOf(left), idOf(right), idOf(out)];
    if (batchB === 1) {
      // [batch, M, K] rows are contiguous: one [batch * M, K] x [K, N] product.
      run(l.id, shapeBytes([1, batch * M, K]), 3, r.id, shapeBytes([1, K, N]), 3, false, false, o.id);
    } else {
      const views: number[] = [];
      const view = (base: { memoryOffset: number }, index: number, size: number) => {
        const id = backend.dataIdNextNumber++;
        backend.wasm.tfjs.registerTensor(id, size, base.memoryOffset + index * size * 4);
        views.push(id);
        return id;
      };
      try {
        const aShape = shapeBytes([1, M, K]);
        const bShape = shapeBytes([1, K, N]);
        for (let i = 0; i < batch; i++) {
          const aId = batchA === 1 ? l.id : view(l, i, M * K);
          run(aId, aShape, 3, view(r, i, K * N), bShape, 3, false, false, view(o, i, M * N));
          // Unregistering the right operand's view also deletes the XNNPACK operator cached on it.
          for (const id of views.splice(0)) backend.wasm.tfjs.disposeData(id);
        }
      } finally {
        for (const id of views) backend.wasm.tfjs.disposeData(id);
      }
    }
    for (const t of temps) backend.disposeData(t.dataId);
    return out;
  };
  return { ...original, kernelFunc: Object.assign(kernelFunc, { [WRAPPED]: true, [ORIGINAL]: original.kernelFunc }) };
}

export function isWrappedBatchMatMul(config: KernelConfig | undefined): boolean {
  return (config?.kernelFunc as { [WRAPPED]?: boolean } | undefined)?.[WRAPPED] === true;
}

export { BatchMatMul };
