import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server in the Hub's URL layout, for tests: GET/HEAD {id}/resolve/{revision}/{file} and
 * nothing else (a static mirror offers no API). Small files answer directly with a git-style ETag;
 * .safetensors files answer 302 to a second server on another origin ("the CDN") with X-Linked-Etag
 * (sha256) and X-Linked-Size, as the Hub does for LFS files. Range requests get 206.
 */

export interface TestRepo {
  files: Record<string, Uint8Array | string>;
  /** The commit every revision resolves to (40 hex). */
  commit: string;
  /** Branch and tag names besides the commit itself (default ["main"]). */
  refs?: string[];
  /** Requests without this bearer token get 401. */
  token?: string;
  /** Omit X-Repo-Commit, ETag and the CDN redirect: a plain static mirror. */
  plain?: boolean;
}

export type Fault =
  | { kind: 'drop'; afterBytes: number }
  | { kind: 'longer'; extra: number }
  | { kind: 'shorter'; missing: number }
  | { kind: 'huge-length'; length: number }
  | { kind: 'redirect'; to: string };

export interface SeenRequest {
  method: string;
  url: string;
  host: 'hub' | 'cdn';
  authorization?: string;
  range?: string;
}

export interface TestHub {
  endpoint: string;
  cdn: string;
  repos: Map<string, TestRepo>;
  /** Faults by "id/file", used once each (then the file is served normally). */
  faults: Map<string, Fault>;
  requests: SeenRequest[];
  close(): Promise<void>;
}

const bytes = (v: Uint8Array | string) => (typeof v === 'string' ? new TextEncoder().encode(v) : v);
const gitSha = (b: Uint8Array) => createHash('sha1').update(`blob ${b.byteLength}\0`).update(b).digest('hex');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function sendBody(req: IncomingMessage, res: ServerResponse, body: Uint8Array, headers: Record<string, string>, fault?: Fault): void {
  let start = 0;
  let status = 200;
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (range && Number(range[1]) < body.byteLength) {
    start = Number(range[1]);
    status = 206;
    headers['content-range'] = `bytes ${start}-${body.byteLength - 1}/${body.byteLength}`;
  }
  const part = body.subarray(start);
  headers['accept-ranges'] = 'bytes';
  if (fault?.kind === 'huge-length') headers['content-length'] = String(fault.length);
  else if (fault?.kind === 'longer') headers['transfer-encoding'] = 'chunked';
  else headers['content-length'] = String(part.byteLength);
  res.writeHead(status, headers);
  if (req.method === 'HEAD') return void res.end();
  if (fault?.kind === 'drop' || fault?.kind === 'shorter') {
    const n = fault.kind === 'drop' ? fault.afterBytes : part.byteLength - fault.missing;
    res.write(part.subarray(0, n), () => res.destroy());
    return;
  }
  if (fault?.kind === 'huge-length') {
    res.write(part, () => res.destroy());
    return;
  }
  if (fault?.kind === 'longer') {
    res.write(part);
    res.end(new Uint8Array(fault.extra).fill(7));
    return;
  }
  res.end(part);
}

export async function startTestHub(): Promise<TestHub> {
  const repos = new Map<string, TestRepo>();
  const faults = new Map<string, Fault>();
  const requests: SeenRequest[] = [];
  const blobs = new Map<string, { body: Uint8Array; fault?: Fault }>();

  const cdnServer = createServer((req, res) => {
    requests.push({ method: req.method!, url: req.url!, host: 'cdn', authorization: req.headers.authorization, range: req.headers.range });
    const blob = blobs.get(new URL(req.url!, 'http://x').pathname.slice(1));
    if (!blob) return void res.writeHead(404).end();
    const fault = blob.fault;
    blob.fault = undefined;
    sendBody(req, res, blob.body, { etag: `"${sha256(blob.body)}"` }, fault);
  });
  const cdnPort = await listen(cdnServer);
  // "localhost" against the hub's 127.0.0.1: another host name and port, so another origin.
  const cdn = `http://localhost:${cdnPort}`;

  const hubServer = createServer((req, res) => {
    requests.push({ method: req.method!, url: req.url!, host: 'hub', authorization: req.headers.authorization, range: req.headers.range });
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(new URL(req.url!, 'http://x').pathname);
    const notFound = (code: string) => res.writeHead(404, { 'x-error-code': code, 'content-type': 'text/plain' }).end(`${code}\n`);
    if (!m || (req.method !== 'GET' && req.method !== 'HEAD')) return notFound('EntryNotFound');
    const [id, revision, file] = [m[1], decodeURIComponent(m[2]), m[3].split('/').map(decodeURIComponent).join('/')];
    const repo = repos.get(id);
    if (!repo) return res.writeHead(401, { 'x-error-code': 'RepoNotFound' }).end();
    if (repo.token && req.headers.authorization !== `Bearer ${repo.token}`) {
      return res.writeHead(401, { 'x-error-code': 'GatedRepo', 'x-error-message': 'Access to this model is restricted.' }).end();
    }
    if (revision !== repo.commit && !(repo.refs ?? ['main']).includes(revision)) return notFound('RevisionNotFound');
    const commitHeader: Record<string, string> = repo.plain ? {} : { 'x-repo-commit': repo.commit };
    const content = repo.files[file];
    if (content === undefined) return res.writeHead(404, { ...commitHeader, 'x-error-code': 'EntryNotFound' }).end();
    const body = bytes(content);
    const key = `${id}/${file}`;
    const fault = faults.get(key);
    if (fault?.kind === 'redirect') {
      if (req.method === 'GET') faults.delete(key);
      return res.writeHead(302, { ...commitHeader, location: fault.to }).end();
    }
    if (!repo.plain && file.endsWith('.safetensors')) {
      const blobKey = `${sha256(body)}/${file}`;
      // The fault travels with the CDN copy (taken by the first GET).
      if (fault && req.method === 'GET') faults.delete(key);
      blobs.set(blobKey, { body, fault: req.method === 'GET' ? fault : blobs.get(blobKey)?.fault });
      return res
        .writeHead(302, { ...commitHeader, location: `${cdn}/${blobKey}`, 'x-linked-etag': `"${sha256(body)}"`, 'x-linked-size': String(body.byteLength) })
        .end();
    }
    if (fault && req.method === 'GET') faults.delete(key);
    const headers: Record<string, string> = { ...commitHeader };
    if (!repo.plain) headers.etag = `"${gitSha(body)}"`;
    sendBody(req, res, body, headers, req.method === 'GET' ? fault : fault?.kind === 'huge-length' ? fault : undefined);
  });
  const hubPort = await listen(hubServer);
  const close = (s: Server) =>
    new Promise<void>((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    });
  return {
    endpoint: `http://127.0.0.1:${hubPort}`,
    cdn,
    repos,
    faults,
    requests,
    close: async () => {
      await Promise.all([close(hubServer), close(cdnServer)]);
    },
  };
}
