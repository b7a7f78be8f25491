import { jsMacroKernel, MR, NR, wasmGemm } from './wasm/gemm-kernel';

/** A strided matrix view: element (i, l) is data[offset + i * rowStride + l * colStride]. */
export interface Operand {
  data: Float64Array;
  offset?: number;
  rowStride: number;
  colStride: number;
}

export interface GemmOptions {
  /** C = (accumulate ? C : 0) + alpha A B. Default alpha 1, accumulate false. */
  alpha?: number;
  accumulate?: boolean;
  /** Only this triangle of C (i <= j: 'upper', i >= j: 'lower') is needed; blocks wholly outside it are skipped. */
  triangle?: 'upper' | 'lower';
  /** Offset and row stride of C; default 0 and n. */
  cOffset?: number;
  ldc?: number;
  /**
   * Index in the whole product of A's first row, when this call computes a row block of a larger C
   * (only the triangle skip needs it). Every element's sum runs over k in the same order whatever the
   * row blocks, so a product split by rows is bit-identical to the product in one call.
   */
  rowStart?: number;
}

// Cache blocking: an A block (MC x KC) stays in L2 while one B strip (KC x NR) sits in L1.
const KC = 256;
const MC = 128;
const NC = 512;

const roundUp = (x: number, m: number): number => Math.ceil(x / m) * m;

/**
 * C [m, n] = alpha A [m, k] B [k, n] in float64, packed into BLIS-style panels and run through a
 * WebAssembly SIMD (f64x2) macro-kernel, or the same kernel in JavaScript where WASM SIMD is missing.
 * Operands are strided views, so transposes and sub-matrices cost nothing beyond the packing.
 */
export function gemm(m: number, n: number, k: number, a: Operand, b: Operand, c: Float64Array, opts: GemmOptions = {}): void {
  const { alpha = 1, accumulate = false, triangle, cOffset = 0, ldc = n, rowStart = 0 } = opts;
  if (m === 0 || n === 0) return;
  const mpad = roundUp(m, MR);
  const npad = roundUp(n, NR);
  const kcMax = Math.min(KC, Math.max(k, 1));
  const aLen = MC * kcMax;
  const bLen = kcMax * npad;
  const wasm = wasmGemm();
  let ap: Float64Array, bp: Float64Array, cw: Float64Array;
  if (wasm) {
    const bytes = (aLen + bLen + mpad * npad) * 8;
    const have = wasm.memory.buffer.byteLength;
    if (have < bytes) wasm.memory.grow(Math.ceil((bytes - have) / 65536));
    const buf = wasm.memory.buffer;
    ap = new Float64Array(buf, 0, aLen);
    bp = new Float64Array(buf, aLen * 8, bLen);
    cw = new Float64Array(buf, (aLen + bLen) * 8, mpad * npad);
    cw.fill(0);
  } else {
    ap = new Float64Array(aLen);
    bp = new Float64Array(bLen);
    cw = new Float64Array(mpad * npad);
  }
  for (let pc = 0; pc < k; pc += KC) {
    const kc = Math.min(KC, k - pc);
    packB(b, pc, kc, n, npad, bp);
    for (let ic = 0; ic < m; ic += MC) {
      const mc = Math.min(MC, m - ic);
      const mcpad = roundUp(mc, MR);
      packA(a, ic, mc, mcpad, pc, kc, ap);
      // Column range of this row block that touches the wanted triangle.
      const gi = rowStart + ic;
      const jFrom = triangle === 'upper' ? Math.min(npad, gi - (gi % NR)) : 0;
      const jTo = triangle === 'lower' ? Math.min(npad, roundUp(gi + mc, NR)) : npad;
      for (let jc = jFrom; jc < jTo; jc += NC) {
        const nc = Math.min(NC, jTo - jc);
        if (wasm) wasm.macro(ap.byteOffset, bp.byteOffset + jc * kc * 8, cw.byteOffset + (ic * npad + jc) * 8, mcpad, nc, kc, npad * 8);
        else jsMacroKernel(ap, bp.subarray(jc * kc), cw, ic * npad + jc, mcpad, nc, kc, npad);
      }
    }
  }
  for (let i = 0; i < m; i++) {
    const src = i * npad;
    const dst = cOffset + i * ldc;
    if (accumulate) for (let j = 0; j < n; j++) c[dst + j] += alpha * cw[src + j];
    else if (alpha === 1) c.set(cw.subarray(src, src + n), dst);
    else for (let j = 0; j < n; j++) c[dst + j] = alpha * cw[src + j];
  }
}

