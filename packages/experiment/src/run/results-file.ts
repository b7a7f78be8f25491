import { appendFile, readFile, rename, writeFile } from 'node:fs/promises';
import type { RunRecord } from '../summary/results';

/**
 * Finished runs, one JSON line each. A line is appended only after its run is complete, so a killed
 * experiment leaves every finished run readable; a torn last line (killed mid-write) is ignored.
 */
export async function readResults(path: string): Promise<RunRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const lines = text.split('\n');
  const out: RunRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as RunRecord);
    } catch (err) {
      if (i === lines.length - 1) return; // torn final line: that run is redone
      throw new Error(`${path}:${i + 1}: not valid JSON (${(err as Error).message}); remove the line to redo that run`);
    }
  });
  return out;
}

export async function appendResult(path: string, record: RunRecord): Promise<void> {
  await appendFile(path, JSON.stringify(record) + '\n');
}

/** Writes a whole file through a temporary name, so a reader never sees half of it. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}
