import { loadLlamaFiles, urlFiles, type LoadedLlama, type LoadLlamaOptions } from '../load/load';
import { DEFAULT_ENDPOINT, parseRepoRef, resolveUrl } from './repo-id';

export interface HubFetchOptions {
  revision?: string;
  /** Default https://huggingface.co (a browser has no HF_ENDPOINT). */
  endpoint?: string;
  /** Sent as `Authorization: Bearer`; fetch drops it on redirects to other origins. */
  token?: string;
}

/**
 * loadLlama by Hub id for browsers and other fetch-only runtimes: the same resolve URLs, no disk cache
 * (the browser's HTTP cache applies). Weights are fetched file by file.
 */
export async function loadLlamaFromHub(id: string, options: LoadLlamaOptions & HubFetchOptions = {}): Promise<LoadedLlama> {
  const { repo, revision } = parseRepoRef(id, options.revision);
  const base = resolveUrl(options.endpoint ?? DEFAULT_ENDPOINT, repo, revision, '');
  const init: RequestInit | undefined = options.token ? { headers: { authorization: `Bearer ${options.token}` } } : undefined;
  return loadLlamaFiles(urlFiles(base, init), options);
}
