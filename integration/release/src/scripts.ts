import { CHECKS } from './checks';

export type ModuleFormat = 'esm' | 'cjs';

// Names a module namespace cannot take in strict code.
const RESERVED = new Set(['eval', 'arguments']);

/** '@smoa/llama/node' -> 'llamaNode', '@smoa/eval' -> 'evalPkg': the variable a check body uses for that module. */
export function namespaceName(specifier: string): string {
  const parts = specifier.replace(/^@[^/]+\//, '').split(/[/-]/);
  const name = parts.map((p, i) => (i === 0 ? p : p.charAt(0).toUpperCase() + p.slice(1))).join('');
  return RESERVED.has(name) ? `${name}Pkg` : name;
}

/**
 * A consumer script that loads every specifier the way its format does (static `import` or `require`),
 * checks each one resolved inside the consumer project (not a workspace copy), then runs the CHECKS of the
 * installed packages in order and prints one `ok <package>: <summary>` line per check.
 */
export function consumerScript(format: ModuleFormat, specifiers: string[], installed: string[]): string {
  const esm = format === 'esm';
  const load = (name: string, spec: string): string =>
    esm ? `import * as ${name} from '${spec}';` : `const ${name} = require('${spec}');`;
  const head = esm
    ? [
        `import assert from 'node:assert/strict';`,
        `import { join } from 'node:path';`,
        `import { fileURLToPath } from 'node:url';`,
        `const where = (s) => fileURLToPath(import.meta.resolve(s));`,
      ]
    : [`const assert = require('node:assert/strict');`, `const { join } = require('node:path');`, `const where = (s) => require.resolve(s);`];
  const imports = [load('tf', '@tensorflow/tfjs-core'), ...specifiers.map((s) => load(namespaceName(s), s))];
  const checks = Object.keys(CHECKS)
    .filter((pkg) => installed.includes(pkg))
    .map((pkg) => `  console.log('ok ${pkg}: ' + (await (async () => {${CHECKS[pkg]}\n  })()));`);
  const body = [
    `const tmp = process.argv[2];`,
    `const close = (a, b) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];`,
    `for (const s of ${JSON.stringify(specifiers)}) {`,
    `  assert.ok(where(s).startsWith(process.cwd()), s + ' resolved outside the consumer project: ' + where(s));`,
    `}`,
    `console.log('ok loaded ' + ${JSON.stringify(specifiers.join(', '))});`,
    ...checks,
  ];
  const run = esm
    ? body
    : [`(async () => {`, ...body.map((l) => '  ' + l), `})().catch((err) => { console.error(err); process.exit(1); });`];
  return [...head, ...imports, ...run].join('\n') + '\n';
}
