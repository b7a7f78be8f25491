import { RepoCache, defaultHubCacheDir, hubOfflineFromEnv } from './cache-layout';
import { downloadBlob, type DownloadProgress } from './download';
import { HubNotFoundError, hubFetch } from './http';
import { DEFAULT_ENDPOINT, checkRepoFile, isCommitHash, parseRepoRef, resolveUrl } from './repo-id';

export interface HubOptions {
  /** Branch, tag or commit (default "main", or the one in "org/name@revision"). */
  revision?: string;
  /** Default HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** Sent as `Authorization: Bearer` to the endpoint only. Default HF_TOKEN. */
  token?: string;
  /** Default HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub (shared with Python). */
  cacheDir?: string;
  /** Never touch the network (default HF_HUB_OFFLINE). */
  offline?: boolean;
  onProgress?: (p: DownloadProgress) => void;
}

export interface HubFileOptions {
  /** A 404 (or, offline, a file not in the cache) gives undefined instead of an error. */
  optional?: boolean;
  maxBytes?: number;
}

/**
 * One repository at one revision, downloaded file by file into the shared cache. The first answer's
 * X-Repo-Commit pins the commit, so every later file comes from the same commit even if the branch moves.
 */
export class HubRepo {
  readonly repo: string;
  readonly revision: string;
  readonly endpoint: string;
  readonly offline: boolean;
  readonly cache: RepoCache;
  private commit?: string;
  private readonly token?: string;

  constructor(
    id: string,
    private readonly options: HubOptions = {},
  ) {
    const ref = parseRepoRef(id, options.revision);
    this.repo = ref.repo;
    this.revision = ref.revision;
    this.endpoint = options.endpoint ?? process.env.HF_ENDPOINT ?? DEFAULT_ENDPOINT;
    this.token = options.token ?? process.env.HF_TOKEN ?? undefined;
    this.offline = options.offline ?? hubOfflineFromEnv();
    this.cache = new RepoCache(options.cacheDir ?? defaultHubCacheDir(), this.repo);
    if (!this.offline) {
      const u = new URL(this.endpoint);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`Hub endpoint ${this.endpoint}: must be an http(s) URL`);
    }
  }

  /** "org/name@revision", for messages. */
  get name(): string {
    return `${this.repo}@${this.revision}`;
  }

  /** The snapshot folder's commit once known (after the first file). */
  get snapshotCommit(): string | undefined {
    return this.commit;
  }

  /** The local path of `file` in the snapshot, downloading it when needed. */
  async file(file: string, options: HubFileOptions = {}): Promise<string | undefined> {
    checkRepoFile(file, this.name);
    if (this.offline) return this.fromCache(file, options, 'offline');
    const url = resolveUrl(this.endpoint, this.repo, this.commit ?? this.revision, file);
    const request = { repo: this.repo, file, token: this.token };
    let meta;
    try {
      ({ meta } = await hubFetch(url, { ...request, method: 'HEAD', crossOrigin: false }));
    } catch (err) {
      if (err instanceof HubNotFoundError) {
        if (!options.optional) throw err;
        const commit = this.pin(err.commit);
        if (commit) await this.cache.markAbsent(commit, file);
        return undefined;
      }
      // Unreachable Hub: a cached copy still serves, as huggingface_hub does.
      if ((err as Error).message.includes('cannot reach')) {
        const cached = await this.fromCache(file, { ...options, optional: true }, 'unreachable');
        if (cached !== undefined) return cached;
      }
      throw err;
    }
    const commit = this.pin(meta.commit) ?? this.revision.replaceAll('/', '--');
    // The GET names the pinned commit, so a branch that moves between HEAD and GET cannot mix files.
    const pinnedUrl = resolveUrl(this.endpoint, this.repo, this.commit ?? this.revision, file);
    const blob = await downloadBlob({ cache: this.cache, url: pinnedUrl, file, meta, request, maxBytes: options.maxBytes, onProgress: this.options.onProgress });
    const path = await this.cache.link(commit, file, blob);
    await this.cache.writeRef(this.revision, commit);
    return path;
  }

  /** Records the server's commit (checked: it becomes a folder name); a static mirror sends none. */
  private pin(commit: string | undefined): string | undefined {
    if (commit === undefined) return this.commit ?? (isCommitHash(this.revision) ? this.revision : undefined);
    if (!isCommitHash(commit)) throw new Error(`${this.name}: the server's X-Repo-Commit ${JSON.stringify(commit)} is not a 40-character commit id; refused`);
    if (this.commit !== undefined && this.commit !== commit) {
      throw new Error(`${this.name}: the server answered from commit ${commit} after ${this.commit}; refused to mix commits in one snapshot`);
    }
    this.commit = commit;
    return commit;
  }

  private async fromCache(file: string, options: HubFileOptions, why: 'offline' | 'unreachable'): Promise<string | undefined> {
    const commit = this.commit ?? (await this.cache.commitFor(this.revision)) ?? (await this.cache.commitFor(this.revision.replaceAll('/', '--')));
    if (commit !== undefined) {
      if (!/^[A-Za-z0-9_.-]+$/.test(commit) || commit === '..') throw new Error(`${this.cache.dir}: refs/${this.revision} holds ${JSON.stringify(commit)}, not a commit id`);
      this.commit = commit;
      const path = await this.cache.cachedFile(commit, file);
      if (path !== undefined) return path;
    }
    if (options.optional) return undefined;
    const mode = why === 'offline' ? 'offline mode (offline: true or HF_HUB_OFFLINE) is on' : `the Hub at ${this.endpoint} cannot be reached`;
    throw new Error(
      `${this.name}: ${file} is not in the cache ${this.cache.dir}${commit ? ` (snapshot ${commit})` : ' (no snapshot of this revision)'} and ${mode}; ` +
        `download it once online (loadLlama("${this.repo}") or \`huggingface-cli download ${this.repo} ${file}\`), then load offline`,
    );
  }
}
