// Every TypeScript and JavaScript block of every README, type-checked strictly and run (issue 16: the README
// examples must run as written). Flags and output blocks: see src/extract.ts and README.md here.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { toJavaScript, typeCheck, writePrograms, type WrittenProgram } from './check';
import { extractAll, programs } from './extract';
import { missingLines, runNode } from './run';

const packageDir = join(__dirname, '..');
const root = join(packageDir, '..', '..');
const work = join(packageDir, '.tmp', 'programs');
rmSync(work, { recursive: true, force: true });
const written = writePrograms(programs(extractAll(root)), work);
const name = (w: WrittenProgram) => `${w.program.block.readme}:${w.program.block.line}`;
let errors: Map<string, string[]>;

beforeAll(() => {
  errors = typeCheck(written, packageDir);
}, 300_000);

describe('README code blocks', () => {
  it('finds the blocks (every package README shows its API)', () => {
    expect(written.length).toBeGreaterThan(10);
    expect(written.filter((w) => w.program.runnable && !w.program.continued).length).toBeGreaterThan(5);
  });

  it.each(written.map((w) => [name(w), w] as const))('%s type-checks strictly', (_name, w) => {
    expect(errors.get(w.file)).toEqual([]);
  });

  const runnable = written.filter((w) => w.program.runnable && !w.program.continued);
  it.each(runnable.map((w) => [name(w), w] as const))('%s runs', async (_name, w) => {
    // Each program runs in its own empty folder (files it writes land there), next to this package's
    // node_modules so that its imports resolve as a user's would.
    const dir = join(work, 'run', w.file.slice(work.length + 1).replace(/\.\w+$/, ''));
    mkdirSync(dir, { recursive: true });
    const script = join(dir, 'main.mjs');
    writeFileSync(script, toJavaScript(w, readFileSync(w.file, 'utf8')));
    mkdirSync(dirname(script), { recursive: true });
    const result = await runNode(script, dir, 240_000);
    const report = `exit ${result.code ?? result.signal}\n--- stdout\n${result.stdout.slice(-4000)}\n--- stderr\n${result.stderr.slice(-4000)}`;
    expect(result.code, report).toBe(0);
    const expected = w.program.parts.flatMap((p) => p.expectedOutput);
    expect(missingLines(result.stdout, expected), `lines the README says it prints\n${report}`).toEqual([]);
  });
});
