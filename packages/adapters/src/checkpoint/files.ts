import * as tf from '@tensorflow/tfjs-core';
import { parseJsonBounded, readSafetensors, serializeSafetensors, type TensorToWrite } from '@smoa/safetensors';
import { AdapterModel, attachedAdapterModel, STATE_PREFIX, type AdapterModelConfig } from '../peft-model/adapter-model';
import type { ModuleContainer } from '@smoa/core';
import type { ModuleExtras } from '../tuners/types';
import { checkFiniteWeights } from './finite';
import { fromPeftConfig, toPeftConfig } from './peft-config';
import { pissaAsLoraRank } from './pissa-as-lora';
import { migrateLegacyKeys } from './legacy';
import { isTorchZip, readTorchStateDict } from './torch-bin';

export const CONFIG_FILE = 'adapter_config.json';
export const WEIGHTS_FILE = 'adapter_model.safetensors';
/** PyTorch's format (torch.save), the default of the SMoA authors' save_pretrained; read-only here. */
export const TORCH_WEIGHTS_FILE = 'adapter_model.bin';
/**
 * Safetensors metadata key holding per-module data beyond the weights, as JSON keyed by module path
 * (SMoA: {"row_order": [...], "col_order": [...]}). PEFT readers ignore metadata.
 */
export const EXTRAS_METADATA_KEY = 'smoa.module_extras';

/** The two files of a PEFT adapter directory, in memory. */
export interface AdapterFiles {
  config: string;
  /** adapter_model.safetensors, or an adapter_model.bin (torch.save zip archive; told apart by its bytes). */
  weights: Uint8Array;
}

export interface SerializeAdapterOptions {
  /**
   * Write a PiSSA adapter (LoRA with init 'pissa') in PEFT's converted form, as save_pretrained with
   * path_initial_model_for_weight_conversion does: a plain LoRA of rank 2r that applies to the original
   * base weight, loadable by any LoRA reader. Default false: PiSSA's own form (rank r, init "pissa"),
   * whose residual is recomputed from the base weight on load.
   */
  pissaAsLora?: boolean;
}

/** One adapter as PEFT-layout files. */
export async function serializeAdapter(model: AdapterModel, name?: string, options: SerializeAdapterOptions = {}): Promise<AdapterFiles> {
  const adapter = name ?? model.activeAdapters[0] ?? model.adapterNames[0];
  const adapterConfig = model.config(adapter);
  const peftConfig = toPeftConfig(adapterConfig);
  const pissa = options.pissaAsLora === true && peftConfig.init_lora_weights === 'pissa';
  if (pissa) {
    const c = adapterConfig as { r: number; alpha?: number; rslora?: boolean };
    const { r, alpha } = pissaAsLoraRank(c.r, c.alpha ?? c.r, c.rslora === true);
    Object.assign(peftConfig, { r, lora_alpha: alpha, init_lora_weights: true });
  }
  const config = `${JSON.stringify(peftConfig, null, 2)}\n`;
  const tensors: Record<string, TensorToWrite> = {};
  for (const [path, layer] of model.modules(adapter)) {
    const state = layer.peftState?.({ pissaAsLora: pissa });
    try {
      for (const [key, t] of Object.entries(state ?? layer.state())) {
        tensors[`${STATE_PREFIX}${path}.${key}`] = { shape: t.shape, data: (await t.data()) as Float32Array };
      }
    } finally {
      if (state) tf.dispose(Object.values(state));
    }
  }
  const metadata: Record<string, string> = { format: 'pt' };
  const extras = model.extras(adapter);
  if (Object.keys(extras).length) metadata[EXTRAS_METADATA_KEY] = JSON.stringify(extras);
  return { config, weights: serializeSafetensors(tensors, metadata) };
}

export interface LoadAdapterOptions {
  /**
   * Name of the loaded adapter (default 'default'). Loading onto a model that already carries adapters
   * adds this one beside them (PEFT's load_adapter); a name already in use is an error.
   */
  adapterName?: string;
  /** Make the loaded adapter the active one even when another is active (default: only if none is). */
  activate?: boolean;
  /** Accept NaN / Inf in the adapter's weights (default: refused, naming the tensor). */
  allowNonFinite?: boolean;
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
  const torch = isTorchZip(files.weights);
  const where = options.source ?? { config: CONFIG_FILE, weights: torch ? TORCH_WEIGHTS_FILE : WEIGHTS_FILE };
  const warn = options.onWarning ?? ((m) => console.warn(m));
  const existing = attachedAdapterModel(target);
  if (existing?.adapterNames.includes(name)) {
    throw new Error(
      `${where.config}: this model already has an adapter named "${name}" (adapters: ${existing.adapterNames.join(', ')}); ` +
        'pass another adapterName to load a second adapter beside it, or delete / unload the first',
    );
  }
  const config: AdapterModelConfig = fromPeftConfig(files.config, where.config, warn);
  const weights = torch ? torchWeights(files.weights, where.weights) : await safetensorsWeights(files.weights, where.weights);
  if (!options.allowNonFinite) for (const [key, t] of weights.tensors) checkFiniteWeights(where.weights, key, t.data, t.shape);
  migrateLegacyKeys(config.method, weights.tensors, where.weights, warn);
  const model = existing ?? new AdapterModel(target);
  model.addAdapter(name, config, { extras: weights.extras, activate: options.activate });
  const record: Record<string, tf.Tensor> = {};
  try {
    for (const [key, { shape, data }] of weights.tensors) record[key] = tf.tensor(data, shape, 'float32');
    model.loadState(name, record, where.weights);
  } catch (err) {
    model.deleteAdapter(name);
    throw err;
  } finally {
    for (const t of Object.values(record)) t.dispose();
  }
  return model;
}

interface ReadWeights {
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  extras?: Record<string, ModuleExtras>;
}

async function safetensorsWeights(bytes: Uint8Array, where: string): Promise<ReadWeights> {
  const reader = await readSafetensors(bytes, where);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const key of reader.keys()) tensors.set(key, await reader.readFloat32(key));
  return { tensors, extras: parseExtras(reader.metadata[EXTRAS_METADATA_KEY], where) };
}

/** adapter_model.bin carries no metadata, so SMoA block orders are recomputed, as the authors' code does. */
function torchWeights(bytes: Uint8Array, where: string): ReadWeights {
  return { tensors: readTorchStateDict(bytes, where) };
}

function parseExtras(text: string | undefined, where: string): Record<string, ModuleExtras> | undefined {
  if (text === undefined) return undefined;
  try {
    const v = parseJsonBounded(text, { file: where }) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, ModuleExtras>;
  } catch {
    // fall through to the error below
  }
  throw new Error(`${where}: metadata "${EXTRAS_METADATA_KEY}" must be a JSON object keyed by module path`);
}
