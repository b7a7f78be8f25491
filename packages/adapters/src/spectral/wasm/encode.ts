/**
 * A minimal WebAssembly binary writer: just enough to emit the float64 SIMD kernels in `gemm-wasm.ts`
 * at run time. Emitting the bytes from source keeps the package free of a compile step and of native
 * or toolchain dependencies, and works the same in Node and in browsers.
 */

export const I32 = 0x7f;
export const V128 = 0x7b;
export const F64 = 0x7c;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 for 32-bit integers. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** Instruction helpers; each returns its encoded bytes. Memory offsets are byte offsets. */
export const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  ltU: [0x49],
  geU: [0x4f],
  eqz: [0x45],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  v128Load: (offset: number) => [0xfd, ...uleb(0x00), 4, ...uleb(offset)],
  v128Store: (offset: number) => [0xfd, ...uleb(0x0b), 4, ...uleb(offset)],
  f64Splat: (offset: number) => [0xfd, ...uleb(0x0a), 3, ...uleb(offset)], // v128.load64_splat
  f64x2Add: [0xfd, ...uleb(0xf0)],
  f64x2SplatValue: [0xfd, ...uleb(0x14)],
  f64x2Lane: (lane: number) => [0xfd, ...uleb(0x21), lane],
  v128Zero: [0xfd, ...uleb(0x0c), ...Array(16).fill(0)],
  f64Load: (offset: number) => [0x2b, 3, ...uleb(offset)],
  f64Store: (offset: number) => [0x39, 3, ...uleb(offset)],
  f64Add: [0xa0],
  f64Mul: [0xa2],
  f64x2Mul: [0xfd, ...uleb(0xf2)],
};

export interface FunctionSpec {
  name: string;
  params: number[];
  locals: number[];
  body: number[];
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = Array.from(s, (c) => c.charCodeAt(0));
  return [...uleb(bytes.length), ...bytes];
}

/**
 * A module that imports its memory as env.memory and exports every function (no results). A `shared`
 * module imports a shared memory (limits flag 0x03: shared, with a maximum of 65536 pages = 4 GiB).
 */
export function encodeModule(functions: FunctionSpec[], shared = false): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [0x60, ...uleb(f.params.length), ...f.params, 0]);
  const limits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const memoryImport = [...name('env'), ...name('memory'), 0x02, ...limits];
  const bodies = functions.map((f) => {
    const runs: number[][] = [];
    for (const t of f.locals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    const code = [...vec(runs.map(([count, t]) => [...uleb(count), t])), ...f.body, 0x0b];
    return [...uleb(code.length), ...code];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([memoryImport])),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(bodies)),
  ]);
}
