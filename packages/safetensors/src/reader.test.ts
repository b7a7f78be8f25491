import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, serializeSafetensors } from './index';
import { openSafetensorsFile, writeSafetensorsFile } from './node';

const fixture = join(__dirname, '..', 'test-fixtures', 'smoa_40x56_k2_r6.safetensors');

describe('reading a file written by the Python safetensors library', () => {
  it('parses header, metadata and tensors lazily from disk', async () => {
    const r = await openSafetensorsFile(fixture);
    expect(r.keys()).toContain('weight');
    expect(r.info('weight')).toMatchObject({ dtype: 'F32', shape: [40, 56] });
    const cfg = JSON.parse(r.metadata.config);
    expect(cfg).toMatchObject({ r: 6, num_blocks: 2, out_features: 40, in_features: 56 });
    const rows0 = await r.read('rows.0');
    expect(rows0.dtype).toBe('I32');
    expect(rows0.data).toBeInstanceOf(Int32Array);
    const w = await r.readFloat32('weight');
    expect(w.data.length).toBe(40 * 56);
    expect(w.data.every(Number.isFinite)).toBe(true);
    await r.close();
  });

  it('reads the same values from memory and re-serialises them bit for bit', async () => {
    const bytes = new Uint8Array(await readFile(fixture));
    const r = await readSafetensors(bytes, 'fixture');
    const tensors: Record<string, { dtype: 'F32' | 'I32'; shape: number[]; data: Float32Array | Int32Array }> = {};
    for (const k of r.keys()) {
      const t = await r.read(k);
      tensors[k] = { dtype: t.dtype as 'F32' | 'I32', shape: t.shape, data: t.data as Float32Array };
    }
    const again = await readSafetensors(serializeSafetensors(tensors, r.metadata));
    for (const k of r.keys()) {
      expect(Array.from((await again.read(k)).data as Float32Array)).toEqual(Array.from(tensors[k].data));
    }
    expect(again.metadata).toEqual(r.metadata);
  });
});

describe('half precision', () => {
  it('round-trips F16 and BF16 within their precision, with exact values exact', async () => {
    const vals = new Float32Array([0, 1, -2, 0.5, 65504, 1 / 3, 3.140625, -0.000061035156]);
    const bytes = serializeSafetensors({
      h: { dtype: 'F16', shape: [8], data: vals },
      b: { dtype: 'BF16', shape: [2, 4], data: vals },
    });
    const r = await readSafetensors(bytes);
    const h = (await r.readFloat32('h')).data;
    const b = (await r.readFloat32('b')).data;
    expect(h[4]).toBe(65504);
    expect(b[6]).toBe(3.140625);
    for (let i = 0; i < vals.length; i++) {
      expect(Math.abs(h[i] - vals[i])).toBeLessThanOrEqual(Math.abs(vals[i]) * 2 ** -11 + 1e-12);
      expect(Math.abs(b[i] - vals[i])).toBeLessThanOrEqual(Math.abs(vals[i]) * 2 ** -8 + 1e-12);
    }
    expect(r.info('b').shape).toEqual([2, 4]);
  });
});

describe('corrupt and truncated files name the file and the problem', () => {
  const good = serializeSafetensors({ w: { shape: [2, 3], data: new Float32Array(6) } });
  const headerLen = Number(new DataView(good.buffer).getBigUint64(0, true));
  const withHeader = (h: unknown) => {
    const json = new TextEncoder().encode(JSON.stringify(h));
    const out = new Uint8Array(8 + json.length + 24);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    return out;
  };

  it('rejects a file shorter than the length prefix', async () => {
    await expect(readSafetensors(new Uint8Array(3), 'tiny.safetensors')).rejects.toThrow(/tiny\.safetensors: not a safetensors file/);
  });
  it('rejects a header length beyond the file', async () => {
    const cut = good.slice(0, 8 + headerLen - 4);
    await expect(readSafetensors(cut, 'cut.safetensors')).rejects.toThrow(/cut\.safetensors: .*header length \d+ goes beyond the file/);
  });
  it('rejects truncated data as offsets out of range', async () => {
    const cut = good.slice(0, good.length - 4);
    await expect(readSafetensors(cut, 'm.safetensors')).rejects.toThrow(/m\.safetensors: .*tensor "w": data_offsets \[0, 24\] are out of range/);
  });
  it('rejects an unknown dtype', async () => {
    await expect(readSafetensors(withHeader({ w: { dtype: 'F8', shape: [1], data_offsets: [0, 1] } }), 'x')).rejects.toThrow(/tensor "w": unknown dtype "F8"/);
  });
  it('rejects offsets that disagree with dtype and shape', async () => {
    await expect(readSafetensors(withHeader({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } }), 'x')).rejects.toThrow(/needs 16/);
  });
  it('rejects a header that is not JSON', async () => {
    const bad = good.slice();
    bad[8] = 0x7b + 1;
    await expect(readSafetensors(bad, 'bad.safetensors')).rejects.toThrow(/bad\.safetensors: .*not valid JSON/);
  });
  it('names a missing tensor and a missing file', async () => {
    const r = await readSafetensors(good, 'g.safetensors');
    await expect(r.read('nope')).rejects.toThrow(/g\.safetensors: no tensor named "nope"/);
    await expect(openSafetensorsFile('/nonexistent/x.safetensors')).rejects.toThrow(/\/nonexistent\/x\.safetensors: cannot open \(no such file\)/);
  });
  it('refuses to write data whose length disagrees with the shape', () => {
    expect(() => serializeSafetensors({ w: { shape: [2, 2], data: new Float32Array(3) } })).toThrow(/tensor "w": shape \[2, 2\] holds 4 values but data has 3/);
  });
});

describe('atomic writes', () => {
  it('leaves only the finished file in the directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-'));
    const path = join(dir, 'a.safetensors');
    await writeFile(path, 'old');
    await writeSafetensorsFile(path, { x: { shape: [1], data: new Float32Array([7]) } });
    expect(await readdir(dir)).toEqual(['a.safetensors']);
    const r = await openSafetensorsFile(path);
    expect(Array.from((await r.read('x')).data as Float32Array)).toEqual([7]);
    await r.close();
  });
});
