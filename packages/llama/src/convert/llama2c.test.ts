import { mkdtemp, readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { convertLlama2c, embeddedModelDir, loadLlama } from '../node';
import { fixture, readAll } from '../test-util/fixtures';
import { interleavedToRotateHalf } from './llama2c-checkpoint';
import { parseLlama2cTokenizer } from './llama2c-tokenizer';

const src = (f: string) => fixture('stories260K-llama2c', f);
const STORY = 'Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball.';

beforeAll(async () => {
  await initBackend();
});

const tmp = () => mkdtemp(join(tmpdir(), 'smoa-llama2c-'));

describe('the embedded stories260K model', () => {
  it('decodes the documented story greedily from BOS', async () => {
    const { model, tokenizer } = await loadLlama(embeddedModelDir());
    const [tokens] = await model.generate([[1]], { maxNewTokens: 60 });
    expect(tokenizer!.decode(tokens).startsWith(STORY)).toBe(true);
    model.dispose();
  });

  it('is what converting the vendored llama2.c files gives, tensor for tensor', async () => {
    const out = join(await tmp(), 'stories');
    const result = await convertLlama2c(src('stories260K.bin'), src('tok512.bin'), out);
    expect(result).toMatchObject({ format: 'legacy', tiedEmbeddings: true, numParameters: 260032 });
    const fresh = await readAll(join(out, 'model.safetensors'));
    const committed = await readAll(join(embeddedModelDir(), 'model.safetensors'));
    expect(Object.keys(fresh).sort()).toEqual(Object.keys(committed).sort());
    for (const k of Object.keys(committed)) expect(fresh[k].data).toEqual(committed[k].data);
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) {
      expect(await readFile(join(out, f), 'utf8')).toEqual(await readFile(join(embeddedModelDir(), f), 'utf8'));
    }
  });

  it('converts identically from the v1 ("ak42") checkpoint', async () => {
    const dir = await tmp();
    const r = await convertLlama2c(src('stories260K_v1.bin'), src('tok512.bin'), join(dir, 'v1'));
    expect(r.format).toBe('v1');
    const v1 = await readAll(join(dir, 'v1', 'model.safetensors'));
    const legacy = await readAll(join(embeddedModelDir(), 'model.safetensors'));
    for (const k of Object.keys(legacy)) expect(v1[k].data).toEqual(legacy[k].data);
    expect(Object.keys(v1).length).toBe(Object.keys(legacy).length);
  });
});

/** llama2.c's encode() (run.c): dummy prefix, code points or byte fallback, then best-score pair merges. */
function llama2cEncode(text: string, pieces: string[], scores: number[]): number[] {
  const lookup = new Map(pieces.map((p, i) => [p, i]));
  const tokens: number[] = [];
  if (text !== '') tokens.push(lookup.get(' ')!);
  for (const ch of text) {
    const id = lookup.get(ch);
    if (id !== undefined) tokens.push(id);
    else for (const byte of new TextEncoder().encode(ch)) tokens.push(byte + 3);
  }
  for (;;) {
    let best = -1e10;
    let bestId = -1;
    let at = -1;
    for (let i = 0; i + 1 < tokens.length; i++) {
      const id = lookup.get(pieces[tokens[i]] + pieces[tokens[i + 1]]);
      if (id !== undefined && scores[id] > best) {
        best = scores[id];
        bestId = id;
        at = i;
      }
    }
    if (at < 0) return tokens;
    tokens.splice(at, 2, bestId);
  }
}

