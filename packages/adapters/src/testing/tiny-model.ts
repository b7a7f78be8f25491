// A ModuleContainer of real Linear modules built from the tiny Llama fixture (tests only).
import * as tf from '@tensorflow/tfjs-core';
import { readFile } from 'node:fs/promises';
import { readSafetensors } from '@smoa/safetensors';
import { Linear, type ModuleContainer } from '@smoa/core';
import { fixturePath } from './fixtures';

export class TinyProjections implements ModuleContainer {
  constructor(readonly linears: Map<string, Linear>) {}

  namedLinears(): Iterable<[string, Linear]> {
    return this.linears.entries();
  }

  get(path: string): Linear {
    return this.linears.get(path)!;
  }

  dispose(): void {
    for (const l of this.linears.values()) l.weight.dispose();
  }
}

/** Every 2-D "<path>.weight" of llama_tiny_mha except the embedding, as Linear modules by HF path. */
export async function loadTinyProjections(): Promise<TinyProjections> {
  const path = fixturePath('llama_tiny_mha/model.safetensors');
  const reader = await readSafetensors(await readFile(path), path);
  const linears = new Map<string, Linear>();
  for (const key of reader.keys()) {
    const info = reader.info(key);
    if (info.shape.length !== 2 || key.includes('embed_tokens')) continue;
    const { shape, data } = await reader.readFloat32(key);
    linears.set(key.replace(/\.weight$/, ''), new Linear(tf.tensor2d(data, shape as [number, number])));
  }
  return new TinyProjections(linears);
}
