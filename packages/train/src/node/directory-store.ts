import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseJsonBounded } from '@smoa/safetensors';
import { syncPath, syncTree, writeFileDurable } from './fs/durable';
import type { TrainerState, TrainingCheckpoint } from '../checkpoint/payload';
import type { CheckpointStore, CheckpointTag } from '../checkpoint/store';

export const STATE_FILE = 'trainer_state.json';
export const WEIGHTS_FILE = 'trainable.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';

export interface DirectoryCheckpointStoreOptions {
  /**
   * Writes the user-facing model files into a checkpoint folder before it is published, e.g. the
   * adapter in PEFT layout (saveAdapter) or a full Hugging Face checkpoint. Called with that folder.
   */
  exportModel?: (dir: string, step: number) => Promise<void>;
}

const stepDirName = (step: number) => `step-${String(step).padStart(6, '0')}`;

/**
 * Checkpoints as folders under `<root>`: step-NNNNNN/ holds trainer_state.json, trainable.safetensors,
 * optimizer.safetensors and whatever exportModel writes; the files `last` and `best` name the folder
 * each tag points to. A folder is written under a temporary name, fsynced (files, then the folder),
 * renamed into place and the root fsynced; only then is the pointer replaced (atomically, synced), so
 * a crash or power loss mid-save leaves the previous checkpoint intact and a pointer never names a
 * folder that is not on disk. Folders no pointer names any more, and the `.step-N.*.tmp` folders a
 * killed save leaves, are removed.
 */
export class DirectoryCheckpointStore implements CheckpointStore {
  constructor(
    readonly root: string,
    private readonly options: DirectoryCheckpointStoreOptions = {},
  ) {}

  /** Folder a tag points to, or undefined when that tag was never saved. */
  async dirFor(tag: CheckpointTag): Promise<string | undefined> {
    let name: string;
    try {
      name = (await readFile(join(this.root, tag), 'utf8')).trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    if (!/^step-\d+$/.test(name)) throw new Error(`${join(this.root, tag)}: expected a checkpoint folder name like "step-000100", got "${name}"`);
    return join(this.root, name);
  }

  async save(checkpoint: TrainingCheckpoint, tag: CheckpointTag): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const name = stepDirName(checkpoint.state.step);
    const dir = join(this.root, name);
    if (!(await exists(join(dir, STATE_FILE)))) {
      const tmp = join(this.root, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await mkdir(tmp, { recursive: true });
        await writeFile(join(tmp, WEIGHTS_FILE), checkpoint.weights);
        await writeFile(join(tmp, OPTIMIZER_FILE), checkpoint.optimizer);
        await this.options.exportModel?.(tmp, checkpoint.state.step);
        // The state file goes last: a folder with it is complete.
        await writeFile(join(tmp, STATE_FILE), JSON.stringify(checkpoint.state, null, 2) + '\n');
        // Every file (exportModel's too), then the folder, reach the disk before the folder counts.
        await syncTree(tmp);
        await rm(dir, { recursive: true, force: true });
        await rename(tmp, dir);
        await syncPath(this.root);
      } catch (err) {
        await rm(tmp, { recursive: true, force: true });
        throw err;
      }
    }
    await writeFileDurable(join(this.root, tag), name + '\n');
    await this.prune();
  }

  /** Removes what killed saves left behind: `.step-N.*.tmp` folders and temporary pointer files. */
  async removeStale(): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(this.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const stale = entries.filter((e) => /^\.(step-\d+|last|best)\.[0-9a-f]+\.tmp$/.test(e));
    for (const e of stale) await rm(join(this.root, e), { recursive: true, force: true });
    return stale.map((e) => join(this.root, e));
  }

  async load(tag: CheckpointTag): Promise<TrainingCheckpoint | undefined> {
    const dir = await this.dirFor(tag);
    return dir === undefined ? undefined : readCheckpointDir(dir);
  }

  private async prune(): Promise<void> {
    const keep = new Set<string>();
    for (const tag of ['last', 'best'] as const) {
      const dir = await this.dirFor(tag);
      if (dir) keep.add(dir.slice(this.root.length + 1));
    }
    for (const entry of await readdir(this.root)) {
      if (/^step-\d+$/.test(entry) && !keep.has(entry)) await rm(join(this.root, entry), { recursive: true, force: true });
    }
    await this.removeStale();
  }
}

/** Reads one checkpoint folder (as written by DirectoryCheckpointStore). */
export async function readCheckpointDir(dir: string): Promise<TrainingCheckpoint> {
  const read = async (file: string) => {
    try {
      return await readFile(join(dir, file));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new Error(`${join(dir, file)}: cannot read checkpoint file (${e.code === 'ENOENT' ? 'missing' : e.message})`);
    }
  };
  const state = parseJsonBounded(await read(STATE_FILE), { file: join(dir, STATE_FILE) }) as TrainerState;
  const toBytes = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return { state, weights: toBytes(await read(WEIGHTS_FILE)), optimizer: toBytes(await read(OPTIMIZER_FILE)) };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
