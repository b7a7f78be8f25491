// Spectral preprocessing time (float64 Gram + symmetric eigensolver + scores), paid once per target
// matrix. Run after `pnpm build`: node bench/spectral.mjs [--repeats N] [sizes...], e.g.
// node bench/spectral.mjs 1024x1024 2048x2048 2048x5632. Each figure is the median of N runs after one
// warm-up run; the 1-minute load average is recorded beside it because the machine may be shared.
import { loadavg } from 'node:os';
import { spectralOrdersOf } from '../dist/index.js';
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

export const name = 'spectral';

/** Records {name, value, unit, params}: median seconds to compute the SMoA block orders of one weight. */
export async function run({ shapes = [[1024, 1024], [2048, 2048], [2048, 5632]], runs = 5 } = {}) {
  const repeats = runs;
  const records = [];
  for (const [out, inn] of shapes) {
    const w = randomWeight(out, inn, out + inn);
    spectralOrdersOf(w, out, inn);
    const times = [];
    const loads = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      spectralOrdersOf(w, out, inn);
      times.push((performance.now() - t0) / 1000);
      loads.push(loadavg()[0]);
    }
    records.push({
      name: `adapters.spectral.${out}x${inn}`,
      value: median(times),
      unit: 's',
      params: { out, in: inn, runs: repeats, min: Math.min(...times), max: Math.max(...times), load1: median(loads), precision: 'float64', target2048: 7.5 },
    });
  }
  return records;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const r = args.indexOf('--repeats');
  const repeats = r >= 0 ? Number(args.splice(r, 2)[1]) : 5;
  const shapes = args.map((s) => s.split('x').map(Number));
  console.log(JSON.stringify(await run({ runs: repeats, ...(shapes.length ? { shapes } : {}) }), null, 1));
}
