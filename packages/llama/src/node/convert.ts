import { mkdir, readFile, rename, rm, stat, writeFile, readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { serializeSafetensors } from '@smoa/safetensors';
import { toHfConfig } from '../config';
import { parseLlama2cCheckpoint } from '../convert/llama2c-checkpoint';
import { llama2cTokenizerFiles, parseLlama2cTokenizer } from '../convert/llama2c-tokenizer';
import { firstNonFinite } from '../load/weights';

export interface ConvertLlama2cOptions {
  /** Replace outDir when it exists and is not empty (default false: refuse). */
  overwrite?: boolean;
  /** Convert weights holding NaN or Inf (default false: refused, naming the tensor). */
  allowNonFinite?: boolean;
}

export interface ConvertLlama2cResult {
  outDir: string;
  format: 'legacy' | 'v1';
  tiedEmbeddings: boolean;
  numParameters: number;
}

async function readInput(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`${path}: cannot read the ${what} (${e.code === 'ENOENT' ? 'no such file' : e.message})`);
  }
}

/**
 * Converts a llama2.c checkpoint (legacy or v1 "ak42") and its tokenizer.bin into a Hugging Face
 * directory: config.json, model.safetensors (q/k rows in rotate-half order), tokenizer.json and
 * tokenizer_config.json. Everything is written into a temporary directory beside outDir, then renamed,
 * so outDir never holds half a model.
 */
export async function convertLlama2c(
  checkpointPath: string,
  tokenizerPath: string,
  outDir: string,
  options: ConvertLlama2cOptions = {},
): Promise<ConvertLlama2cResult> {
  const out = resolve(outDir);
  const existing = await stat(out).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new Error(`${out}: exists and is not a directory`);
  if (existing && (await readdir(out)).length > 0 && !options.overwrite) {
    throw new Error(`${out}: exists and is not empty; pass overwrite to replace it`);
  }
  const ckpt = parseLlama2cCheckpoint(await readInput(checkpointPath, 'llama2.c checkpoint'), checkpointPath);
  if (!options.allowNonFinite) {
    for (const [name, t] of ckpt.tensors) {
      const at = firstNonFinite(t.data);
      if (at >= 0) {
        throw new Error(`${checkpointPath}: tensor "${name}" holds ${t.data[at]} at flat index ${at}; refusing to convert NaN/Inf weights (pass allowNonFinite to convert anyway)`);
      }
    }
  }
  const vocab = parseLlama2cTokenizer(await readInput(tokenizerPath, 'llama2.c tokenizer'), ckpt.config.vocabSize, tokenizerPath);
  const { tokenizer, tokenizerConfig } = llama2cTokenizerFiles(vocab, ckpt.config.maxPositionEmbeddings);
  const tensors = Object.fromEntries([...ckpt.tensors].map(([name, t]) => [name, { dtype: 'F32' as const, shape: t.shape, data: t.data }]));
  const files: Record<string, string | Uint8Array> = {
    'config.json': JSON.stringify(toHfConfig(ckpt.config), null, 2) + '\n',
    'model.safetensors': serializeSafetensors(tensors, { format: 'pt', source: `llama2.c ${ckpt.format} checkpoint ${basename(checkpointPath)}` }),
    'tokenizer.json': JSON.stringify(tokenizer, null, 2) + '\n',
    'tokenizer_config.json': JSON.stringify(tokenizerConfig, null, 2) + '\n',
  };

  await mkdir(dirname(out), { recursive: true });
  const tag = randomBytes(6).toString('hex');
  const tmp = join(dirname(out), `.${basename(out)}.${tag}.tmp`);
  const old = join(dirname(out), `.${basename(out)}.${tag}.old`);
  try {
    await mkdir(tmp);
    for (const [name, data] of Object.entries(files)) await writeFile(join(tmp, name), data);
    if (existing) await rename(out, old);
    await rename(tmp, out);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    if (existing && !(await stat(out).catch(() => undefined))) await rename(old, out).catch(() => {});
    throw err;
  }
  await rm(old, { recursive: true, force: true });
  const numParameters = [...ckpt.tensors.values()].reduce((n, t) => n + t.data.length, 0);
  return { outDir: out, format: ckpt.format, tiedEmbeddings: ckpt.config.tieWordEmbeddings, numParameters };
}
