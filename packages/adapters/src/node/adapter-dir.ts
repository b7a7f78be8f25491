import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@smoa/safetensors/node';
import { CONFIG_FILE, deserializeAdapter, serializeAdapter, TORCH_WEIGHTS_FILE, WEIGHTS_FILE, type LoadAdapterOptions, type SerializeAdapterOptions } from '../checkpoint/files';
import type { AdapterModel } from '../peft-model/adapter-model';
import type { ModuleContainer } from '@smoa/core';
import { checkAdapterName } from '../peft-model/names';

/**
 * Writes adapters as PEFT does: the adapter named "default" into `dir`, any other into `dir/<name>`.
 * Each file is written to a temporary name and renamed, so a crash never leaves half a file.
 */
export async function saveAdapter(model: AdapterModel, dir: string, options: { adapters?: string[] } & SerializeAdapterOptions = {}): Promise<string[]> {
  const names = options.adapters ?? model.adapterNames;
  const written: string[] = [];
  for (const name of names) {
    const target = name === 'default' ? dir : join(dir, checkAdapterName(name));
    const files = await serializeAdapter(model, name, options);
    await writeFileAtomic(join(target, WEIGHTS_FILE), files.weights);
    await writeFileAtomic(join(target, CONFIG_FILE), files.config);
    written.push(target);
  }
  return written;
}

/**
 * Reads a PEFT adapter directory onto a model: adapter_config.json plus adapter_model.safetensors or,
 * when there is none, adapter_model.bin (torch.save's format, the SMoA authors' default), read without
 * running its pickle. On a model that already carries adapters this one is added beside them.
 */
export async function loadAdapter(model: ModuleContainer, dir: string, options: LoadAdapterOptions = {}): Promise<AdapterModel> {
  const configPath = join(dir, CONFIG_FILE);
  const read = async (path: string) => {
    try {
      return await readFile(path);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new Error(`${path}: cannot read (${e.code === 'ENOENT' ? 'no such file' : e.message})`);
    }
  };
  const config = await read(configPath);
  const safetensors = join(dir, WEIGHTS_FILE);
  const torch = join(dir, TORCH_WEIGHTS_FILE);
  const weightsPath = !(await isFile(safetensors)) && (await isFile(torch)) ? torch : safetensors;
  if (!(await isFile(weightsPath))) throw new Error(`${safetensors}: cannot read (no such file, and no ${TORCH_WEIGHTS_FILE} beside it)`);
  const weights = await read(weightsPath);
  return deserializeAdapter(model, { config: config.toString('utf8'), weights }, { ...options, source: { config: configPath, weights: weightsPath } });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
