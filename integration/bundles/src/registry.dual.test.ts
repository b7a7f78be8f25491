// The dual-package hazard for the one piece of mutable module state users touch: @smoa/datasets' task
// registry. An app that imports the ESM build while one of its dependencies requires the CommonJS build gets
// two copies of every module; a task registered through one copy must still be found by name through the
// other, which is why the registry lives on globalThis under Symbol.for (tasks/builtin.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEntries } from './identity';

// The namespaces are loaded at run time from the built files.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const dir = mkdtempSync(join(tmpdir(), 'smoa-registry-dual-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function task(e: Any, name: string) {
  const fields = ['question', 'answer'];
  return {
    name,
    description: 'question -> short answer',
    kind: 'dialogue',
    metric: 'accuracy',
    files: { test: `${name}.jsonl` },
    fields,
    template: e.createPromptTemplate('Q: {question}\nA:', { name, fields }),
    extractAnswer: (text: string) => text.trim(),
    async read(source: unknown) {
      const records = await e.readRecords(source, { question: 'string', answer: 'string' });
      return records.map(({ index, value }: Any) => ({ index, fields: value, target: ` ${value.answer}`, answer: value.answer }));
    },
  };
}

describe('@smoa/datasets task registry across the ESM and CommonJS builds in one process', () => {
  it('the two builds are separate copies (otherwise this test would prove nothing)', async () => {
    const esm = await loadEntries('@smoa/datasets', 'esm');
    const cjs = await loadEntries('@smoa/datasets', 'cjs');
    expect(esm['.'].TaskRegistry).not.toBe(cjs['.'].TaskRegistry);
  });

  it.each([
    ['esm', 'cjs'],
    ['cjs', 'esm'],
  ] as const)('a task registered through the %s build is listed and loaded through the %s build', async (from, to) => {
    const a = (await loadEntries('@smoa/datasets', from))['.'] as Any;
    const b = await loadEntries('@smoa/datasets', to);
    const name = `dual-${from}-${to}`;
    writeFileSync(join(dir, `${name}.jsonl`), '{"question": "What is 2 + 2?", "answer": "4"}\n');
    a.registerTask(task(a, name));
    expect((b['.'] as Any).getTask(name).name).toBe(name);
    const examples = await (b['./node'] as Any).loadTask(name, 'test', { dataDir: dir });
    expect(examples.map((x: Any) => x.target)).toEqual([' 4']);
    // Registering the same name again through the other build is refused as a duplicate, as within one build.
    expect(() => (b['.'] as Any).registerTask(task(b['.'], name))).toThrow(name);
  });
});
