import { cp, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import type { TensorToWrite } from '@smoa/safetensors';
import { openSafetensorsFile, writeSafetensorsFile } from '@smoa/safetensors/node';
import { createStagingDir, replaceDirectory } from '@smoa/train/node';

/**
 * Writes a Hugging Face model directory: every file of `baseDir` copied, with model.safetensors
 * rewritten so the tensors named in `replacements` (e.g. merged projection weights) carry their new
 * values and every other tensor keeps its stored bytes and dtype. Built in a staging folder and put in
 * place with replaceDirectory, so `outDir` never holds half a model and a kill during the swap is
 * repaired by the next run (recoverDirectory).
 */
export async function writeHfCheckpoint(baseDir: string, outDir: string, replacements: Map<string, tf.Tensor>): Promise<{ replaced: number }> {
  const weightsFile = 'model.safetensors';
  if (!(await stat(join(baseDir, weightsFile)).catch(() => undefined))) {
    throw new Error(`${join(baseDir, weightsFile)}: merge writes a single-file checkpoint and needs the base model in one model.safetensors`);
  }
  const tmp = await createStagingDir(outDir);
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
    await replaceDirectory(tmp, outDir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return { replaced };
}
