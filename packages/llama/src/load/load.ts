import { SafetensorsReader, parseJsonBounded, urlSource } from '@smoa/safetensors';
import { parseLlamaConfig, type LlamaConfig } from '../config';
import { LlamaForCausalLM } from '../model/causal-lm';
import { createTokenizer, type LlamaTokenizer } from '../tokenizer/tokenizer';
import { parseGenerationConfig, type GenerationConfig } from '../generate/generation-config';
import { shardedSource, type TensorSource } from './tensor-source';
import { loadWeights } from './weights';

/** The files of a Hugging Face model directory, wherever they live (disk, a web server, ...). */
export interface ModelFiles {
  /** The directory or base URL, naming the model in errors. */
  readonly name: string;
  /** The full name of one file, for errors. */
  path(file: string): string;
  /** A file's text, or undefined when it does not exist. */
  readText(file: string): Promise<string | undefined>;
  exists(file: string): Promise<boolean>;
  openSafetensors(file: string): Promise<SafetensorsReader>;
}

export interface LoadLlamaOptions {
  /** Make every weight a trainable variable (full fine-tuning) instead of frozen tensors. */
  fullFineTuning?: boolean;
  /**
   * Load tokenizer.json when present (default true); 'required' makes a missing one an error, and the
   * result's `tokenizer` is then not optional in its type.
   */
  tokenizer?: boolean | 'required';
  /** Accept NaN or Inf in base weights (default false: loading names the first such tensor). */
  allowNonFinite?: boolean;
  /**
   * Called with config.json before any weight is read or downloaded; throw to refuse the model.
   * loadLlama uses it for the wasm backend's 4 GiB limit.
   */
  beforeWeights?: (config: LlamaConfig) => void | Promise<void>;
}

export interface LoadedLlama {
  model: LlamaForCausalLM;
  config: LlamaConfig;
  /** Present when the directory has a tokenizer.json. */
  tokenizer?: LlamaTokenizer;
  /** generation_config.json when present; its eos_token_id is the model's default stop list. */
  generationConfig?: GenerationConfig;
}

/** A load whose tokenizer was required: it is there. */
export type LoadedLlamaWithTokenizer = LoadedLlama & { tokenizer: LlamaTokenizer };

/**
 * A JSON file of the model, or undefined when absent. Depth- and size-bounded: a config.json nested
 * 5,000 deep is an error naming the file, not "Maximum call stack size exceeded".
 */
export async function readJson(files: ModelFiles, file: string): Promise<unknown | undefined> {
  const text = await files.readText(file);
  if (text === undefined) return undefined;
  try {
    // tokenizer.json files in the wild repeat keys now and then; JSON.parse's last-one-wins is what Python does too.
    return parseJsonBounded(text, { file: files.path(file), duplicateKeys: 'last', maxBytes: 256 * 2 ** 20 });
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(message.startsWith(files.path(file)) ? message : `${files.path(file)}: not valid JSON (${message})`);
  }
}

/** Opens model.safetensors, or every shard that model.safetensors.index.json names. */
export async function openWeights(files: ModelFiles): Promise<TensorSource> {
  const indexFile = 'model.safetensors.index.json';
  const index = await readJson(files, indexFile);
  if (index === undefined) {
    if (!(await files.exists('model.safetensors'))) throw new Error(`${files.name}: has neither model.safetensors nor ${indexFile}`);
    return shardedSource([await files.openSafetensors('model.safetensors')]);
  }
  const map = (index as { weight_map?: unknown }).weight_map;
  if (!map || typeof map !== 'object' || Array.isArray(map) || !Object.values(map).every((v) => typeof v === 'string')) {
    throw new Error(`${files.path(indexFile)}: field "weight_map" must be an object mapping tensor names to shard file names`);
  }
  const shards = [...new Set(Object.values(map as Record<string, string>))];
  for (const s of shards) {
    // A weight map from a hostile repository may name ../../x, /etc/passwd or a URL: only plain names pass.
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/.test(s) || s.includes('..')) {
      throw new Error(`${files.path(indexFile)}: shard name ${JSON.stringify(s)} must be a plain file name in the same directory (no paths, "..", or URLs)`);
    }
  }
  const readers: SafetensorsReader[] = [];
  try {
    for (const s of shards) readers.push(await files.openSafetensors(s));
  } catch (err) {
    await Promise.all(readers.map((r) => r.close()));
    throw err;
  }
  const byReader = new Map(readers.map((r, i) => [r, shards[i]]));
  return shardedSource(readers, { map: map as Record<string, string>, file: files.path(indexFile), shardName: (r) => byReader.get(r)! });
}

