#!/usr/bin/env node
// Scaffolds packages/<dir> with the layout every @smoa package shares (tsup ESM+CJS with .d.ts from the root base,
// exports map with "types" first, vitest beside the code, publint + attw). Usage:
//   node scripts/new-package.mjs <dir> "<description>" [subpath ...]
// Each extra subpath (for example "node") becomes src/<subpath>.ts and the export "./<subpath>".
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [dir, description, ...subpaths] = process.argv.slice(2);
if (!dir || !description) {
  console.error('usage: node scripts/new-package.mjs <dir> "<description>" [subpath ...]');
  process.exit(2);
}
const pkgDir = join(root, 'packages', dir);
if (existsSync(join(pkgDir, 'package.json'))) {
  console.error(`packages/${dir} exists already`);
  process.exit(1);
}
mkdirSync(join(pkgDir, 'src'), { recursive: true });
const entries = ['index', ...subpaths];
const exportFor = (e) => ({
  import: { types: `./dist/${e}.d.ts`, default: `./dist/${e}.js` },
  require: { types: `./dist/${e}.d.cts`, default: `./dist/${e}.cjs` },
});
const exportsMap = { '.': exportFor('index') };
for (const s of subpaths) exportsMap[`./${s}`] = exportFor(s);
exportsMap['./package.json'] = './package.json';
const pkg = {
  name: `@smoa/${dir}`,
  version: '0.1.0',
  description,
  license: 'MIT',
  type: 'module',
  sideEffects: false,
  main: './dist/index.cjs',
  module: './dist/index.js',
  types: './dist/index.d.cts',
  exports: exportsMap,
  files: ['dist', 'README.md', 'CHANGELOG.md'],
  scripts: {
    build: 'tsup',
    test: 'vitest run',
    'lint:package': 'publint --strict && attw --pack . --profile node16',
    typecheck: 'tsc --noEmit',
  },
  publishConfig: { access: 'public' },
  repository: { type: 'git', url: 'git+https://github.com/smoa-js/smoa.git', directory: `packages/${dir}` },
  keywords: ['peft', 'lora', 'smoa', 'tensorflow', 'tfjs', 'fine-tuning'],
  engines: { node: '>=20' },
};
writeFileSync(join(pkgDir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
// The build and test settings live in the root tsup.shared.ts and vitest.shared.ts; entries come from the
// exports map above.
writeFileSync(join(pkgDir, 'tsup.config.ts'), `import { packageConfig } from '../../tsup.shared';\n\nexport default packageConfig();\n`);
writeFileSync(
  join(pkgDir, 'tsconfig.json'),
  JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src'] }, null, 2) + '\n',
);
writeFileSync(join(pkgDir, 'vitest.config.ts'), `import { packageTest } from '../../vitest.shared';\n\nexport default packageTest();\n`);
for (const e of entries) {
  const f = join(pkgDir, 'src', `${e}.ts`);
  if (!existsSync(f)) writeFileSync(f, `export {};\n`);
}
writeFileSync(join(pkgDir, 'README.md'), `# @smoa/${dir}\n\n${description}\n`);
console.log(`created packages/${dir}`);
