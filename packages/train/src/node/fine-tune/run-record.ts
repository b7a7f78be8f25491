import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseJsonBounded } from '@smoa/safetensors';
import type { ConfigChange, TrainConfig } from '../../trainer/config';
import { writeFileDurable } from '../fs/durable';

export const RUN_FILE = 'run.json';
export const RUN_FORMAT = 'smoa-run';

/** <runDir>/run.json: what was trained, how, and every resume with the settings it changed. */
export interface RunRecord {
  format: typeof RUN_FORMAT;
  version: 1;
  created: string;
  mode: unknown;
  config: TrainConfig;
  numTrainable: number;
  trainExamples: number;
  validationExamples: number;
  /** The caller's own description (the CLI: task, model, data flags). */
  info: Record<string, unknown>;
  resumes: { time: string; step: number; changed: ConfigChange[]; config: TrainConfig; info: Record<string, unknown> }[];
}

export async function writeRunRecord(runDir: string, record: RunRecord): Promise<void> {
  await writeFileDurable(join(runDir, RUN_FILE), JSON.stringify(record, null, 2) + '\n');
}

/** Reads run.json; undefined when missing. A file that is not a run record is an error naming it. */
export async function readRunRecord(runDir: string): Promise<RunRecord | undefined> {
  const path = join(runDir, RUN_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const record = parseJsonBounded(text, { file: path }) as RunRecord;
  if (record?.format !== RUN_FORMAT || !Array.isArray(record.resumes)) throw new Error(`${path}: not a run record (expected "format": "${RUN_FORMAT}" and a "resumes" list)`);
  return record;
}
