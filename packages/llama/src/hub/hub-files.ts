import { readFile } from 'node:fs/promises';
import { openSafetensorsFile } from '@smoa/safetensors/node';
import type { ModelFiles } from '../load/load';
import type { HubRepo } from './snapshot';

/** JSON files are small; a huge one is hostile (a 10 GB config.json), so it is refused before downloading. */
export const MAX_JSON_BYTES = 64 * 2 ** 20;

/** Files required to load a model; everything else is optional (a 404 means absent). */
const REQUIRED = new Set(['config.json']);

/**
 * A Hub repository as model files: each file is downloaded into the cache the first time it is read,
 * so reading config.json alone (smoa info) downloads nothing else.
 */
export function hubFiles(repo: HubRepo): ModelFiles & { repo: HubRepo } {
  const local = (file: string) =>
    repo.file(file, { optional: !REQUIRED.has(file), maxBytes: file.endsWith('.json') ? MAX_JSON_BYTES : undefined });
  return {
    repo,
    name: repo.name,
    path: (file) => `${repo.name}/${file}`,
    async readText(file) {
      const path = await local(file);
      return path === undefined ? undefined : readFile(path, 'utf8');
    },
    exists: async (file) => (await local(file)) !== undefined,
    async openSafetensors(file) {
      const path = await repo.file(file);
      return openSafetensorsFile(path!);
    },
  };
}
