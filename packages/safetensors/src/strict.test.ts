// The reference implementation's validation rules (huggingface/safetensors, safetensors/src/tensor.rs:
// read_metadata and Metadata::validate), each fed a file that breaks it.
import { describe, expect, it } from 'vitest';
import { readSafetensors, serializeSafetensors } from './index';

const enc = new TextEncoder();

/** A file from a raw header (string or bytes) and a data section of `dataBytes` bytes. */
function file(header: string | Uint8Array, dataBytes: number): Uint8Array {
  const h = typeof header === 'string' ? enc.encode(header) : header;
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  return out;
}

const f32 = (n: number, begin: number) => ({ dtype: 'F32', shape: [n], data_offsets: [begin, begin + 4 * n] });
const headerOf = (h: unknown) => JSON.stringify(h);

describe('reader: the tensors tile the data section exactly', () => {
  it('rejects overlapping offsets, naming both tensors', async () => {
    const bytes = file(headerOf({ a: f32(2, 0), b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }), 12);
    await expect(readSafetensors(bytes, 'o.safetensors')).rejects.toThrow(
      /^o\.safetensors: corrupt safetensors file: tensor "b": data_offsets \[4, 12\] overlap tensor "a", which ends at 8; tensors must not share bytes$/,
    );
  });

  it('rejects two tensors aliasing the same bytes', async () => {
    const bytes = file(headerOf({ a: f32(2, 0), b: f32(2, 0) }), 8);
    await expect(readSafetensors(bytes, 'alias.safetensors')).rejects.toThrow(/alias\.safetensors: .*tensor "b": data_offsets \[0, 8\] overlap tensor "a"/);
  });

  it('rejects a gap between tensors, and one before the first', async () => {
    const gap = file(headerOf({ a: f32(2, 0), b: f32(2, 12) }), 20);
    await expect(readSafetensors(gap, 'gap.safetensors')).rejects.toThrow(/gap\.safetensors: .*tensor "b": data_offsets start at 12, leaving a gap of 4 bytes after tensor "a"/);
    const lead = file(headerOf({ a: f32(2, 4) }), 12);
    await expect(readSafetensors(lead, 'lead.safetensors')).rejects.toThrow(/tensor "a": data_offsets start at 4, leaving a gap of 4 bytes after the start of the data/);
  });

  it('rejects bytes after the last tensor (the reference test: a polyglot file) and a data section cut short', async () => {
    const polyglot = enc.encode('extra_bogus_data_for_polyglot_file');
    const good = file('{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}', 16);
    const withExtra = new Uint8Array(good.length + polyglot.length);
    withExtra.set(good);
    withExtra.set(polyglot, good.length);
    await expect(readSafetensors(withExtra, 'p.safetensors')).rejects.toThrow(/p\.safetensors: .*the tensors cover 16 bytes but the data section has 50; 34 bytes after the last tensor/);
    await expect(readSafetensors(good.slice(0, good.length - 2), 'short.safetensors')).rejects.toThrow(/short\.safetensors: .*tensor "test": data_offsets \[0, 16\] are out of range/);
    await expect(readSafetensors(good, 'ok.safetensors')).resolves.toBeDefined();
  });

  it('accepts tensors listed in any order, zero-sized tensors, and whitespace around the header', async () => {
    const header = `\t\n${headerOf({ b: f32(1, 8), empty: { dtype: 'F32', shape: [2, 0], data_offsets: [8, 8] }, a: f32(2, 0), z: { dtype: 'I8', shape: [0], data_offsets: [0, 0] } })}\r \t\n`;
    const r = await readSafetensors(file(header, 12), 'order.safetensors');
    expect(r.keys().sort()).toEqual(['a', 'b', 'empty', 'z']);
    expect((await r.read('empty')).data.length).toBe(0);
    const none = await readSafetensors(file('{}      ', 0), 'empty.safetensors');
    expect(none.keys()).toEqual([]);
  });
});

describe('reader: the header', () => {
  it('rejects a duplicate tensor name instead of keeping the last', async () => {
    const bytes = file('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8);
    await expect(readSafetensors(bytes, 'dup.safetensors')).rejects.toThrow(/^dup\.safetensors: corrupt safetensors file: header: duplicate key "w" in one object/);
  });

  it('rejects a duplicate metadata key', async () => {
    const bytes = file('{"__metadata__":{"format":"pt","format":"tf"}}', 0);
    await expect(readSafetensors(bytes, 'dm.safetensors')).rejects.toThrow(/dm\.safetensors: .*duplicate key "format"/);
  });

  it('rejects a tensor name that is not UTF-8 (the reference test: a lone 0xff byte)', async () => {
    const header = enc.encode('{"w":{"dtype":"I8","shape":[1],"data_offsets":[0,1]}}');
    header[2] = 0xff;
    await expect(readSafetensors(file(header, 1), 'u.safetensors')).rejects.toThrow(/^u\.safetensors: corrupt safetensors file: header: not valid UTF-8/);
    await expect(readSafetensors(file(new Uint8Array([0xff]), 0), 'u1.safetensors')).rejects.toThrow(/u1\.safetensors: .*not valid UTF-8/);
  });

  it('rejects deep nesting in a 10 KB header naming the file, with no stack overflow', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const bytes = file(`{"__metadata__":{"x":${deep}}}`, 0);
    const err = await readSafetensors(bytes, 'deep.safetensors').then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/^deep\.safetensors: corrupt safetensors file: header: JSON nested deeper than 8 levels/);
    expect(err?.message).not.toMatch(/call stack/);
  });

  it('rejects a header that is not an object, and metadata values that are not strings', async () => {
    await expect(readSafetensors(file('[]', 0), 'arr.safetensors')).rejects.toThrow(/arr\.safetensors: .*header must be a JSON object/);
    await expect(readSafetensors(file('{"__metadata__":{"step":3}}', 0), 'm.safetensors')).rejects.toThrow(/m\.safetensors: .*"__metadata__\.step" must be a string/);
    await expect(readSafetensors(file('{"__metadata__":[]}', 0), 'm.safetensors')).rejects.toThrow(/"__metadata__" must be an object of strings/);
  });
});

