#!/usr/bin/env node
// `pnpm bench`: runs every benchmark module side by side in one process on one backend and writes
// bench-results/latest.json (an array of { name, value, unit, params }) and bench-results/latest.md.
// Figures that are compared (e.g. adapters' step times) come from the same module in the same run.
import { mkdir, writeFile, rename } from 'node:fs/promises';
import { cpus, totalmem, platform, arch } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const runs = Number(args.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs: expected a positive integer, got ${args.find((a) => a.startsWith('--runs='))}`);
  process.exit(2);
}

// Each module exports `name` and `run({ runs, info, records }) -> Promise<record[]>`. Paths are relative to the
// repo root; a module whose file does not exist yet is reported as missing rather than failing the run.
const MODULES = [
  'bench/matmul.mjs',
  'bench/kernels.mjs',
  'packages/adapters/bench/spectral.mjs',
  'bench/train-step.mjs',
  'bench/pytorch.mjs',
  'packages/llama/bench/generate.mjs',
  'bench/memory.mjs',
];

const { initBackend, backendReport, adapterLabel } = await import('@smoa/backend');
// On a machine with a GPU this runs on webgpu (Dawn, @smoa/backend's optional `webgpu` peer) unchanged;
// SMOA_BACKEND / SMOA_WEBGPU_ADAPTER choose otherwise (e.g. SMOA_WEBGPU_ADAPTER=swiftshader).
const info = await initBackend();
const environment = {
  backend: info.name,
  source: info.source,
  threads: info.threads,
  simd: info.simd ?? null,
  adapter: info.adapter ? adapterLabel(info.adapter) : null,
  machine: `${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()}-${arch()}`,
  node: process.version,
  date: new Date().toISOString(),
  runs,
};
console.log(backendReport(info));

const records = [{ name: 'environment', value: 1, unit: 'info', params: environment }];
for (const rel of MODULES) {
  const file = join(root, rel);
  if (!existsSync(file)) {
    console.warn(`bench: ${rel} is missing; skipped`);
    continue;
  }
  const mod = await import(pathToFileURL(file).href);
  if (only && !only.includes(mod.name)) continue;
  const t0 = Date.now();
  console.log(`\n== ${mod.name} (${rel})`);
  // records: what earlier modules measured in this run, for ratios across modules (pytorch vs train-step).
  const out = await mod.run({ runs, info, records });
  for (const r of out) {
    records.push(r);
    console.log(`  ${r.name} ${formatValue(r.value)} ${r.unit}  ${JSON.stringify(r.params)}`);
  }
  console.log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

function formatValue(v) {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

function markdown(recs) {
  const lines = [
    `# Benchmark results`,
    '',
    `backend ${environment.backend} (${environment.source})${environment.adapter ? `, adapter ${environment.adapter}` : ''}, threads ${environment.threads}, simd ${environment.simd}, ${environment.machine}, node ${environment.node}, ${environment.date}; each figure is the median of ${runs} runs after a warm-up.`,
    '',
    '| figure | value | unit | parameters |',
    '| --- | ---: | --- | --- |',
  ];
  for (const r of recs.slice(1)) {
    const p = Object.entries(r.params ?? {}).map(([k, v]) => `${k}=${typeof v === 'number' ? formatValue(v) : v}`).join(', ');
    lines.push(`| ${r.name} | ${formatValue(r.value)} | ${r.unit} | ${p} |`);
  }
  return lines.join('\n') + '\n';
}

// --out=<dir> (what `smoa bench --out` passes); default bench-results/ in the repository.
const outArg = args.find((a) => a.startsWith('--out='))?.slice(6);
const outDir = outArg ? resolve(outArg) : join(root, 'bench-results');
await mkdir(outDir, { recursive: true });
for (const [file, text] of [['latest.json', JSON.stringify(records, null, 2) + '\n'], ['latest.md', markdown(records)]]) {
  const tmp = join(outDir, `.${file}.tmp`);
  await writeFile(tmp, text);
  await rename(tmp, join(outDir, file));
}
console.log(`\nwrote ${join(outDir, 'latest.json')} and ${join(outDir, 'latest.md')}`);
