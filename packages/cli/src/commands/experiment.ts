import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { formatSummaryMarkdown, parsePlan } from '@smoa/experiment';
import { runExperiment } from '@smoa/experiment/node';
import { describeBackend, startBackend } from './shared';
import { BACKEND_CHOICES } from '@smoa/backend';
import { Option } from 'commander';

interface ExperimentOpts {
  output?: string;
  backend?: string;
}

export function registerExperiment(program: Command): void {
  program
    .command('experiment')
    .description("run a plan of tasks x methods x learning rates x seeds: rate chosen on validation, seeds scored on test, mean ± sd tables and plots (resumable)")
    .argument('<plan.json>', 'the plan (see @smoa/experiment\'s README; examples/experiments/ has some)')
    .option('--output <dir>', 'output directory (default: <plan name>-results in the current directory); running again resumes it')
    .addOption(new Option('--backend <name>', 'tfjs backend to use (default: the fastest available, or SMOA_BACKEND)').choices(BACKEND_CHOICES as string[]))
    .action(async (planPath: string, opts: ExperimentOpts) => {
      let text: string;
      try {
        text = await readFile(planPath, 'utf8');
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new Error(`${planPath}: cannot read the plan (${e.code === 'ENOENT' ? 'no such file' : e.message})`);
      }
      let plan: unknown;
      try {
        plan = JSON.parse(text);
      } catch (err) {
        throw new Error(`${planPath}: not valid JSON (${(err as Error).message})`);
      }
      parsePlan(plan, planPath); // a bad plan fails here, before the backend starts
      const outDir = resolve(opts.output ?? `${basename(planPath).replace(/\.json$/i, '')}-results`);
      const info = await startBackend(opts.backend);
      process.stderr.write(describeBackend(info) + '\n');
      const r = await runExperiment(plan, { outDir, source: planPath });
      process.stdout.write(formatSummaryMarkdown(r.summary) + '\n');
      process.stdout.write(
        [`results: ${r.files.results}`, `summary: ${r.files.summaryMarkdown} and ${r.files.summaryJson}`, ...r.files.plots.map((p: string) => `plot: ${p}`)].join('\n') + '\n',
      );
    });
}
