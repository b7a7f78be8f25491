import { encodeModule, F64, I32, op, V128 } from './encode';

/** Rows and columns of the register tile: 4 x 8 doubles, 16 f64x2 accumulators. */
export const MR = 4;
export const NR = 8;

/**
 * The GEMM macro-kernel on packed panels (BLIS/GotoBLAS layout): `ap` holds `mc / MR` strips of MR
 * rows with k fastest-but-one (strip[k * MR + r]), `bp` holds `nc / NR` strips (strip[k * NR + c]);
 * C (row stride `ldc` bytes) is updated in place: C += Ap Bp. All sizes are in elements except ldc,
 * and mc, nc are multiples of MR, NR. The column strip loop is outside so one B strip stays in L1 while
 * the A block (kept small by the caller) streams from L2.
 */
function macroKernel(): number[] {
  const [ap, bp, cp, mc, nc, kc, ldc, jr, ir, k, a, b, c] = Array.from({ length: 13 }, (_, i) => i);
  const acc = (r: number, q: number) => 13 + r * 4 + q;
  const bv = (q: number) => 29 + q;
  const x = 33;
  const rowAddr = (r: number) => (r === 0 ? op.get(c) : [...op.get(c), ...op.get(ldc), ...op.i32(r), ...op.mul, ...op.add]);
  const tile = (store: boolean) => {
    const out: number[] = [];
    for (let r = 0; r < MR; r++) {
      for (let q = 0; q < 4; q++) {
        if (store) out.push(...rowAddr(r), ...op.get(acc(r, q)), ...op.v128Store(q * 16));
        else out.push(...rowAddr(r), ...op.v128Load(q * 16), ...op.set(acc(r, q)));
      }
    }
    return out;
  };
  const inner: number[] = [];
  for (let q = 0; q < 4; q++) inner.push(...op.get(b), ...op.v128Load(q * 16), ...op.set(bv(q)));
  for (let r = 0; r < MR; r++) {
    inner.push(...op.get(a), ...op.f64Splat(r * 8), ...op.set(x));
    for (let q = 0; q < 4; q++) {
      inner.push(...op.get(acc(r, q)), ...op.get(x), ...op.get(bv(q)), ...op.f64x2Mul, ...op.f64x2Add, ...op.set(acc(r, q)));
    }
  }
  const body = [
    ...op.i32(0), ...op.set(jr),
    ...op.block, ...op.loop,
    ...op.get(jr), ...op.get(nc), ...op.geU, ...op.brIf(1),
    ...op.i32(0), ...op.set(ir),
    ...op.block, ...op.loop,
    ...op.get(ir), ...op.get(mc), ...op.geU, ...op.brIf(1),
    ...op.get(ap), ...op.get(ir), ...op.get(kc), ...op.mul, ...op.i32(8), ...op.mul, ...op.add, ...op.set(a),
    ...op.get(bp), ...op.get(jr), ...op.get(kc), ...op.mul, ...op.i32(8), ...op.mul, ...op.add, ...op.set(b),
    ...op.get(cp), ...op.get(ir), ...op.get(ldc), ...op.mul, ...op.add, ...op.get(jr), ...op.i32(8), ...op.mul, ...op.add, ...op.set(c),
    ...tile(false),
    ...op.get(kc), ...op.set(k),
    ...op.block, ...op.loop,
    ...op.get(k), ...op.eqz, ...op.brIf(1),
    ...inner,
    ...op.get(a), ...op.i32(MR * 8), ...op.add, ...op.set(a),
    ...op.get(b), ...op.i32(NR * 8), ...op.add, ...op.set(b),
    ...op.get(k), ...op.i32(1), ...op.sub, ...op.set(k),
    ...op.br(0),
    ...op.end, ...op.end,
    ...tile(true),
    ...op.get(ir), ...op.i32(MR), ...op.add, ...op.set(ir),
    ...op.br(0),
    ...op.end, ...op.end,
    ...op.get(jr), ...op.i32(NR), ...op.add, ...op.set(jr),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
  return body;
}

/**
 * y[0:m] += A(s:n, s:n) v for a row-major symmetric A read from its lower triangle only, two rows per
 * pass (each stored element is loaded once and used for both its row and its column). Handles rows
 * in pairs; an odd last row is left to the caller. Pointers are byte addresses.
 */
function symvKernel(): number[] {
  const [a, n, s, v, y, m, r, cb, rb, row0, row1, addr] = Array.from({ length: 12 }, (_, i) => i);
  const [acc0, acc1, v0s, v1s, x0, x1, vc] = [12, 13, 14, 15, 16, 17, 18];
  const [v0, v1] = [19, 20];
  const fma = (acc: number, xa: number, xb: number) => [...op.get(acc), ...op.get(xa), ...op.get(xb), ...op.f64x2Mul, ...op.f64x2Add, ...op.set(acc)];
  const finish = (acc: number, diag: number[], off: number[], mine: number, other: number, yOff: number) => [
    ...op.get(y), ...op.get(rb), ...op.add, ...op.tee(addr),
    ...op.get(addr), ...op.f64Load(yOff),
    ...op.get(acc), ...op.f64x2Lane(0), ...op.f64Add,
    ...op.get(acc), ...op.f64x2Lane(1), ...op.f64Add,
    ...diag, ...op.get(mine), ...op.f64Mul, ...op.f64Add,
    ...off, ...op.get(other), ...op.f64Mul, ...op.f64Add,
    ...op.f64Store(yOff),
  ];
  const at = (row: number, extra: number) => [...op.get(row), ...op.get(rb), ...op.add, ...op.f64Load(extra)];
  return [
    ...op.i32(0), ...op.set(r),
    ...op.block, ...op.loop,
    ...op.get(r), ...op.i32(1), ...op.add, ...op.get(m), ...op.geU, ...op.brIf(1),
    ...op.get(r), ...op.i32(8), ...op.mul, ...op.set(rb),
    ...op.get(a), ...op.get(s), ...op.get(r), ...op.add, ...op.get(n), ...op.mul, ...op.get(s), ...op.add, ...op.i32(8), ...op.mul, ...op.add, ...op.tee(row0),
    ...op.get(n), ...op.i32(8), ...op.mul, ...op.add, ...op.set(row1),
    ...op.get(v), ...op.get(rb), ...op.add, ...op.f64Load(0), ...op.tee(v0), ...op.f64x2SplatValue, ...op.set(v0s),
    ...op.get(v), ...op.get(rb), ...op.add, ...op.f64Load(8), ...op.tee(v1), ...op.f64x2SplatValue, ...op.set(v1s),
    ...op.v128Zero, ...op.set(acc0), ...op.v128Zero, ...op.set(acc1),
    ...op.i32(0), ...op.set(cb),
    ...op.block, ...op.loop,
    ...op.get(cb), ...op.get(rb), ...op.geU, ...op.brIf(1),
    ...op.get(row0), ...op.get(cb), ...op.add, ...op.v128Load(0), ...op.set(x0),
    ...op.get(row1), ...op.get(cb), ...op.add, ...op.v128Load(0), ...op.set(x1),
    ...op.get(v), ...op.get(cb), ...op.add, ...op.v128Load(0), ...op.set(vc),
    ...fma(acc0, x0, vc), ...fma(acc1, x1, vc),
    ...op.get(y), ...op.get(cb), ...op.add, ...op.tee(addr),
    ...op.get(addr), ...op.v128Load(0),
    ...op.get(x0), ...op.get(v0s), ...op.f64x2Mul, ...op.f64x2Add,
    ...op.get(x1), ...op.get(v1s), ...op.f64x2Mul, ...op.f64x2Add,
    ...op.v128Store(0),
    ...op.get(cb), ...op.i32(16), ...op.add, ...op.set(cb),
    ...op.br(0),
    ...op.end, ...op.end,
    ...finish(acc0, at(row0, 0), at(row1, 0), v0, v1, 0),
    ...finish(acc1, at(row1, 8), at(row1, 0), v1, v0, 8),
    ...op.get(r), ...op.i32(2), ...op.add, ...op.set(r),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

export type MacroKernel = (ap: number, bp: number, cp: number, mc: number, nc: number, kc: number, ldcBytes: number) => void;
export type SymvKernel = (a: number, n: number, s: number, v: number, y: number, m: number) => void;

export interface Kernels {
  memory: WebAssembly.Memory;
  macro: MacroKernel;
  symv: SymvKernel;
}

const compiled: [WebAssembly.Module | null | undefined, WebAssembly.Module | null | undefined] = [undefined, undefined];
let shared: Kernels | null | undefined;
let disabled = false;

/**
 * The compiled SIMD module (importing a shared memory when `sharedMemory`), or null where WebAssembly
 * SIMD (or shared memory) is unavailable; callers then use the JavaScript kernels. Compiled
 * synchronously: the module is ~2 KB, well under the size browsers allow for synchronous compilation
 * on the main thread.
 */
function kernelModule(sharedMemory: boolean): WebAssembly.Module | null {
  const slot = sharedMemory ? 1 : 0;
  const have = compiled[slot];
  if (have !== undefined) return have;
  compiled[slot] = null;
  try {
    if (typeof WebAssembly !== 'object') return null;
    const bytes = encodeModule(
      [
        { name: 'macro', params: Array(7).fill(I32), locals: [...Array(6).fill(I32), ...Array(21).fill(V128)], body: macroKernel() },
        { name: 'symv', params: Array(6).fill(I32), locals: [...Array(6).fill(I32), ...Array(7).fill(V128), F64, F64], body: symvKernel() },
      ],
      sharedMemory,
    );
    if (WebAssembly.validate(bytes)) compiled[slot] = new WebAssembly.Module(bytes);
  } catch {
    compiled[slot] = null;
  }
  return compiled[slot];
}

/**
 * Kernels bound to a memory of their own (at least `bytes` long), or null without WASM SIMD. With
 * `sharedMemory` the memory is a SharedArrayBuffer that worker threads can read and write (fixed size:
 * it never grows); null where shared WebAssembly memory is unavailable.
 */
export function kernelsWithMemory(bytes: number, sharedMemory = false): Kernels | null {
  const module = disabled ? null : kernelModule(sharedMemory);
  if (!module) return null;
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory(sharedMemory ? { initial: pages, maximum: pages, shared: true } : { initial: pages });
  } catch {
    return null;
  }
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  return { memory, macro: exports.macro as MacroKernel, symv: exports.symv as SymvKernel };
}

/** The process-wide kernel instance used for gemm scratch space, or null without WASM SIMD. */
export function wasmGemm(): Kernels | null {
  if (disabled) return null;
  if (shared === undefined) shared = kernelsWithMemory(65536);
  return shared;
}

/** Forces the JavaScript kernels (tests and benchmarks compare both paths). */
export function setWasmKernels(enabled: boolean): void {
  disabled = !enabled;
}

/** Whether the WASM kernels are in use (a thread pool makes its workers follow the caller). */
export function wasmKernelsEnabled(): boolean {
  return !disabled;
}

/** The same macro-kernel in plain JavaScript (4 x 4 register tiles), for engines without WASM SIMD. */
export function jsMacroKernel(ap: Float64Array, bp: Float64Array, c: Float64Array, cOff: number, mc: number, nc: number, kc: number, ldc: number): void {
  for (let jr = 0; jr < nc; jr += NR) {
    for (let half = 0; half < NR; half += 4) {
      for (let ir = 0; ir < mc; ir += MR) {
        let a = ir * kc;
        let b = jr * kc + half;
        const r0 = cOff + ir * ldc + jr + half, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
        let c00 = c[r0], c01 = c[r0 + 1], c02 = c[r0 + 2], c03 = c[r0 + 3];
        let c10 = c[r1], c11 = c[r1 + 1], c12 = c[r1 + 2], c13 = c[r1 + 3];
        let c20 = c[r2], c21 = c[r2 + 1], c22 = c[r2 + 2], c23 = c[r2 + 3];
        let c30 = c[r3], c31 = c[r3 + 1], c32 = c[r3 + 2], c33 = c[r3 + 3];
        for (let k = 0; k < kc; k++, a += MR, b += NR) {
          const x0 = ap[a], x1 = ap[a + 1], x2 = ap[a + 2], x3 = ap[a + 3];
          const y0 = bp[b], y1 = bp[b + 1], y2 = bp[b + 2], y3 = bp[b + 3];
          c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
          c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
          c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
          c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
        }
        c[r0] = c00; c[r0 + 1] = c01; c[r0 + 2] = c02; c[r0 + 3] = c03;
        c[r1] = c10; c[r1 + 1] = c11; c[r1 + 2] = c12; c[r1 + 3] = c13;
        c[r2] = c20; c[r2 + 1] = c21; c[r2 + 2] = c22; c[r2 + 3] = c23;
        c[r3] = c30; c[r3 + 1] = c31; c[r3 + 2] = c32; c[r3 + 3] = c33;
      }
    }
  }
}
