#!/usr/bin/env node
// Runs every package's tests, type checks and package lints through turbo, then adds up the vitest JSON reports
// that each package writes to .tmp/vitest.json and prints one closing line for the whole workspace.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// At most 4 tasks at once: with more, on a 2-core machine a long synchronous stretch in one suite starves the
// other vitest workers' RPC ("Timeout calling onTaskUpdate"). A later --concurrency on the command line wins.
const turbo = spawnSync('turbo', ['run', 'test', 'typecheck', 'lint:package', '--continue', '--concurrency=4', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});

let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const group of ['packages', 'examples', 'integration']) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const report = join(dir, name, '.tmp', 'vitest.json');
    if (!existsSync(report)) continue;
    const r = JSON.parse(readFileSync(report, 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    rows.push(`  ${group}/${name}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
  }
}
console.log('\nTest summary by package:');
console.log(rows.join('\n'));
const code = turbo.status ?? 1;
if (code !== 0 && failed === 0) failed = 1; // a build or lint failure counts even if no test failed
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(code);