describe('reader: each tensor entry', () => {
  const one = (entry: unknown, data = 8) => readSafetensors(file(headerOf({ w: entry }), data), 't.safetensors');

  it('rejects dtypes it does not know, naming the known ones', async () => {
    await expect(one({ dtype: 'F8_E4M3', shape: [8], data_offsets: [0, 8] })).rejects.toThrow(/t\.safetensors: .*tensor "w": unknown dtype "F8_E4M3"; expected one of F64, F32/);
    await expect(one({ dtype: 'f32', shape: [2], data_offsets: [0, 8] })).rejects.toThrow(/unknown dtype "f32"/);
    await expect(one({ shape: [2], data_offsets: [0, 8] })).rejects.toThrow(/unknown dtype undefined/);
  });

  it('rejects a shape whose size disagrees with the offsets', async () => {
    await expect(one({ dtype: 'F32', shape: [3], data_offsets: [0, 8] })).rejects.toThrow(/tensor "w": data_offsets span 8 bytes but F32 of shape \[3\] needs 12/);
    await expect(one({ dtype: 'F64', shape: [2], data_offsets: [0, 8] })).rejects.toThrow(/needs 16/);
  });

  it('rejects shapes that are not non-negative integers, and shapes too large to address', async () => {
    for (const shape of [[-2], [1.5], ['2'], 2, null]) {
      await expect(one({ dtype: 'U8', shape, data_offsets: [0, 8] })).rejects.toThrow(/tensor "w": shape must be an array of non-negative integers/);
    }
    await expect(one({ dtype: 'F32', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 8] })).rejects.toThrow(/tensor "w": shape \[.*\] of F32 is too large to address/);
  });

  it('rejects offsets that are not [begin, end] with begin <= end', async () => {
    for (const data_offsets of [[8, 0], [0], [0, 8, 9], [-1, 7], [0, '8']]) {
      await expect(one({ dtype: 'U8', shape: [8], data_offsets })).rejects.toThrow(/tensor "w": data_offsets must be \[begin, end\]/);
    }
  });
});

describe('writer: never writes a file the reader refuses', () => {
  it('refuses a tensor named __metadata__', () => {
    expect(() => serializeSafetensors({ __metadata__: { shape: [1], data: new Float32Array(1) } })).toThrow(/tensor "__metadata__": that name is reserved/);
  });

  it('refuses metadata values that are not strings, and metadata that is not an object', () => {
    const bad = (m: unknown) => () => serializeSafetensors({}, m as Record<string, string>);
    expect(bad({ step: 3 })).toThrow(/metadata "step": values must be strings .* got number/);
    expect(bad({ config: { r: 8 } })).toThrow(/metadata "config": values must be strings .* got object; use JSON.stringify/);
    expect(bad({ x: null })).toThrow(/metadata "x": .* got null/);
    expect(bad(['a'])).toThrow(/metadata: expected an object of strings, got an array/);
  });

  it('refuses names that have no UTF-8 form (lone surrogates)', () => {
    expect(() => serializeSafetensors({ ['w\uD800']: { shape: [1], data: new Float32Array(1) } })).toThrow(/not valid Unicode/);
    expect(() => serializeSafetensors({}, { ['k\uDC00']: 'v' })).toThrow(/metadata "k.": not valid Unicode/);
    // A proper surrogate pair is fine.
    expect(() => serializeSafetensors({ ['w\uD83D\uDE00']: { shape: [1], data: new Float32Array(1) } })).not.toThrow();
  });

  it('round-trips what it accepts: zero-sized tensors, mixed dtypes, unicode names, metadata', async () => {
    const bytes = serializeSafetensors(
      {
        'é.weight': { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
        empty: { shape: [0, 3], data: new Float32Array(0) },
        ids: { dtype: 'I64', shape: [3], data: [1, 2, 3] },
        half: { dtype: 'F16', shape: [1], data: new Float32Array([0.5]) },
      },
      { format: 'pt', note: '😀' },
    );
    const r = await readSafetensors(bytes, 'rt.safetensors');
    expect(r.keys().sort()).toEqual(['empty', 'half', 'ids', 'é.weight']);
    expect(r.metadata).toEqual({ format: 'pt', note: '😀' });
    expect(Array.from((await r.read('é.weight')).data as Float32Array)).toEqual([1, 2, 3, 4]);
  });
});
