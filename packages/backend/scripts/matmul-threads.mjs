#!/usr/bin/env node
// Quick measurement (not a test): wasm matmul GFLOP/s at 512/1024/2048, single-threaded vs the
// threaded SIMD build that `initBackend({ threads })` starts under Node.js. Each configuration runs
// in its own process (a process initialises the wasm backend once); rounds alternate between them
// so that load from other processes hits both alike; the table shows per-size medians.
//
//   node scripts/matmul-threads.mjs [rounds=3] [threads=2]     (after `pnpm build`)
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { median } from '../../../bench/stats.mjs';
import { fileURLToPath } from 'node:url';

const SIZES = [512, 1024, 2048];

if (process.argv[2] === '--child') {
  const threads = Number(process.argv[3]);
  const { initBackend } = await import('../dist/index.js');
  const tf = await import('@tensorflow/tfjs-core');
  const info = await initBackend({ prefer: 'wasm', threads });
  const result = { threads: info.threads, simd: info.simd, gflops: {} };
  for (const n of SIZES) {
    const a = tf.randomUniform([n, n], -1, 1, 'float32', 1);
    const b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
    tf.matMul(a, b).dispose(); // warm-up: XNNPACK packs b on first use
    const reps = Math.max(3, Math.round(4e9 / (2 * n ** 3)));
    const times = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      const c = tf.matMul(a, b);
      c.dataSync();
      times.push(performance.now() - t0);
      c.dispose();
    }
    times.sort((x, y) => x - y);
    result.gflops[n] = (2 * n ** 3) / (times[Math.floor(times.length / 2)] / 1e3) / 1e9;
    tf.dispose([a, b]);
  }
  console.log(JSON.stringify(result));
  process.exit(0);
}

const rounds = Number(process.argv[2] ?? 3);
const threaded = Number(process.argv[3] ?? 2);
const self = fileURLToPath(import.meta.url);
const runs = { 1: [], [threaded]: [] };
for (let r = 0; r < rounds; r++) {
  for (const t of [1, threaded]) {
    const p = spawnSync(process.execPath, [self, '--child', String(t)], { encoding: 'utf8' });
    if (p.status !== 0) throw new Error(`child (threads ${t}) failed:\n${p.stderr}`);
    const res = JSON.parse(p.stdout.trim().split('\n').pop());
    if (res.threads !== t) throw new Error(`asked for ${t} threads, got ${res.threads}`);
    runs[t].push(res);
  }
}
console.log(`wasm matmul, float32, ${availableParallelism()} logical cores, median of ${rounds} process runs (GFLOP/s)`);
console.log(`| n | 1 thread | ${threaded} threads | speed-up |`);
console.log('|---|---|---|---|');
for (const n of SIZES) {
  const one = median(runs[1].map((r) => r.gflops[n]));
  const many = median(runs[threaded].map((r) => r.gflops[n]));
  console.log(`| ${n} | ${one.toFixed(1)} | ${many.toFixed(1)} | ${(many / one).toFixed(2)}x |`);
}
