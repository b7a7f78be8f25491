import { cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type * as tf from '@tensorflow/tfjs-core';
import type { TensorToWrite } from '@smoa/safetensors';
import { openSafetensorsFile, writeSafetensorsFile } from '@smoa/safetensors/node';

/**
 * Writes a Hugging Face model directory: every file of `baseDir` copied, with model.safetensors
 * rewritten so the tensors named in `replacements` (e.g. merged projection weights) carry their new
 * values and every other tensor keeps its stored bytes and dtype. Built in a temporary directory and
 * renamed into place, so `outDir` never holds half a model.
 */
export async function writeHfCheckpoint(baseDir: string, outDir: string, replacements: Map<string, tf.Tensor>): Promise<{ replaced: number }> {
  const weightsFile = 'model.safetensors';
  if (!(await stat(join(baseDir, weightsFile)).catch(() => undefined))) {
    throw new Error(`${join(baseDir, weightsFile)}: merge writes a single-file checkpoint and needs the base model in one model.safetensors`);
  }
  const tag = randomBytes(6).toString('hex');
  const tmp = join(dirname(outDir), `.${basename(outDir)}.${tag}.tmp`);
  const old = join(dirname(outDir), `.${basename(outDir)}.${tag}.old`);
  await mkdir(tmp, { recursive: true });
  let replaced = 0;
  try {
    for (const f of await readdir(baseDir)) if (f !== weightsFile) await cp(join(baseDir, f), join(tmp, f), { recursive: true });
    const reader = await openSafetensorsFile(join(baseDir, weightsFile));
    const tensors: Record<string, TensorToWrite> = {};
    try {
      for (const name of reader.keys()) {
        const stored = await reader.read(name);
        const next = replacements.get(name);
        if (next) {
          if (next.shape.join(',') !== stored.shape.join(',')) throw new Error(`${name}: merged shape [${next.shape}] differs from the stored [${stored.shape}]`);
          tensors[name] = { dtype: stored.dtype, shape: stored.shape, data: next.dataSync() as Float32Array };
          replaced++;
        } else {
          tensors[name] = { dtype: stored.dtype, shape: stored.shape, data: stored.data };
        }
      }
      await writeSafetensorsFile(join(tmp, weightsFile), tensors, { ...reader.metadata, format: 'pt' });
    } finally {
      await reader.close();
    }
    const existing = await stat(outDir).catch(() => undefined);
    if (existing) await rename(outDir, old);
    await rename(tmp, outDir);
    await rm(old, { recursive: true, force: true });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return { replaced };
}
