import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadLlamaFiles, type LoadedLlama, type LoadLlamaOptions } from '../load/load';
import { dirFiles } from './files';

/**
 * Loads a Hugging Face Llama directory: config.json, model.safetensors or the shards listed in
 * model.safetensors.index.json (F32, F16 or BF16; computed in float32), and tokenizer.json with
 * tokenizer_config.json when present.
 */
export async function loadLlama(dir: string, options: LoadLlamaOptions = {}): Promise<LoadedLlama> {
  const abs = resolve(dir);
  const s = await stat(abs).catch(() => undefined);
  if (!s?.isDirectory()) throw new Error(`${abs}: not a directory (expected a Hugging Face model directory with config.json)`);
  return loadLlamaFiles(dirFiles(abs), options);
}
