/**
 * Hub repository ids ("org/name", optionally "org/name@revision") and revisions, checked before they
 * become part of a URL or a cache path: nothing from an id may climb out of the cache folder.
 */

export interface RepoRef {
  /** "org/name". */
  repo: string;
  revision: string;
}

// huggingface_hub's validate_repo_id: word characters, '-' and '.', at most 96 per part.
const PART = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,95}$/;

/** True for a string shaped like a Hub id (it is not checked against the Hub). */
export function looksLikeHubId(s: string): boolean {
  const at = s.indexOf('@');
  const id = at < 0 ? s : s.slice(0, at);
  const parts = id.split('/');
  return parts.length === 2 && parts.every((p) => PART.test(p));
}

function checkRepo(repo: string): void {
  const parts = repo.split('/');
  const bad = (why: string) => new Error(`Hub id "${repo}": ${why}; expected "org/name" (letters, digits, "_", "-" and ".")`);
  if (parts.length !== 2) throw bad('needs exactly one "/"');
  for (const p of parts) {
    if (!PART.test(p)) throw bad(`"${p}" is not a valid name part`);
    if (p.includes('..') || p.includes('--')) throw bad(`"${p}" contains ".." or "--"`);
    if (p.endsWith('.git')) throw bad(`"${p}" ends with ".git"`);
  }
}

/**
 * Checks a revision (branch, tag, commit or "refs/pr/N"). It becomes refs/<revision> in the cache, so
 * no segment may be empty, "." or "..", and no backslash or control character is allowed.
 */
export function checkRevision(revision: string, repo: string): void {
  const bad = (why: string) => new Error(`Hub id "${repo}": revision ${JSON.stringify(revision)} ${why}`);
  if (revision.length === 0 || revision.length > 255) throw bad('must have 1 to 255 characters');
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f:*?"<>|]/.test(revision)) throw bad('contains a backslash, a control character or one of :*?"<>|');
  for (const seg of revision.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') throw bad('contains an empty, "." or ".." path segment');
  }
}

/** Parses "org/name" or "org/name@revision"; an explicit `revision` must not contradict the one in the id. */
export function parseRepoRef(id: string, revision?: string): RepoRef {
  const at = id.indexOf('@');
  const repo = at < 0 ? id : id.slice(0, at);
  const fromId = at < 0 ? undefined : id.slice(at + 1);
  checkRepo(repo);
  if (fromId !== undefined && revision !== undefined && fromId !== revision) {
    throw new Error(`Hub id "${id}": names revision "${fromId}" but the revision option is "${revision}"; give one`);
  }
  const rev = fromId ?? revision ?? 'main';
  checkRevision(rev, repo);
  return { repo, revision: rev };
}

/** A full git commit id: what X-Repo-Commit carries and what snapshot folders are named after. */
export const isCommitHash = (s: string): boolean => /^[0-9a-f]{40}$/.test(s);

/**
 * File names inside a repository that we request: plain names or sub/folder/names, no "..", no
 * absolute paths, no URLs. A weight map from a hostile repository goes through this.
 */
export function checkRepoFile(file: string, where: string): void {
  const bad = () =>
    new Error(`${where}: file name ${JSON.stringify(file)} is not a relative path inside the repository (no "..", absolute paths, URLs or backslashes)`);
  if (file.length === 0 || file.length > 255 || file.startsWith('/') || /[\\:\u0000-\u001f]/.test(file)) throw bad();
  for (const seg of file.split('/')) if (seg === '' || seg === '.' || seg === '..') throw bad();
}

/** `{endpoint}/{repo}/resolve/{revision}/{file}`, the only URL form we request (as transformers.js does). */
export function resolveUrl(endpoint: string, repo: string, revision: string, file: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return `${base}/${repo}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

export const DEFAULT_ENDPOINT = 'https://huggingface.co';
