// The PyTorch anchor (issue 15): the train-step bench's LoRA step timed in PyTorch on the same shape,
// threads and machine, and train_step_vs_pytorch = ours / theirs. Runs only where some python3 can
// `import torch` (Debian: apt-get install python3-torch libopenblas0-pthread); elsewhere it prints one
// line saying so and records nothing. Never a test dependency.
//
// Debian's torch calls whatever libblas.so.3 the alternatives system points to. Without OpenBLAS that
// is netlib's reference BLAS, whose matmul runs ~30x slower (4 vs 137 GFLOP/s measured here), and a
// ratio against it would flatter us; so the BLAS torch really mapped is printed and recorded, and no
// ratio is reported against the reference BLAS.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHAPE } from './train-step.mjs';

export const name = 'pytorch';

const here = dirname(fileURLToPath(import.meta.url));
const LORA_LABEL = 'LoRA r16';

/** The first python that can import torch: SMOA_PYTHON, python3 on PATH, then the system's. */
export function findTorchPython(candidates = [process.env.SMOA_PYTHON, 'python3', '/usr/bin/python3']) {
  const tried = [];
  for (const py of candidates) {
    if (!py || tried.includes(py)) continue;
    tried.push(py);
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000 });
    if (r.status === 0) return { python: py, torch: r.stdout.trim(), tried };
  }
  return { python: undefined, tried };
}

export async function run({ runs, info, records = [] }) {
  const found = findTorchPython();
  if (found.python === undefined) {
    console.log(`  pytorch: skipped, no python with torch (tried ${found.tried.join(', ')}; Debian: apt-get install python3-torch libopenblas0-pthread)`);
    return [];
  }
  const threads = info?.threads ?? 1;
  const args = JSON.stringify({ ...SHAPE, r: 16, threads, runs: Math.min(runs, 5) });
  // OpenBLAS starts its own thread pool at load time; without the cap it adds its threads to torch's
  // OpenMP threads, and on a busy machine the oversubscription tripled the step time.
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  const r = spawnSync(found.python, [join(here, 'pytorch_step.py'), args], { encoding: 'utf8', env, timeout: 600_000 });
  if (r.status !== 0) {
    console.log(`  pytorch: skipped, ${found.python} bench/pytorch_step.py failed (exit ${r.status ?? r.signal}): ${(r.stderr || '').trim().split('\n').pop()}`);
    return [];
  }
  const res = JSON.parse(r.stdout.trim().split('\n').pop());
  console.log(`  pytorch: torch ${res.torch} via ${found.python}, ${res.threads} thread(s), BLAS ${res.blas} (sgemm_ from ${res.sgemmFrom ?? 'no library torch exposes'}), matmul 1024: ${res.matmulGflops1024.toFixed(1)} GFLOP/s`);
  const params = { adapter: LORA_LABEL, torch: res.torch, blas: res.blas, threads: res.threads, trainable: res.trainable, ...SHAPE };
  const out = [
    { name: 'pytorch_train_step_ms', value: res.ms, unit: 'ms', params },
    { name: 'pytorch_matmul_gflops', value: res.matmulGflops1024, unit: 'GFLOP/s', params: { n: 1024, blas: res.blas, threads: res.threads } },
  ];
  if (res.blas === 'reference') {
    console.log(`  pytorch: refusing train_step_vs_pytorch: torch's sgemm_ is netlib's reference BLAS (${res.sgemmFrom}, ${res.matmulGflops1024.toFixed(1)} GFLOP/s), ~30x slower than OpenBLAS; apt-get install libopenblas0-pthread`);
    return out;
  }
  const ours = records.find((x) => x.name === 'train_step_ms' && x.params?.adapter === LORA_LABEL);
  if (ours === undefined) {
    console.log(`  pytorch: no train_step_vs_pytorch: the train-step bench did not run in this run (--only=train-step,pytorch)`);
    return out;
  }
  out.push({ name: 'train_step_vs_pytorch', value: ours.value / res.ms, unit: 'x', params: { adapter: LORA_LABEL, oursMs: ours.value, pytorchMs: res.ms, blas: res.blas, threads: res.threads, target: 3 } });
  return out;
}
