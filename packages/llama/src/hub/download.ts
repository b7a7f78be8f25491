import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RepoCache, isSafeBlobName } from './cache-layout';
import { hubFetch, type HubFileMeta, type HubRequest } from './http';
import { withLock } from './lock';

export interface DownloadProgress {
  /** The repository file, e.g. "model.safetensors". */
  file: string;
  loaded: number;
  /** Undefined when the server announces no size. */
  total?: number;
}

export interface BlobDownload {
  cache: RepoCache;
  url: string;
  file: string;
  meta: HubFileMeta;
  request: Omit<HubRequest, 'method' | 'headers' | 'crossOrigin'>;
  /** Refuse anything larger (config files: a 10 GB config.json is hostile, not big). */
  maxBytes?: number;
  onProgress?: (p: DownloadProgress) => void;
}

const sha256Hex = /^[0-9a-f]{64}$/;

/**
 * Makes blobs/<name> hold the file: under a lock, into blobs/<name>.incomplete (resumed with a Range
 * request when one is there), checked against the announced size and, for sha256 ETags (large files),
 * the hash; then renamed. Returns the blob's name. Nothing partial is ever at the final name.
 */
export async function downloadBlob(d: BlobDownload): Promise<string> {
  const { cache, file, meta } = d;
  const where = `${d.request.repo}: ${file}`;
  const etag = meta.etag !== undefined && isSafeBlobName(meta.etag) ? meta.etag : undefined;
  if (d.maxBytes !== undefined && meta.size !== undefined && meta.size > d.maxBytes) {
    throw new Error(`${where}: the server announces ${meta.size} bytes, over the ${d.maxBytes}-byte limit for this file; refused before downloading`);
  }
  if (etag && (await blobHasSize(cache.blob(etag), meta.size))) return etag;
  // Without a usable ETag the blob is named by its sha256 once complete; the partial file by the URL.
  const key = etag ?? `url-${createHash('sha256').update(d.url).digest('hex').slice(0, 40)}`;
  return withLock(cache.lockFile(key), where, async () => {
    if (etag && (await blobHasSize(cache.blob(etag), meta.size))) return etag;
    const partial = cache.blob(`${key}.incomplete`);
    await fetchInto(d, partial, where);
    const hash = await fileSha256(partial);
    if (etag && sha256Hex.test(etag) && hash !== etag) {
      await rm(partial, { force: true });
      throw new Error(`${where}: downloaded content has sha256 ${hash} but the server's ETag says ${etag}; the partial file was removed, try again`);
    }
    const name = etag ?? hash;
    await rename(partial, cache.blob(name));
    return name;
  });
}

async function blobHasSize(path: string, size: number | undefined): Promise<boolean> {
  const s = await stat(path).catch(() => undefined);
  return s !== undefined && s.isFile() && (size === undefined || s.size === size);
}

async function fetchInto(d: BlobDownload, partial: string, where: string): Promise<void> {
  const announced = d.meta.size;
  let have = (await stat(partial).catch(() => undefined))?.size ?? 0;
  if (announced !== undefined && have > announced) {
    await rm(partial, { force: true });
    have = 0;
  }
  if (announced !== undefined && have === announced && have > 0) return;
  const { res } = await hubFetch(d.url, { ...d.request, headers: have > 0 ? { range: `bytes=${have}-` } : {} });
  const lengthHeader = res.headers.get('content-length');
  const bodyLength = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  let start = 0;
  if (res.status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
    if (!m || Number(m[1]) !== have) {
      await res.body?.cancel();
      await rm(partial, { force: true });
      throw new Error(`${where}: the server answered a resume from byte ${have} with Content-Range "${res.headers.get('content-range')}"; the partial file was removed, try again`);
    }
    start = have;
  }
  const total = bodyLength !== undefined ? start + bodyLength : announced;
  if (announced !== undefined && total !== undefined && total !== announced) {
    await res.body?.cancel();
    throw new Error(`${where}: the download's Content-Length gives ${total} bytes but the file's metadata says ${announced}; refused`);
  }
  if (d.maxBytes !== undefined && total !== undefined && total > d.maxBytes) {
    await res.body?.cancel();
    throw new Error(`${where}: the server announces ${total} bytes, over the ${d.maxBytes}-byte limit for this file; refused before downloading`);
  }
  const limit = Math.min(total ?? Infinity, d.maxBytes ?? Infinity);
  await mkdir(dirname(partial), { recursive: true });
  const handle = await open(partial, start > 0 ? 'a' : 'w');
  let loaded = start;
  // A body longer than announced is wrong content: it is removed, not kept for a resume.
  let tooLong: Error | undefined;
  try {
    d.onProgress?.({ file: d.file, loaded, total });
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        if (loaded + chunk.byteLength > limit) {
          await handle.close().catch(() => {});
          await rm(partial, { force: true });
          const what = total !== undefined ? `its announced ${total} bytes` : `the ${d.maxBytes}-byte limit for this file`;
          tooLong = new Error(`${where}: the body is longer than ${what}; refused and the partial file removed`);
          throw tooLong;
        }
        await handle.write(chunk);
        loaded += chunk.byteLength;
        d.onProgress?.({ file: d.file, loaded, total });
      }
    }
  } catch (err) {
    if (err === tooLong) throw err;
    throw new Error(
      `${where}: the download broke off after ${loaded}${total !== undefined ? ` of ${total}` : ''} bytes (${(err as Error).message}); ` +
        'the part received is kept and the next load resumes it',
    );
  } finally {
    await handle.close().catch(() => {});
  }
  if (total !== undefined && loaded !== total) {
    throw new Error(`${where}: the body ended after ${loaded} of ${total} bytes; the part received is kept and the next load resumes it`);
  }
}

function fileSha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}
