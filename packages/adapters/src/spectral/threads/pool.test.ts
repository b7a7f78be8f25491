import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../testing/fixtures';
import { spectralFactors, type SpectralFactors } from '../factors';
import { matMulABt } from '../gemm';
import { spectralOrders } from '../order';
import { tridiagonalize } from '../tridiagonal';
import { setWasmKernels, wasmGemm } from '../wasm/gemm-kernel';
import { chooseSpectralThreads, parseThreadsEnv } from './threads';
import type { SpectralPool } from './pool';

// The pool runs the built worker (dist/spectral-worker.js; turbo builds before it tests), so the pool
// comes from dist too; the single-thread reference is this source tree's own spectralFactors.
const pkgDir = join(__dirname, '..', '..', '..');
const distNode = pathToFileURL(join(pkgDir, 'dist', 'node.js')).href;
const distIndex = pathToFileURL(join(pkgDir, 'dist', 'index.js')).href;
const tmp = join(pkgDir, '.tmp', 'spectral-pool');
mkdirSync(tmp, { recursive: true });

function weight(out: number, inn: number, seed: number): Float32Array {
  const rnd = seededRandom(seed);
  return Float32Array.from({ length: out * inn }, () => rnd() - 0.5);
}

/** Every factor, compared bit for bit (Object.is tells -0 from 0 and NaN from itself). */
function expectIdentical(got: SpectralFactors, want: SpectralFactors, what: string): void {
  expect(got.unitSide, what).toBe(want.unitSide);
  for (const key of ['s', 'uScaled', 'vScaled', 'unit'] as const) {
    expect(got[key].length, `${what} ${key}`).toBe(want[key].length);
    let differ = -1;
    for (let i = 0; i < want[key].length && differ < 0; i++) if (!Object.is(got[key][i], want[key][i])) differ = i;
    expect(differ, `${what} ${key}: first differing element`).toBe(-1);
  }
}

let pool: SpectralPool;

beforeAll(async () => {
  const { createSpectralPool } = (await import(distNode)) as typeof import('./pool');
  pool = createSpectralPool({ threads: 3 });
  await pool.ready();
});
afterAll(async () => {
  setWasmKernels(true);
  await pool?.close();
});

describe.each(wasmGemm() ? (['wasm', 'js'] as const) : (['js'] as const))('spectral pool (one-thread reference on %s kernels)', (path) => {
  it('gives bit-identical factors and block orders to one thread, both Gram sides and a ragged shape', () => {
    setWasmKernels(path === 'wasm');
    const before = pool.stats();
    for (const [out, inn, seed] of [[256, 384, 1], [384, 256, 2], [197, 203, 3]]) {
      const w = weight(out, inn, seed);
      const one = spectralFactors(w, out, inn);
      const many = spectralFactors(w, out, inn, pool);
      expectIdentical(many, one, `${out}x${inn}`);
      const [a, b] = [spectralOrders(one), spectralOrders(many)];
      expect(Array.from(b.rowOrder)).toEqual(Array.from(a.rowOrder));
      expect(Array.from(b.colOrder)).toEqual(Array.from(a.colOrder));
    }
    const after = pool.stats();
    // The products really were split, and the workers (not only this thread) computed row blocks.
    expect(after.parallel - before.parallel).toBeGreaterThan(10);
    expect(after.local - before.local).toBeGreaterThan(0);
    expect(after.workerBlocks - before.workerBlocks).toBeGreaterThan(0);
  });
});

describe('spectral pool: tridiagonalisation', () => {
  it('runs the trailing updates on the threads (shared WASM memory) with bit-identical d, e, tau and reflectors', () => {
    const n = 300;
    const x = Float64Array.from(weight(n, n + 20, 7));
    const g = matMulABt(x, x, n, n, n + 20, true);
    const before = pool.stats();
    const one = tridiagonalize(g, n);
    const many = tridiagonalize(g, n, pool);
    expect(pool.stats().parallel - before.parallel).toBeGreaterThan(3);
    for (const key of ['d', 'e', 'tau'] as const) expect(Array.from(many[key]), key).toEqual(Array.from(one[key]));
    // The reflectors: the strict lower triangle (the strict upper one is scratch, never read).
    for (let r = 1; r < n; r++) for (let c = 0; c < r; c++) if (!Object.is(many.a[r * n + c], one.a[r * n + c])) expect.fail(`reflector entry (${r}, ${c}) differs`);
  });
});

describe('spectral pool threads and lifetime', () => {
  it('takes the option, then SMOA_THREADS, then every core (at most 8), 1 under a test runner', () => {
    expect(chooseSpectralThreads(3, { SMOA_THREADS: '5' }, 16)).toBe(3);
    expect(chooseSpectralThreads(undefined, { SMOA_THREADS: ' 5 ' }, 16)).toBe(5);
    expect(chooseSpectralThreads(undefined, {}, 16)).toBe(8);
    expect(chooseSpectralThreads(undefined, { SMOA_THREADS: '' }, 2)).toBe(2);
    expect(chooseSpectralThreads(undefined, { VITEST: 'true' }, 16)).toBe(1);
    expect(pool.threads).toBe(3);
  });

  it('refuses a bad thread count naming the option or SMOA_THREADS', () => {
    for (const bad of ['lots', '0', '-2', '1.5']) expect(() => parseThreadsEnv(bad)).toThrow(`SMOA_THREADS: expected a positive integer, got ${JSON.stringify(bad)}`);
    expect(() => chooseSpectralThreads(0, {}, 4)).toThrow('createSpectralPool: threads must be a positive integer, got 0');
    expect(() => chooseSpectralThreads(2.5, {}, 4)).toThrow('createSpectralPool: threads must be a positive integer, got 2.5');
  });

  it('a script that uses the pool (and never closes it) exits by itself with the same orders', () => {
    const file = join(tmp, 'exits.mjs');
    writeFileSync(
      file,
      `import { spectralOrdersOf } from ${JSON.stringify(distIndex)};
import { useSpectralThreads } from ${JSON.stringify(distNode)};
const w = Float64Array.from({ length: 200 * 300 }, (_, i) => Math.sin(i * 0.37) + Math.cos(i * 1.3));
const one = spectralOrdersOf(w, 200, 300);
const pool = useSpectralThreads();
const many = spectralOrdersOf(w, 200, 300);
const same = one.rowOrder.join() === many.rowOrder.join() && one.colOrder.join() === many.colOrder.join();
console.log(JSON.stringify({ threads: pool.threads, same, parallel: pool.stats().parallel > 0 }));
`,
    );
    const env: NodeJS.ProcessEnv = { ...process.env, SMOA_THREADS: '2' };
    delete env.VITEST;
    // The timeout is what fails the test: a process kept alive by its workers hangs.
    const r = spawnSync(process.execPath, [file], { env, encoding: 'utf8', timeout: 90_000 });
    expect([r.signal, r.status, r.stderr]).toEqual([null, 0, '']);
    expect(JSON.parse(r.stdout)).toEqual({ threads: 2, same: true, parallel: true });
  });

  it('refuses products after close()', async () => {
    const { createSpectralPool } = (await import(distNode)) as typeof import('./pool');
    const p = createSpectralPool({ threads: 2 });
    await p.close();
    const a = p.alloc(4);
    expect(() => p.gemm(2, 2, 1, { data: a, rowStride: 1, colStride: 1 }, { data: a, rowStride: 2, colStride: 1 }, a)).toThrow('spectral pool: used after close()');
  });
});
