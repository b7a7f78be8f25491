import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurable } from '../fs/durable';

export const METRICS_FILE = 'metrics.jsonl';

/** One line of metrics.jsonl: a trainer event (step, eval, checkpoint, resume, stop) with its time. */
export type MetricsRecord = { time: string; type: string; step?: number } & Record<string, unknown>;

/** Reads metrics.jsonl; a line cut by a crash is skipped so the rest still counts. Missing file: []. */
export async function readMetrics(path: string): Promise<MetricsRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const records: MetricsRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as MetricsRecord;
      if (r && typeof r === 'object' && typeof r.type === 'string') records.push(r);
    } catch {
      // the last line of a killed run may be cut short
    }
  }
  return records;
}

/** Appends trainer events to <runDir>/metrics.jsonl, one JSON object a line. */
export class MetricsFile {
  readonly path: string;

  constructor(runDir: string) {
    this.path = join(runDir, METRICS_FILE);
  }

  /** Starts an empty file (a fresh run). */
  async reset(): Promise<void> {
    await writeFile(this.path, '');
  }

  /**
   * A resume from the checkpoint at `step` repeats the steps after it, so their records (written
   * before a kill or an interrupt) are dropped first; otherwise they would appear twice.
   */
  async truncateAfter(step: number): Promise<void> {
    const kept = (await readMetrics(this.path)).filter((r) => typeof r.step !== 'number' || r.step <= step);
    await writeFileDurable(this.path, kept.map((r) => JSON.stringify(r) + '\n').join(''));
  }

  async write(record: Record<string, unknown>): Promise<void> {
    await appendFile(this.path, JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n');
  }
}
