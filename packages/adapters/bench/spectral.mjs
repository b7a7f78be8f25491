// Spectral preprocessing time (float64 Gram + symmetric eigensolver + scores), paid once per target
// matrix. Run: node bench/spectral.mjs [sizes...] (after `pnpm build`), e.g. node bench/spectral.mjs 1024x1024.
import { spectralOrdersOf } from '../dist/index.js';

function randomWeight(out, inn, seed) {
  let s = seed >>> 0;
  const w = new Float32Array(out * inn);
  for (let i = 0; i < w.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    w[i] = (s / 4294967296 - 0.5) / Math.sqrt(inn);
  }
  return w;
}

/** Records {name, value, unit, params}: seconds to compute the SMoA block orders of one weight. */
export async function run({ shapes = [[1024, 1024], [2048, 2048], [2048, 5632]], repeats = 1 } = {}) {
  const records = [];
  for (const [out, inn] of shapes) {
    const w = randomWeight(out, inn, out + inn);
    const times = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      spectralOrdersOf(w, out, inn);
      times.push((performance.now() - t0) / 1000);
    }
    times.sort((a, b) => a - b);
    records.push({ name: `adapters.spectral.${out}x${inn}`, value: times[Math.floor(times.length / 2)], unit: 's', params: { out, in: inn, repeats, precision: 'float64', target2048: 7.5 } });
  }
  return records;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2).map((s) => s.split('x').map(Number));
  console.log(JSON.stringify(await run(args.length ? { shapes: args } : {}), null, 1));
}
