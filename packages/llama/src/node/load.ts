import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LlamaConfig } from '../config';
import {
  loadLlamaFiles,
  readJson,
  readLlamaConfig,
  type LoadedLlama,
  type LoadedLlamaWithTokenizer,
  type LoadLlamaOptions,
  type ModelFiles,
} from '../load/load';
import { expectedTensors } from '../load/weights';
import { createTokenizer, type LlamaTokenizer } from '../tokenizer/tokenizer';
import { hubFiles } from '../hub/hub-files';
import { HubRepo, type HubOptions } from '../hub/snapshot';
import { looksLikeHubId } from '../hub/repo-id';
import { dirFiles } from './files';

export type LoadLlamaNodeOptions = LoadLlamaOptions & HubOptions;

/**
 * A local directory, or else a Hub id ("org/name" or "org/name@revision"). A path that exists always
 * wins, so a folder named like an id is never shadowed by the Hub.
 */
export async function modelFiles(idOrDir: string, options: HubOptions = {}): Promise<ModelFiles> {
  const abs = resolve(idOrDir);
  const s = await stat(abs).catch(() => undefined);
  if (s?.isDirectory()) return dirFiles(abs);
  if (s) throw new Error(`${abs}: not a directory (expected a Hugging Face model directory with config.json, or a Hub id "org/name")`);
  if (!looksLikeHubId(idOrDir)) {
    throw new Error(`${idOrDir}: no such directory, and not a Hub id (expected "org/name" or "org/name@revision")`);
  }
  return hubFiles(new HubRepo(idOrDir, options));
}

/** The wasm backend's heap: 4 GiB of 32-bit addresses, the weights' float32 copies included. */
export const WASM_HEAP_BYTES = 4 * 2 ** 30;

/** Bytes of the base weights as held in memory (float32), tied embeddings counted once. */
export function weightBytes(config: LlamaConfig): number {
  let n = 0;
  for (const shape of expectedTensors(config).values()) n += shape.reduce((a, b) => a * b, 1);
  return n * 4;
}

const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;

/** Refuses, before any weight is read or downloaded, a model whose float32 weights cannot fit the wasm heap. */
export function checkFitsBackend(config: LlamaConfig, name: string, backend = tf.getBackend()): void {
  if (backend !== 'wasm') return;
  const bytes = weightBytes(config);
  if (bytes > WASM_HEAP_BYTES) {
    throw new Error(
      `${name}: its weights take ${gib(bytes)} as float32 but the wasm backend's heap is limited to ${gib(WASM_HEAP_BYTES)}; ` +
        'nothing was downloaded. Use a smaller model or a native backend (tfjs-node); `smoa info --model` prints the plan',
    );
  }
}

/**
 * Loads a Llama-family model (Llama, Mistral, Qwen2 configs) from a directory or a Hub id: config.json,
 * generation_config.json, model.safetensors or the shards of model.safetensors.index.json (F32, F16 or
 * BF16; computed in float32), tokenizer.json with tokenizer_config.json. Hub files go through the
 * huggingface_hub cache (shared with Python); see HubOptions.
 */
export async function loadLlama(idOrDir: string, options: LoadLlamaNodeOptions & { tokenizer: 'required' }): Promise<LoadedLlamaWithTokenizer>;
export async function loadLlama(idOrDir: string, options?: LoadLlamaNodeOptions): Promise<LoadedLlama>;
export async function loadLlama(idOrDir: string, options: LoadLlamaNodeOptions = {}): Promise<LoadedLlama> {
  const files = await modelFiles(idOrDir, options);
  return loadLlamaFiles(files, {
    ...options,
    beforeWeights: async (config) => {
      checkFitsBackend(config, files.name);
      await options.beforeWeights?.(config);
    },
  });
}

/** config.json of a directory or Hub id, downloading nothing else (what `smoa info` plans from). */
export async function loadLlamaConfig(idOrDir: string, options: HubOptions = {}): Promise<{ config: LlamaConfig; name: string }> {
  const files = await modelFiles(idOrDir, options);
  return { config: await readLlamaConfig(files), name: files.name };
}

/** The tokenizer (tokenizer.json + tokenizer_config.json, with its chat template) of a directory or Hub id. */
export async function loadTokenizer(idOrDir: string, options: HubOptions = {}): Promise<LlamaTokenizer> {
  const files = await modelFiles(idOrDir, options);
  const tokJson = await readJson(files, 'tokenizer.json');
  if (tokJson === undefined) throw new Error(`${files.path('tokenizer.json')}: no such file; this model has no Hugging Face tokenizer`);
  const tokConfig = (await readJson(files, 'tokenizer_config.json')) ?? {};
  // The model's special-token ids fill in what tokenizer_config.json leaves out.
  const rawConfig = (await readJson(files, 'config.json').catch(() => undefined)) as Record<string, unknown> | undefined;
  const id = (v: unknown) => (typeof v === 'number' ? v : Array.isArray(v) && typeof v[0] === 'number' ? (v as number[]) : undefined);
  const fallback = rawConfig
    ? { bosTokenId: id(rawConfig.bos_token_id) as number | undefined, eosTokenId: id(rawConfig.eos_token_id), padTokenId: id(rawConfig.pad_token_id) as number | undefined }
    : {};
  return createTokenizer(tokJson, tokConfig, fallback, files.path('tokenizer.json'));
}
