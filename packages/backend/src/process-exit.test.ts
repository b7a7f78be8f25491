import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAX_WASM_THREADS } from './wasm-threads';

// Real scripts in child processes, against the built package (turbo builds before it tests): how a
// user's script ends after initBackend() is a property of the whole process, which no in-process
// test can see. The folder lives inside the package so that the scripts resolve its tfjs packages.
const pkgDir = join(__dirname, '..');
const dir = join(pkgDir, '.tmp', 'process-exit');
mkdirSync(dir, { recursive: true });
const dist = pathToFileURL(join(pkgDir, 'dist', 'index.js')).href;

/** The environment of a user's shell: no test-runner markers, no backend or thread overrides. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(VITEST|JEST_|NODE_TEST_CONTEXT$|SMOA_)/.test(k)) delete env[k];
  return { ...env, ...extra };
}

function runScript(name: string, body: string, env: NodeJS.ProcessEnv = userEnv()) {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(
    file,
    `import * as tf from '@tensorflow/tfjs-core';\nimport { initBackend } from ${JSON.stringify(dist)};\n${body}\n`,
  );
  // The timeout is what fails the "exits by itself" case: a process kept alive by its workers hangs.
  const r = spawnSync(process.execPath, [file], { cwd: dir, env, encoding: 'utf8', timeout: 90_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

const work = `
const info = await initBackend(OPTIONS);
const c = tf.matMul(tf.ones([300, 200]), tf.ones([200, 100]));
console.log(JSON.stringify({ threads: info.threads, warnings: info.warnings ?? [], value: (await c.data())[0] }));
`;
const script = (options: string, tail = '') => work.replace('OPTIONS', options) + tail;
const defaultThreads = Math.min(availableParallelism(), MAX_WASM_THREADS);

describe('a script that uses the wasm backend', () => {
  it('runs on every core by default (at most 8) and exits by itself, pthread workers and all', () => {
    const r = runScript('default-threads', script(`{ prefer: 'wasm' }`));
    expect(r.signal).toBeNull();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ threads: defaultThreads, warnings: [], value: 200 });
  });

  it('exits by itself with threads: 2 asked for explicitly', () => {
    const r = runScript('two-threads', script(`{ prefer: 'wasm', threads: 2 }`));
    expect([r.signal, r.code]).toEqual([null, 0]);
    expect(JSON.parse(r.stdout).threads).toBe(Math.min(2, availableParallelism()));
  });

  it('takes SMOA_THREADS, and names it when it is not a positive integer', () => {
    const one = runScript('env-threads', script(`{ prefer: 'wasm' }`), userEnv({ SMOA_THREADS: '1' }));
    expect([one.code, JSON.parse(one.stdout).threads]).toEqual([0, 1]);
    const bad = runScript('env-threads-bad', script(`{ prefer: 'wasm' }`), userEnv({ SMOA_THREADS: 'lots' }));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('SMOA_THREADS: expected a positive integer, got "lots"');
  });

  it('uses 1 thread by default under a test runner', () => {
    const r = runScript('test-runner', script(`{ prefer: 'wasm' }`), userEnv({ VITEST: 'true' }));
    expect([r.code, JSON.parse(r.stdout).threads]).toEqual([0, 1]);
  });

  // Before: exit code 7, and Node printed tfjs-backend-wasm's minified Emscripten handler line first.
  for (const [label, options] of [['single-threaded', `{ prefer: 'wasm', threads: 1 }`], ['threaded', `{ prefer: 'wasm', threads: 2 }`]] as const) {
    it(`lets the user's own uncaught error end the process with exit code 1 (${label})`, () => {
      const cases = {
        [`throw-${label}`]: `setTimeout(() => { throw new Error('the user\\'s own bug'); }, 5);`,
        [`top-level-${label}`]: `throw new Error('the user\\'s own bug');`,
        [`rejection-${label}`]: `Promise.reject(new Error('the user\\'s own bug'));`,
      };
      for (const [name, tail] of Object.entries(cases)) {
        const r = runScript(name, script(options, tail));
        expect({ name, code: r.code, signal: r.signal }).toEqual({ name, code: 1, signal: null });
        expect(r.stderr).toContain("Error: the user's own bug");
        expect(r.stderr).toContain(`${name}.mjs`);
        expect(r.stderr).not.toMatch(/tf-backend-wasm|tfjs-backend-wasm|Emscripten|ExitStatus/);
        expect(r.stderr.length).toBeLessThan(2000);
      }
    });
  }
});
