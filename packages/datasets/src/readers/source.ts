/**
 * Where records come from. Readers only need the whole text (JSON arrays, small corpora) or the
 * lines one by one (JSONL, ParlAI), so a source offers both and the Node entry adds files.
 */
export interface DataSource {
  /** Shown in every error message: a file path, URL or label. */
  readonly name: string;
  text(): Promise<string>;
  lines(): AsyncIterable<string>;
}

export function textSource(name: string, text: string): DataSource {
  return {
    name,
    text: async () => text,
    lines: async function* () {
      yield* splitLines(text);
    },
  };
}

/** A source over a byte stream (a fetch body, a Blob's stream()), decoded as UTF-8 and split lazily. */
export function streamSource(name: string, open: () => ReadableStream<Uint8Array>): DataSource {
  return {
    name,
    async text() {
      let out = '';
      for await (const chunk of decodeStream(open())) out += chunk;
      return out;
    },
    lines: () => streamLines(open()),
  };
}

/**
 * A source over an HTTP(S) resource, fetched when read (`lines()` streams the body). Named for what it
 * does: @smoa/safetensors' `urlSource` is a different thing (ranged byte reads of one file).
 */
export function fetchSource(url: string, init?: RequestInit): DataSource {
  const get = async () => {
    const res = await fetch(url, init);
    if (!res.ok) throw Object.assign(new Error(`${url}: HTTP ${res.status} ${res.statusText}`), res.status === 404 ? { code: 'ENOENT' } : {});
    return res;
  };
  return {
    name: url,
    text: async () => (await get()).text(),
    async *lines() {
      const res = await get();
      if (res.body === null) throw new Error(`${url}: response has no body`);
      yield* streamLines(res.body);
    },
  };
}

/** @deprecated Renamed `fetchSource` (it clashed with @smoa/safetensors' byte-range `urlSource`). */
export const urlSource = fetchSource;

export function* splitLines(text: string): Generator<string> {
  let start = 0;
  while (start <= text.length) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) {
      if (start < text.length) yield stripCr(text.slice(start));
      return;
    }
    yield stripCr(text.slice(start, nl));
    start = nl + 1;
  }
}

export async function* streamLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let pending = '';
  for await (const chunk of decodeStream(stream)) {
    pending += chunk;
    let start = 0;
    let nl = pending.indexOf('\n', start);
    while (nl !== -1) {
      yield stripCr(pending.slice(start, nl));
      start = nl + 1;
      nl = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
  }
  if (pending.length > 0) yield stripCr(pending);
}

async function* decodeStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  // fatal: a file that is not UTF-8 is an error, not a stream of replacement characters.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield decoder.decode(value, { stream: true });
    }
    const tail = decoder.decode();
    if (tail) yield tail;
  } finally {
    reader.releaseLock();
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