describe('the converted tokenizer', () => {
  const samples = [
    STORY,
    'Tom and Sue went to the beach. They built a big sandcastle!\nThen the waves came... "Oh no," said Sue.',
    '  two leading spaces, double  spaces and a trailing one ',
    'Café naïve: ünïcödé, emoji 🐉, CJK 日本語, and a tab\there.',
    'x',
  ];

  it('encodes like llama2.c and loads through @huggingface/tokenizers', async () => {
    const { pieces, scores } = parseLlama2cTokenizer(new Uint8Array(await readFile(src('tok512.bin'))), 512, 'tok512.bin');
    const { tokenizer } = await loadLlama(embeddedModelDir());
    expect(tokenizer).toMatchObject({ vocabSize: 512, bosTokenId: 1, eosTokenId: 2 });
    for (const text of samples) expect(tokenizer!.encode(text)).toEqual(llama2cEncode(text, pieces, scores));
    expect(tokenizer!.encode('Hi', { addSpecialTokens: true })[0]).toBe(1);
  });

  it('round-trips text, byte fallback included', async () => {
    const { tokenizer } = await loadLlama(embeddedModelDir());
    for (const text of samples) expect(tokenizer!.decode(tokenizer!.encode(text))).toBe(text);
    expect(tokenizer!.decode([1, ...tokenizer!.encode('Hi')], { skipSpecialTokens: true })).toBe('Hi');
  });
});

