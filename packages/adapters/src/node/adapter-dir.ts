import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@smoa/safetensors/node';
import { CONFIG_FILE, deserializeAdapter, serializeAdapter, WEIGHTS_FILE, type LoadAdapterOptions } from '../checkpoint/files';
import type { AdapterModel } from '../peft-model/adapter-model';
import type { ModuleContainer } from '@smoa/core';
import { checkAdapterName } from '../peft-model/names';

/**
 * Writes adapters as PEFT does: the adapter named "default" into `dir`, any other into `dir/<name>`.
 * Each file is written to a temporary name and renamed, so a crash never leaves half a file.
 */
export async function saveAdapter(model: AdapterModel, dir: string, options: { adapters?: string[] } = {}): Promise<string[]> {
  const names = options.adapters ?? model.adapterNames;
  const written: string[] = [];
  for (const name of names) {
    const target = name === 'default' ? dir : join(dir, checkAdapterName(name));
    const files = await serializeAdapter(model, name);
    await writeFileAtomic(join(target, WEIGHTS_FILE), files.weights);
    await writeFileAtomic(join(target, CONFIG_FILE), files.config);
    written.push(target);
  }
  return written;
}

/** Reads a PEFT adapter directory (adapter_config.json + adapter_model.safetensors) onto a model. */
export async function loadAdapter(model: ModuleContainer, dir: string, options: LoadAdapterOptions = {}): Promise<AdapterModel> {
  const configPath = join(dir, CONFIG_FILE);
  const weightsPath = join(dir, WEIGHTS_FILE);
  const read = async (path: string) => {
    try {
      return await readFile(path);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new Error(`${path}: cannot read (${e.code === 'ENOENT' ? 'no such file' : e.message})`);
    }
  };
  const [config, weights] = await Promise.all([read(configPath), read(weightsPath)]);
  return deserializeAdapter(model, { config: config.toString('utf8'), weights }, { ...options, source: { config: configPath, weights: weightsPath } });
}
