import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { DataSource } from '../readers/source';

/** A file as a DataSource: lines() streams it through readline, so a large JSONL file is never held whole. */
export function fileSource(path: string): DataSource {
  return {
    name: path,
    async text() {
      try {
        return await readFile(path, 'utf8');
      } catch (err) {
        throw fileError(path, err);
      }
    },
    async *lines() {
      const stream = createReadStream(path, { encoding: 'utf8' });
      // readline does not surface a missing file itself; the stream's error would be unhandled.
      const opened = new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve());
        stream.once('error', (err) => reject(fileError(path, err)));
      });
      await opened;
      const rl = createInterface({ input: stream, crlfDelay: Infinity });
      try {
        yield* rl;
      } finally {
        rl.close();
        stream.destroy();
      }
    },
  };
}

function fileError(path: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  // The code travels so that loaders can tell "not there" (name the slot to fill) from "unreadable".
  return Object.assign(new Error(`${path}: cannot read (${e.code === 'ENOENT' ? 'no such file' : e.message})`), { code: e.code });
}
