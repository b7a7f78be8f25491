import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors, serializeSafetensors, type TensorToWrite } from '@smoa/safetensors';
import { AdapterModel, type AdapterModelConfig } from '../peft-model/adapter-model';
import type { ModuleContainer } from '@smoa/core';
import type { ModuleExtras } from '../tuners/types';
import { fromPeftConfig, toPeftConfig } from './peft-config';

export const CONFIG_FILE = 'adapter_config.json';
export const WEIGHTS_FILE = 'adapter_model.safetensors';
/**
 * Safetensors metadata key holding per-module data beyond the weights, as JSON keyed by module path
 * (SMoA: {"row_order": [...], "col_order": [...]}). PEFT readers ignore metadata.
 */
export const EXTRAS_METADATA_KEY = 'smoa.module_extras';

/** The two files of a PEFT adapter directory, in memory. */
export interface AdapterFiles {
  config: string;
  weights: Uint8Array;
}

/** One adapter as PEFT-layout files. */
export async function serializeAdapter(model: AdapterModel, name?: string): Promise<AdapterFiles> {
  const adapter = name ?? model.activeAdapters[0] ?? model.adapterNames[0];
  const config = `${JSON.stringify(toPeftConfig(model.config(adapter)), null, 2)}\n`;
  const tensors: Record<string, TensorToWrite> = {};
  for (const [key, t] of Object.entries(model.state(adapter))) {
    tensors[key] = { shape: t.shape, data: (await t.data()) as Float32Array };
  }
  const metadata: Record<string, string> = { format: 'pt' };
  const extras = model.extras(adapter);
  if (Object.keys(extras).length) metadata[EXTRAS_METADATA_KEY] = JSON.stringify(extras);
  return { config, weights: serializeSafetensors(tensors, metadata) };
}

export interface LoadAdapterOptions {
  /** Name of the loaded adapter (default 'default'). */
  adapterName?: string;
  /** Where unknown config keys are reported (default console.warn). */
  onWarning?: (message: string) => void;
  /** Used in error messages for the config and weights. */
  source?: { config: string; weights: string };
}

/**
 * Attaches an adapter read from PEFT-layout files: ours, Hugging Face PEFT LoRA files, and the SMoA
 * authors' files (which carry no block orders: those are then recomputed from the weights).
 */
export async function deserializeAdapter(target: ModuleContainer, files: AdapterFiles, options: LoadAdapterOptions = {}): Promise<AdapterModel> {
  const name = options.adapterName ?? 'default';
  const where = options.source ?? { config: CONFIG_FILE, weights: WEIGHTS_FILE };
  const config: AdapterModelConfig = fromPeftConfig(files.config, where.config, options.onWarning ?? ((m) => console.warn(m)));
  const reader = await readSafetensors(files.weights, where.weights);
  const extras = parseExtras(reader.metadata[EXTRAS_METADATA_KEY], where.weights);
  const model = target instanceof AdapterModel ? target : new AdapterModel(target);
  model.addAdapter(name, config, { extras });
  const record: Record<string, tf.Tensor> = {};
  try {
    for (const key of reader.keys()) {
      const { shape, data } = await reader.readFloat32(key);
      record[key] = tf.tensor(data, shape, 'float32');
    }
    model.loadState(name, record, where.weights);
  } catch (err) {
    model.deleteAdapter(name);
    throw err;
  } finally {
    for (const t of Object.values(record)) t.dispose();
  }
  return model;
}

function parseExtras(text: string | undefined, where: string): Record<string, ModuleExtras> | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, ModuleExtras>;
  } catch {
    // fall through to the error below
  }
  throw new Error(`${where}: metadata "${EXTRAS_METADATA_KEY}" must be a JSON object keyed by module path`);
}