/** Packs rows ic..ic+mc of A, columns pc..pc+kc, as MR-row strips (strip[l * MR + r]), zero-padded. */
function packA(a: Operand, ic: number, mc: number, mcpad: number, pc: number, kc: number, ap: Float64Array): void {
  const { data, offset = 0, rowStride, colStride } = a;
  for (let s = 0; s < mcpad; s += MR) {
    const base = s * kc;
    for (let r = 0; r < MR; r++) {
      if (s + r >= mc) {
        for (let l = 0; l < kc; l++) ap[base + l * MR + r] = 0;
        continue;
      }
      let src = offset + (ic + s + r) * rowStride + pc * colStride;
      for (let l = 0; l < kc; l++, src += colStride) ap[base + l * MR + r] = data[src];
    }
  }
}

/** Packs rows pc..pc+kc of B (all n columns) as NR-column strips (strip[l * NR + c]), zero-padded. */
function packB(b: Operand, pc: number, kc: number, n: number, npad: number, bp: Float64Array): void {
  const { data, offset = 0, rowStride, colStride } = b;
  for (let s = 0; s < npad; s += NR) {
    const base = s * kc;
    for (let c = 0; c < NR; c++) {
      if (s + c >= n) {
        for (let l = 0; l < kc; l++) bp[base + l * NR + c] = 0;
        continue;
      }
      let src = offset + pc * rowStride + (s + c) * colStride;
      for (let l = 0; l < kc; l++, src += rowStride) bp[base + l * NR + c] = data[src];
    }
  }
}

/** Row-major [rows, cols] matrix as an operand (transposed: the [cols, rows] view of the same data). */
export function rowMajor(data: Float64Array, cols: number, transposed = false, offset = 0): Operand {
  return transposed ? { data, offset, rowStride: 1, colStride: cols } : { data, offset, rowStride: cols, colStride: 1 };
}

/** Rows r0..r1 of the product C = alpha A B (+ C): the unit of work a thread takes. */
export function gemmRows(m: number, n: number, k: number, a: Operand, b: Operand, c: Float64Array, opts: GemmOptions, r0: number, r1: number): void {
  const { cOffset = 0, ldc = n, rowStart = 0 } = opts;
  const rows = Math.min(r1, m) - r0;
  if (rows <= 0) return;
  gemm(rows, n, k, { ...a, offset: (a.offset ?? 0) + r0 * a.rowStride }, b, c, { ...opts, cOffset: cOffset + r0 * ldc, ldc, rowStart: rowStart + r0 });
}

/**
 * Where the spectral pipeline runs its products: `gemm` on this thread, or a pool of threads that
 * splits them by row blocks (`@smoa/adapters/node`'s `createSpectralPool`). `alloc` gives the arrays
 * the products read and write, so a pool can hand out memory its threads share.
 */
export interface SpectralProducts {
  /** Threads the products run on (1: this thread only). */
  readonly threads: number;
  alloc(length: number): Float64Array;
  gemm(m: number, n: number, k: number, a: Operand, b: Operand, c: Float64Array, opts?: GemmOptions): void;
}

export const singleThread: SpectralProducts = { threads: 1, alloc: (length) => new Float64Array(length), gemm };

let processDefault: SpectralProducts = singleThread;

/** The products every spectral computation uses when it is not given any (`useSpectralThreads` sets it). */
export function defaultSpectralProducts(): SpectralProducts {
  return processDefault;
}

/** Sets (or, with null, resets to this thread) the process-wide default products. */
export function setDefaultSpectralProducts(products: SpectralProducts | null): void {
  processDefault = products ?? singleThread;
}

/**
 * C = A B^T in float64 for row-major A [m, p] and B [n, p]. With `symmetric` (A === B) only the upper
 * triangle is computed and then mirrored.
 */
export function matMulABt(a: Float64Array, b: Float64Array, m: number, n: number, p: number, symmetric = false, products: SpectralProducts = singleThread): Float64Array {
  const c = products.alloc(m * n);
  products.gemm(m, n, p, rowMajor(a, p), rowMajor(b, p, true), c, symmetric ? { triangle: 'upper' } : {});
  if (symmetric) {
    for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) c[i * n + j] = c[j * n + i];
  }
  return c;
}

/** C = A B in float64 for row-major A [m, p] and B [p, n]. */
export function matMul(a: Float64Array, b: Float64Array, m: number, n: number, p: number, products: SpectralProducts = singleThread): Float64Array {
  const c = products.alloc(m * n);
  products.gemm(m, n, p, rowMajor(a, p), rowMajor(b, n), c);
  return c;
}
