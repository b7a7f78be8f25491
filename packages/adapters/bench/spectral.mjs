// Spectral preprocessing time (float64 Gram + symmetric eigensolver + scores), paid once per target
// matrix, on one thread and on a worker_threads pool side by side in the same run. Run after
// `pnpm build`: node bench/spectral.mjs [--repeats N] [--threads T] [sizes...], e.g.
// node bench/spectral.mjs 1024x1024 2048x2048 2048x5632. Each figure is the median of N runs after one
// warm-up run; the two variants alternate within each repeat so that a change in the machine's load
// hits both, and the 1-minute load average is recorded beside them because the machine may be shared.
import { loadavg } from 'node:os';
import { spectralOrdersOf } from '../dist/index.js';
import { createSpectralPool } from '../dist/node.js';
import { median } from '../../../bench/stats.mjs';

function randomWeight(out, inn, seed) {
  let s = seed >>> 0;
  const w = new Float32Array(out * inn);
  for (let i = 0; i < w.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    w[i] = (s / 4294967296 - 0.5) / Math.sqrt(inn);
  }
  return w;
}

const TARGETS = { '2048x2048': 5, '2048x5632': 12 };
const same = (a, b) => a.rowOrder.join() === b.rowOrder.join() && a.colOrder.join() === b.colOrder.join();

export const name = 'spectral';

/**
 * Records {name, value, unit, params}: median seconds to compute the SMoA block orders of one weight on
 * 1 thread and on `threads` (default: the pool's default, every core up to 8, or SMOA_THREADS), and
 * their ratio. The orders of the two runs are checked to be identical.
 */
export async function run({ shapes = [[1024, 1024], [2048, 2048], [2048, 5632]], runs = 5, threads } = {}) {
  const pool = createSpectralPool(threads === undefined ? {} : { threads });
  await pool.ready();
  const n = pool.threads;
  const records = [];
  try {
    for (const [out, inn] of shapes) {
      const w = randomWeight(out, inn, out + inn);
      const variants = [
        { threads: 1, orders: () => spectralOrdersOf(w, out, inn), times: [] },
        { threads: n, orders: () => spectralOrdersOf(w, out, inn, { products: pool }), times: [] },
      ];
      const [ref, par] = variants.map((v) => v.orders()); // warm-up
      if (!same(ref, par)) throw new Error(`spectral bench: ${out}x${inn} orders differ between 1 and ${n} threads`);
      const loads = [];
      for (let i = 0; i < runs; i++) {
        for (const v of i % 2 === 0 ? variants : [...variants].reverse()) {
          const t0 = performance.now();
          v.orders();
          v.times.push((performance.now() - t0) / 1000);
        }
        loads.push(loadavg()[0]);
      }
      const shape = `${out}x${inn}`;
      const common = { out, in: inn, runs, load1: median(loads), precision: 'float64' };
      const [one, many] = variants.map((v) => median(v.times));
      const target = TARGETS[shape];
      records.push({
        name: `adapters.spectral.${shape}.threads1`,
        value: one,
        unit: 's',
        params: { ...common, threads: 1, min: Math.min(...variants[0].times), max: Math.max(...variants[0].times) },
      });
      records.push({
        name: `adapters.spectral.${shape}`,
        value: many,
        unit: 's',
        params: { ...common, threads: n, min: Math.min(...variants[1].times), max: Math.max(...variants[1].times), ...(target ? { target } : {}) },
      });
      records.push({ name: `adapters.spectral.${shape}.speedup`, value: one / many, unit: 'ratio', params: { ...common, threads: n, ordersIdentical: true } });
    }
  } finally {
    await pool.close();
  }
  return records;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const take = (flag) => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args.splice(i, 2)[1]) : undefined;
  };
  const repeats = take('--repeats') ?? 5;
  const threads = take('--threads');
  const shapes = args.map((s) => s.split('x').map(Number));
  console.log(JSON.stringify(await run({ runs: repeats, threads, ...(shapes.length ? { shapes } : {}) }), null, 1));
}
