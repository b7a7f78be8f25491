import * as tf from '@tensorflow/tfjs-core';
import { spectralOrdersOf } from '../spectral';
import type { AdapterDense } from '../tuners/shared/adapter-dense';
import { DoRADense } from '../tuners/dora/dense';
import { HiRADense } from '../tuners/hira/dense';
import { LoRADense } from '../tuners/lora/dense';
import { MELoRADense } from '../tuners/melora/dense';
import { SMoADense } from '../tuners/smoa/dense';

/** What every method's Dense takes from the layer it replaces. */
interface DenseBase {
  units: number;
  useBias: boolean;
  name: string;
  seed?: number;
}

type Common = { r: number; alpha?: number; dropout?: number };

/** The tfjs-layers config of each method (the core configs minus what Dense layers do not support). */
export type DenseAdapterConfig =
  | ({ method: 'smoa'; numBlocks?: number; branchRanks?: number[] } & Common)
  | ({ method: 'lora'; rslora?: boolean } & Common)
  | ({ method: 'hira' } & Common)
  | ({ method: 'melora'; numBlocks: number } & Common)
  | ({ method: 'dora'; rslora?: boolean } & Common);

type Entry = { dense: { className: string }; create(base: DenseBase, config: Record<string, unknown>, kernel: tf.Tensor): AdapterDense };

/** Each method's Dense, one line each: adding a method adds its dense.ts and a line here. */
export const DENSE_LAYERS: Record<DenseAdapterConfig['method'], Entry> = {
  smoa: { dense: SMoADense, create: (base, c, kernel) => new SMoADense({ ...base, ...c, ...smoaOrders(kernel) } as ConstructorParameters<typeof SMoADense>[0]) },
  lora: { dense: LoRADense, create: (base, c) => new LoRADense({ ...base, ...c } as ConstructorParameters<typeof LoRADense>[0]) },
  hira: { dense: HiRADense, create: (base, c) => new HiRADense({ ...base, ...c } as ConstructorParameters<typeof HiRADense>[0]) },
  melora: { dense: MELoRADense, create: (base, c) => new MELoRADense({ ...base, ...c } as ConstructorParameters<typeof MELoRADense>[0]) },
  dora: { dense: DoRADense, create: (base, c) => new DoRADense({ ...base, ...c } as ConstructorParameters<typeof DoRADense>[0]) },
};

export const DENSE_METHODS = Object.keys(DENSE_LAYERS) as DenseAdapterConfig['method'][];

/** SMoA's block orders come from the replaced layer's own kernel (W = kernel^T), computed once here. */
function smoaOrders(kernel: tf.Tensor): { rowOrder: number[]; colOrder: number[] } {
  const [inDim, units] = kernel.shape;
  const w = tf.tidy(() => tf.transpose(kernel).dataSync());
  const { rowOrder, colOrder } = spectralOrdersOf(w, units, inDim);
  return { rowOrder: Array.from(rowOrder), colOrder: Array.from(colOrder) };
}
