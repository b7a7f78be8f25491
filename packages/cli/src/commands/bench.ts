import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { intArg } from '../options/parse';

const REPOSITORY = 'https://github.com/smoa-js/smoa';

/**
 * The SMoA repository's scripts/bench.mjs at or above `from`, if `from` is inside a clone of it. The
 * root must be the SMoA workspace itself (its package.json is "smoa-monorepo"), so an unrelated
 * project that happens to have a scripts/bench.mjs is never run.
 */
export function findBenchScript(from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'scripts', 'bench.mjs');
    if (existsSync(candidate) && existsSync(join(dir, 'pnpm-workspace.yaml'))) {
      try {
        if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'smoa-monorepo') return candidate;
      } catch {
        // not our workspace; keep looking upwards
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('run the benchmarks of a SMoA repository clone (its scripts/bench.mjs, built); they are not part of the installed package')
    .option('--only <names>', 'comma-separated benchmark names (e.g. matmul,train-step)')
    .option('--runs <n>', 'runs per figure (the median is reported)', intArg(1))
    .option('--out <dir>', 'directory for latest.json and latest.md (default: the current directory)')
    .action((opts: { only?: string; runs?: number; out?: string }) => {
      // Only the current directory counts: an installed @smoa/cli has no benchmarks of its own.
      const script = findBenchScript(process.cwd());
      if (!script) {
        throw new Error(
          `bench: ${process.cwd()} is not inside a clone of the SMoA repository. The benchmarks are not part of the installed package: ` +
            `git clone ${REPOSITORY} && cd smoa && pnpm install && pnpm build, then run \`smoa bench\` (or \`pnpm bench\`) there`,
        );
      }
      const out = resolve(opts.out ?? process.cwd());
      const args = [...(opts.only ? [`--only=${opts.only}`] : []), ...(opts.runs ? [`--runs=${opts.runs}`] : []), `--out=${out}`];
      const r = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit', cwd: dirname(dirname(script)) });
      if (r.error) throw r.error;
      process.exitCode = r.status ?? 1;
    });
}
