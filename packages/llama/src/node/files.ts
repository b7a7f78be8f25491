import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openSafetensorsFile } from '@smoa/safetensors/node';
import type { ModelFiles } from '../load/load';

/** A model directory on disk; safetensors files are read lazily, tensor by tensor. */
export function dirFiles(dir: string): ModelFiles {
  const path = (file: string) => join(dir, file);
  return {
    name: dir,
    path,
    async readText(file) {
      try {
        return await readFile(path(file), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new Error(`${path(file)}: cannot read (${(err as Error).message})`);
      }
    },
    async exists(file) {
      try {
        await access(path(file));
        return true;
      } catch {
        return false;
      }
    },
    openSafetensors: (file) => openSafetensorsFile(path(file)),
  };
}