describe('interleaved to rotate-half', () => {
  it('puts even rows of each head first, then odd rows', () => {
    const w = Float32Array.from({ length: 16 }, (_, i) => i); // 2 heads x 4 rows, 2 columns
    const p = interleavedToRotateHalf(w.subarray(0, 8), 2, 2, 2);
    expect(Array.from(p)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const q = interleavedToRotateHalf(Float32Array.from({ length: 8 }, (_, i) => i), 1, 8, 1);
    expect(Array.from(q)).toEqual([0, 2, 4, 6, 1, 3, 5, 7]);
  });
});

describe('bad llama2.c input', () => {
  it('names a truncated checkpoint and the sizes', async () => {
    const dir = await tmp();
    const bytes = await readFile(src('stories260K.bin'));
    await writeFile(join(dir, 'cut.bin'), bytes.subarray(0, bytes.length - 100));
    await expect(convertLlama2c(join(dir, 'cut.bin'), src('tok512.bin'), join(dir, 'out'))).rejects.toThrow(
      /cut\.bin: legacy llama2\.c checkpoint .* needs 1056540 bytes, the file has 1056440/,
    );
    expect(await readdir(dir)).toEqual(['cut.bin']);
  });

  it('rejects a v1 header with another version and a header that is not a model', async () => {
    const dir = await tmp();
    const v1 = new Uint8Array(await readFile(src('stories260K_v1.bin')));
    v1.set([2, 0, 0, 0], 4);
    await writeFile(join(dir, 'v2.bin'), v1);
    await expect(convertLlama2c(join(dir, 'v2.bin'), src('tok512.bin'), join(dir, 'o'))).rejects.toThrow(/v2\.bin: llama2\.c checkpoint version 2 is not supported/);
    await writeFile(join(dir, 'junk.bin'), new Uint8Array(64).fill(255));
    await expect(convertLlama2c(join(dir, 'junk.bin'), src('tok512.bin'), join(dir, 'o'))).rejects.toThrow(/junk\.bin: not a llama2\.c checkpoint: header field dim = -1/);
  });

  it('rejects a tokenizer whose size does not match the checkpoint, leaving nothing behind', async () => {
    const dir = await tmp();
    const tok = await readFile(src('tok512.bin'));
    await writeFile(join(dir, 'tok.bin'), tok.subarray(0, tok.length - 20));
    await expect(convertLlama2c(src('stories260K.bin'), join(dir, 'tok.bin'), join(dir, 'out'))).rejects.toThrow(
      /tok\.bin: has 510 pieces but the checkpoint's vocab_size is 512/,
    );
    await writeFile(join(dir, 'tok.bin'), tok.subarray(0, tok.length - 2));
    await expect(convertLlama2c(src('stories260K.bin'), join(dir, 'tok.bin'), join(dir, 'out'))).rejects.toThrow(
      /tok\.bin: piece 511 has length 3 \(max_token_length 7, 1 bytes left\)/,
    );
    expect(await readdir(dir)).toEqual(['tok.bin']);
  });

  it('names missing input files and refuses to overwrite a non-empty output directory', async () => {
    const dir = await tmp();
    await expect(convertLlama2c(join(dir, 'nope.bin'), src('tok512.bin'), join(dir, 'o'))).rejects.toThrow(/nope\.bin: cannot read the llama2\.c checkpoint \(no such file\)/);
    await mkdir(join(dir, 'full'));
    await writeFile(join(dir, 'full', 'keep.txt'), 'x');
    await expect(convertLlama2c(src('stories260K.bin'), src('tok512.bin'), join(dir, 'full'))).rejects.toThrow(/full: exists and is not empty; pass overwrite/);
    expect(await readdir(join(dir, 'full'))).toEqual(['keep.txt']);
    await convertLlama2c(src('stories260K.bin'), src('tok512.bin'), join(dir, 'full'), { overwrite: true });
    expect((await readdir(join(dir, 'full'))).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    expect(await readdir(dir)).toEqual(['full']);
  });
});

describe('hostile llama2.c files', () => {
  /** tok512.bin with one piece replaced, written back in llama2.c's layout. */
  async function tokenizerWith(id: number, piece: string): Promise<string> {
    const vocab = parseLlama2cTokenizer(new Uint8Array(await readFile(src('tok512.bin'))), 512);
    vocab.pieces[id] = piece;
    const enc = vocab.pieces.map((p) => new TextEncoder().encode(p));
    const maxLen = Math.max(...enc.map((e) => e.length));
    const out = new Uint8Array(4 + enc.reduce((n, e) => n + 8 + e.length, 0));
    const view = new DataView(out.buffer);
    view.setInt32(0, maxLen, true);
    let o = 4;
    enc.forEach((e, i) => {
      view.setFloat32(o, vocab.scores[i], true);
      view.setInt32(o + 4, e.length, true);
      out.set(e, o + 8);
      o += 8 + e.length;
    });
    const path = join(await tmp(), 'tok.bin');
    await writeFile(path, out);
    return path;
  }

  it('converts a tokenizer with one 60,000-character piece in bounded time (was quadratic: 51 s)', async () => {
    const long = 'ab'.repeat(30_000);
    const tok = await tokenizerWith(300, long);
    const out = join(await tmp(), 'long');
    const started = Date.now();
    await convertLlama2c(src('stories260K.bin'), tok, out);
    const { tokenizer, model } = await loadLlama(out);
    console.log(`llama2.c conversion + load with a 60,000-character piece: ${Date.now() - started} ms (loaded machine)`);
    expect(tokenizer!.decode(tokenizer!.encode('Lily'))).toBe('Lily');
    model.dispose();
  }, 15_000);

  it('refuses NaN/Inf weights naming the tensor, unless allowNonFinite', async () => {
    const bytes = new Uint8Array(await readFile(src('stories260K.bin')));
    // The first float after the 28-byte legacy header is model.embed_tokens.weight[0].
    new DataView(bytes.buffer).setFloat32(28 + 4 * 5, Number.NaN, true);
    const dir = await tmp();
    await writeFile(join(dir, 'nan.bin'), bytes);
    await expect(convertLlama2c(join(dir, 'nan.bin'), src('tok512.bin'), join(dir, 'out'))).rejects.toThrow(
      /nan\.bin: tensor "model\.embed_tokens\.weight" holds NaN at flat index 5; refusing to convert NaN\/Inf weights \(pass allowNonFinite/,
    );
    expect(await readdir(dir)).toEqual(['nan.bin']);
    await convertLlama2c(join(dir, 'nan.bin'), src('tok512.bin'), join(dir, 'out'), { allowNonFinite: true });
    await expect(loadLlama(join(dir, 'out'))).rejects.toThrow(/tensor "model\.embed_tokens\.weight" holds NaN at flat index 5/);
  });
});
