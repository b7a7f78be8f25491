import { describe, expect, it } from 'vitest';
import { ISOMORPHIC_PACKAGES, browserEntries, packageDir } from './entries';
import { findBuiltinImports, formatImports } from './scan';

describe.each(ISOMORPHIC_PACKAGES.map((pkg) => [pkg]))('%s browser entries', (pkg) => {
  const entries = browserEntries(pkg);

  it('has an ESM and a CommonJS build for its main entry', () => {
    const main = entries.filter((e) => e.subpath === '.').map((e) => e.condition);
    expect(main.sort()).toEqual(['import', 'require']);
  });

  it.each(entries.map((e) => [`${e.subpath} (${e.condition})`, e] as const))('%s imports no Node built-in', async (_name, entry) => {
    const found = await findBuiltinImports(entry.file, { relativeTo: packageDir(pkg) });
    expect(found, `Node built-ins reachable from ${pkg} ${entry.subpath} (${entry.condition}):\n${formatImports(found)}`).toEqual([]);
  });
});
