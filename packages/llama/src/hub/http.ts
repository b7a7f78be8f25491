/**
 * One Hub request: redirects are followed by hand so that the token goes only to the endpoint's own
 * origin (the Hub sends large files to a CDN on another host, which must not see it), and HTTP errors
 * become messages that say what to do.
 */

export interface HubRequest {
  /** Names the repository in errors: "org/name". */
  repo: string;
  /** The repository file, for errors. */
  file: string;
  token?: string;
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /**
   * Follow redirects to other origins (default true). HEAD requests do not: a CDN's signed URL is made
   * for GET, and the Hub's redirect response already carries the metadata (X-Linked-Etag/-Size).
   */
  crossOrigin?: boolean;
}

/** What the Hub says about a file, from the first response of the chain that says it. */
export interface HubFileMeta {
  /** X-Repo-Commit: the commit the revision resolved to. */
  commit?: string;
  /** X-Linked-Etag (large files) or ETag, normalised. */
  etag?: string;
  /** X-Linked-Size or Content-Length. */
  size?: number;
}

const MAX_REDIRECTS = 10;

/** Thrown for a 404: the caller decides whether a missing file is an error. */
export class HubNotFoundError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly commit: string | undefined,
  ) {
    super(message);
    this.name = 'HubNotFoundError';
  }
}

/** Fetches `url`, following at most 10 redirects; the token is sent only while on the first URL's origin. */
export async function hubFetch(url: string, req: HubRequest): Promise<{ res: Response; meta: HubFileMeta }> {
  const origin = new URL(url).origin;
  let current = url;
  const meta: HubFileMeta = {};
  const note = (h: Headers, final: boolean) => {
    meta.commit ??= h.get('x-repo-commit') ?? undefined;
    meta.etag ??= normalizeEtag(h.get('x-linked-etag')) ?? (final ? normalizeEtag(h.get('etag')) : undefined);
    const size = h.get('x-linked-size') ?? (final && req.method === 'HEAD' ? h.get('content-length') : null);
    if (meta.size === undefined && size !== null && /^\d+$/.test(size)) meta.size = Number(size);
  };
  for (let hop = 0; ; hop++) {
    const sameOrigin = new URL(current).origin === origin;
    const headers: Record<string, string> = { ...req.headers };
    if (req.token && sameOrigin) headers.authorization = `Bearer ${req.token}`;
    let res: Response;
    try {
      res = await fetch(current, { method: req.method ?? 'GET', headers, redirect: 'manual', signal: req.signal });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`${req.repo}: cannot reach ${current} for ${req.file} (${cause?.code ?? cause?.message ?? (err as Error).message})`);
    }
    if (res.status >= 300 && res.status < 400 && res.headers.has('location')) {
      await res.body?.cancel();
      note(res.headers, false);
      const target = new URL(res.headers.get('location')!, current);
      if (req.crossOrigin === false && target.origin !== new URL(current).origin) return { res, meta };
      if (hop >= MAX_REDIRECTS) throw new Error(`${req.repo}: ${req.file}: more than ${MAX_REDIRECTS} redirects from ${url}`);
      const next = new URL(res.headers.get('location')!, current);
      if (next.protocol !== 'https:' && next.protocol !== 'http:') {
        throw new Error(`${req.repo}: ${req.file}: redirected to ${next.protocol} URL ${next.href}; only http(s) is followed`);
      }
      if (new URL(current).protocol === 'https:' && next.protocol === 'http:') {
        throw new Error(`${req.repo}: ${req.file}: redirected from https to plain http (${next.href}); refused`);
      }
      current = next.href;
      continue;
    }
    note(res.headers, true);
    if (res.ok) return { res, meta };
    await res.body?.cancel();
    throw statusError(res, req, current, meta.commit);
  }
}

function statusError(res: Response, req: HubRequest, url: string, commit: string | undefined): Error {
  const code = res.headers.get('x-error-code') ?? undefined;
  const message = res.headers.get('x-error-message');
  const detail = `HTTP ${res.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''} for ${url}`;
  if (res.status === 401 || res.status === 403 || code === 'GatedRepo') {
    const how = req.token
      ? 'the token that was sent has no access to it: accept its terms on the Hub page or use a token of an account that has access'
      : 'pass a token (the `token` option, --token, or the HF_TOKEN environment variable) of an account that has access';
    return new Error(`${req.repo}: the repository is gated or private, or does not exist (${detail}); ${how}`);
  }
  if (res.status === 404) {
    const what =
      code === 'EntryNotFound'
        ? `has no file ${req.file}`
        : code === 'RevisionNotFound'
          ? 'has no such revision'
          : `has no file ${req.file}, or the repository or revision does not exist`;
    return new HubNotFoundError(`${req.repo}: ${what} (${detail}); check the id and revision`, code, commit);
  }
  return new Error(`${req.repo}: ${req.file}: ${detail}${res.statusText ? ` ${res.statusText}` : ''}`);
}

/** ETag without weak prefix and quotes, as huggingface_hub names blobs. */
export function normalizeEtag(etag: string | null): string | undefined {
  if (!etag) return undefined;
  const e = etag.replace(/^W\//, '').replace(/^"|"$/g, '');
  return e.length > 0 ? e : undefined;
}
