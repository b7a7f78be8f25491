/** Random-access bytes: a file on disk, a Blob, an ArrayBuffer or a URL. Lets big checkpoints load tensor by tensor. */
export interface ByteSource {
  /** Used in error messages: a file path, URL or '<bytes>'. */
  readonly name: string;
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  close?(): Promise<void>;
}

export function bytesSource(bytes: ArrayBuffer | Uint8Array, name = '<bytes>'): ByteSource {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return {
    name,
    size: view.byteLength,
    read: async (offset, length) => view.subarray(offset, offset + length),
  };
}

export function blobSource(blob: Blob, name = '<blob>'): ByteSource {
  return {
    name,
    size: blob.size,
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
  };
}

/** Fetches the whole resource once; servers without range support are common for static files. */
export async function urlSource(url: string, init?: RequestInit): Promise<ByteSource> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
  return bytesSource(new Uint8Array(await res.arrayBuffer()), url);
}
