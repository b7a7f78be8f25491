import * as tf from '@tensorflow/tfjs-core';
import { input, layers, model as functionalModel, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { matchesTarget } from '../model/match';
import { spectralOrdersOf } from '../spectral';
import type { AdapterDense } from './adapter-dense';
import { LoRADense } from './lora-dense';
import { SMoADense } from './smoa-dense';

export type WrapConfig =
  | { method: 'smoa'; r: number; alpha?: number; dropout?: number; numBlocks?: number; branchRanks?: number[]; targetModules?: string[] | string }
  | { method: 'lora'; r: number; alpha?: number; dropout?: number; rslora?: boolean; targetModules?: string[] | string };

type Layer = InstanceType<typeof layers.Layer>;
type DenseLike = Layer & { units: number; useBias: boolean; activation?: { getClassName(): string } };

/**
 * A new LayersModel in which the chosen Dense layers (by layer name with PEFT's matching rules; all
 * Dense layers when targetModules is omitted) are replaced by SMoADense / LoRADense carrying the same
 * kernel and bias. tfjs cannot swap a layer in place, so the graph is replayed node by node onto new
 * inputs. Every other layer is shared with the original model and frozen: only adapter weights train.
 */
export function wrapDenseLayers(source: LayersModel, config: WrapConfig): LayersModel {
  if (config.method !== 'smoa' && config.method !== 'lora') {
    throw new Error(`wrapDenseLayers: "method" must be 'smoa' or 'lora', got ${JSON.stringify((config as { method: unknown }).method)}`);
  }
  const dense = source.layers.filter((l) => l.getClassName() === 'Dense') as DenseLike[];
  const chosen = dense.filter((l) => config.targetModules === undefined || matchesTarget(l.name, { targetModules: config.targetModules }));
  if (chosen.length === 0) {
    throw new Error(`wrapDenseLayers: "targetModules" ${JSON.stringify(config.targetModules)} matched no Dense layer. Dense layers: ${dense.map((l) => l.name).join(', ') || '(none)'}`);
  }
  const replacements = new Map<Layer, { adapter: AdapterDense; activation?: Layer; dense: DenseLike }>();
  for (const d of chosen) replacements.set(d, { dense: d, adapter: adapterFor(d, config), activation: activationAfter(d) });

  const mapped = new Map<SymbolicTensor, SymbolicTensor>();
  const inputs = source.inputs.map((t) => {
    const fresh = input({ shape: t.shape.slice(1), dtype: t.dtype });
    mapped.set(t, fresh);
    return fresh;
  });
  for (const layer of source.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    layer.trainable = false;
    for (const node of [...layer.inboundNodes]) {
      if (!node.inputTensors.every((t) => mapped.has(t))) continue;
      const args = node.inputTensors.map((t) => mapped.get(t)!);
      const swap = replacements.get(layer);
      let out = (swap ? swap.adapter : layer).apply(args.length === 1 ? args[0] : args, node.callArgs) as SymbolicTensor | SymbolicTensor[];
      if (swap) {
        const [kernel, bias] = swap.dense.getWeights();
        swap.adapter.setBase(kernel, bias);
        if (swap.activation) out = swap.activation.apply(out) as SymbolicTensor;
      }
      const outs = Array.isArray(out) ? out : [out];
      node.outputTensors.forEach((t, i) => mapped.set(t, outs[i]));
    }
  }
  return functionalModel({ inputs, outputs: source.outputs.map((t) => mapped.get(t)!), name: `${source.name}_${config.method}` });
}

function adapterFor(d: DenseLike, config: WrapConfig): AdapterDense {
  const { targetModules: _t, method, ...rest } = config;
  const common = { units: d.units, useBias: d.useBias, name: `${d.name}_${method}` };
  if (method === 'lora') return new LoRADense({ ...common, ...(rest as Omit<typeof rest, 'numBlocks'>) });
  const [kernel] = d.getWeights();
  const inDim = kernel.shape[0];
  // The orders come from this Dense layer's own kernel (W = kernel^T), computed once here.
  const w = tf.tidy(() => tf.transpose(kernel).dataSync());
  const { rowOrder, colOrder } = spectralOrdersOf(w, d.units, inDim);
  return new SMoADense({ ...common, ...rest, rowOrder: Array.from(rowOrder), colOrder: Array.from(colOrder) });
}

/** The Dense layer's own activation, kept as a separate layer after the adapter (linear: none). */
function activationAfter(d: DenseLike): Layer | undefined {
  const name = d.activation?.getClassName();
  if (!name || name === 'linear' || name === 'Linear') return undefined;
  return layers.activation({ activation: name.toLowerCase() as 'relu', name: `${d.name}_activation` });
}
