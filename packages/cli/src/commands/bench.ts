import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

/** The repository's scripts/bench.mjs above `from`, if this runs inside a source checkout. */
export function findBenchScript(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, 'scripts', 'bench.mjs');
    if (existsSync(candidate) && existsSync(join(dir, 'pnpm-workspace.yaml'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('run the repository benchmarks (scripts/bench.mjs; needs a source checkout, built)')
    .allowExcessArguments(true)
    .argument('[args...]', 'passed on to scripts/bench.mjs')
    .action((args: string[]) => {
      const here = dirname(fileURLToPath(import.meta.url));
      const script = findBenchScript(process.cwd()) ?? findBenchScript(here);
      if (!script) throw new Error('bench: no scripts/bench.mjs found above the current directory or this package; `smoa bench` runs inside a clone of the SMoA repository');
      const r = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit', cwd: dirname(dirname(script)) });
      if (r.error) throw r.error;
      process.exitCode = r.status ?? 1;
    });
}