/**
 * A Llama from a config (parsed, or config.json's object) and opened safetensors readers (one file or
 * its shards; `SafetensorsReader.open(bytesSource(...) | blobSource(...) | await urlSource(...))`).
 * The readers stay open; close them when done.
 */
export async function buildLlama(
  config: LlamaConfig | Record<string, unknown>,
  readers: SafetensorsReader[],
  options: { name?: string; fullFineTuning?: boolean } = {},
): Promise<LlamaForCausalLM> {
  const parsed = 'model_type' in config ? parseLlamaConfig(config, 'config') : (config as LlamaConfig);
  const source = shardedSource(readers);
  const model = new LlamaForCausalLM(parsed, await loadWeights(parsed, source), options.name ?? source.name);
  if (options.fullFineTuning) model.enableFullFineTuning();
  return model;
}

/** config.json of a model, parsed and checked; nothing else is read. */
export async function readLlamaConfig(files: ModelFiles): Promise<LlamaConfig> {
  const rawConfig = await readJson(files, 'config.json');
  if (rawConfig === undefined) throw new Error(`${files.path('config.json')}: no such file (a Hugging Face model directory needs config.json)`);
  return parseLlamaConfig(rawConfig, files.path('config.json'));
}

/**
 * Builds a Llama from a model directory's files: config.json, generation_config.json when present,
 * the weights (one file or shards, read tensor by tensor) and, when present, tokenizer.json with
 * tokenizer_config.json.
 */
export async function loadLlamaFiles(files: ModelFiles, options: LoadLlamaOptions & { tokenizer: 'required' }): Promise<LoadedLlamaWithTokenizer>;
export async function loadLlamaFiles(files: ModelFiles, options?: LoadLlamaOptions): Promise<LoadedLlama>;
export async function loadLlamaFiles(files: ModelFiles, options: LoadLlamaOptions = {}): Promise<LoadedLlama> {
  let config = await readLlamaConfig(files);
  const genJson = await readJson(files, 'generation_config.json');
  const generationConfig = genJson === undefined ? undefined : parseGenerationConfig(genJson, files.path('generation_config.json'));
  // generation_config.json's stop ids are what transformers' generate() stops at (often several, as in Llama 3).
  if (generationConfig?.eosTokenId) config = { ...config, eosTokenId: generationConfig.eosTokenId };
  // The tokenizer first: it is small, and a broken one should fail before gigabytes of weights.
  let tokenizer: LlamaTokenizer | undefined;
  if (options.tokenizer ?? true) {
    const tokJson = await readJson(files, 'tokenizer.json');
    if (tokJson !== undefined) {
      const tokConfig = (await readJson(files, 'tokenizer_config.json')) ?? {};
      tokenizer = createTokenizer(tokJson, tokConfig, config, files.path('tokenizer.json'));
    } else if (options.tokenizer === 'required') {
      throw new Error(`${files.path('tokenizer.json')}: no such file; this model has no Hugging Face tokenizer`);
    }
  }
  await options.beforeWeights?.(config);
  const source = await openWeights(files);
  let model: LlamaForCausalLM;
  try {
    model = new LlamaForCausalLM(config, await loadWeights(config, source, { allowNonFinite: options.allowNonFinite }), files.name);
  } finally {
    await source.close();
  }
  if (options.fullFineTuning) model.enableFullFineTuning();
  return { model, config, tokenizer, ...(generationConfig ? { generationConfig } : {}) };
}

/** Files served over HTTP(S) under `baseUrl` (a browser page loading the model it serves). */
export function urlFiles(baseUrl: string, init?: RequestInit): ModelFiles {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const path = (file: string) => new URL(file, base).toString();
  return {
    name: baseUrl,
    path,
    async readText(file) {
      const res = await fetch(path(file), init);
      if (res.status === 404) return undefined;
      if (!res.ok) throw new Error(`${path(file)}: HTTP ${res.status} ${res.statusText}`);
      return res.text();
    },
    async exists(file) {
      const res = await fetch(path(file), { ...init, method: 'HEAD' });
      return res.ok;
    },
    openSafetensors: async (file) => SafetensorsReader.open(await urlSource(path(file), init)),
  };
}

/** loadLlama for a model served over HTTP: `loadLlamaFromUrl('/models/stories260K/')`. */
export function loadLlamaFromUrl(baseUrl: string, options: LoadLlamaOptions & { fetchInit?: RequestInit } = {}): Promise<LoadedLlama> {
  return loadLlamaFiles(urlFiles(baseUrl, options.fetchInit), options);
}
