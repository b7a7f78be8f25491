import { encodeModule, I32, op, V128 } from './encode';

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

export type MacroKernel = (ap: number, bp: number, cp: number, mc: number, nc: number, kc: number, ldcBytes: number) => void;

export interface WasmGemm {
  memory: WebAssembly.Memory;
  macro: MacroKernel;
}

let cached: WasmGemm | null | undefined;

/**
 * The SIMD kernel instance, or null where WebAssembly SIMD is unavailable (then the caller uses the
 * JavaScript kernel). Compiled synchronously: the module is ~1 KB, well under the size browsers allow
 * for synchronous compilation on the main thread.
 */
export function wasmGemm(): WasmGemm | null {
  if (cached !== undefined) return cached;
  cached = null;
  try {
    if (typeof WebAssembly !== 'object') return cached;
    const bytes = encodeModule([{ name: 'macro', params: Array(7).fill(I32), locals: [...Array(6).fill(I32), ...Array(21).fill(V128)], body: macroKernel() }]);
    if (!WebAssembly.validate(bytes)) return cached;
    const memory = new WebAssembly.Memory({ initial: 1 });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    cached = { memory, macro: instance.exports.macro as MacroKernel };
  } catch {
    cached = null;
  }
  return cached;
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
