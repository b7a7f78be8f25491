import { describe, expect, it } from 'vitest';
import { collectJsonl } from './jsonl';
import { fetchSource, streamSource, textSource, urlSource } from './source';

function chunkedStream(text: string, chunkSize: number): () => ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return () =>
    new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += chunkSize) controller.enqueue(bytes.slice(i, i + chunkSize));
        controller.close();
      },
    });
}

describe('readJsonl', () => {
  const text = '{"q": "Janet’s ducks", "a": 1}\r\n\n{"q": "two", "a": 2}\n{"q": "ünïcode ✓", "a": 3}';

  it('reads records with their line numbers, skipping blank lines and CRLF endings', async () => {
    const recs = await collectJsonl(textSource('t.jsonl', text));
    expect(recs.map((r) => r.line)).toEqual([1, 3, 4]);
    expect(recs.map((r) => (r.value as { a: number }).a)).toEqual([1, 2, 3]);
  });

  it('reads a byte stream in small chunks that split lines and multi-byte characters', async () => {
    for (const size of [1, 3, 7, 64]) {
      const recs = await collectJsonl(streamSource('s.jsonl', chunkedStream(text, size)));
      expect(recs.map((r) => r.value)).toEqual([
        { q: 'Janet’s ducks', a: 1 },
        { q: 'two', a: 2 },
        { q: 'ünïcode ✓', a: 3 },
      ]);
    }
  });

  it('names the line of an invalid record', async () => {
    const bad = '{"a": 1}\n{"a": 2}\n{"a": }\n{"a": 4}';
    await expect(collectJsonl(textSource('bad.jsonl', bad))).rejects.toThrow(/^bad\.jsonl:3:7: not valid JSON: value expected/);
    await expect(collectJsonl(streamSource('bad.jsonl', chunkedStream(bad, 5)))).rejects.toThrow(/^bad\.jsonl:3:/);
  });

  it('reads from a URL through fetch (a data: URL here; http(s) in a browser)', async () => {
    const url = `data:application/jsonl;charset=utf-8,${encodeURIComponent(text)}`;
    expect(urlSource).toBe(fetchSource);
    expect((await collectJsonl(fetchSource(url))).map((r) => r.line)).toEqual([1, 3, 4]);
    expect(await fetchSource(url).text()).toBe(text);
  });

  it('rejects bytes that are not UTF-8', async () => {
    const stream = () =>
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new Uint8Array([0x7b, 0xff, 0x7d, 0x0a]));
          c.close();
        },
      });
    await expect(collectJsonl(streamSource('latin1.jsonl', stream))).rejects.toThrow();
  });
});
