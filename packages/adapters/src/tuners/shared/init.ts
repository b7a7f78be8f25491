import * as tf from '@tensorflow/tfjs-core';
import { mulberry32, nextSeed } from '@smoa/core';

/** Seeds for a layer's random draws, one per call; undefined everywhere when the layer is unseeded. */
export type SeedStream = () => number | undefined;

/**
 * The seed stream of one layer: a fixed sequence from `seed` (so the same seed gives the same factors,
 * as torch.manual_seed before get_peft_model does in PEFT), or tfjs's own unseeded draws.
 */
export function seedStream(where: string, seed: number | undefined): SeedStream {
  if (seed === undefined) return () => undefined;
  if (!(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32)) {
    throw new Error(`${where}: "seed" must be an integer in [0, 2^32), got ${JSON.stringify(seed)}`);
  }
  const random = mulberry32(seed);
  return () => nextSeed(random);
}

/** PyTorch's kaiming_uniform_(a=sqrt(5)) for a [rows, fanIn] matrix: uniform(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
export function kaimingUniform(rows: number, fanIn: number, seed: number | undefined): tf.Tensor2D {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.randomUniform([rows, fanIn], -bound, bound, 'float32', seed);
}
