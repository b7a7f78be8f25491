import * as tf from '@tensorflow/tfjs-core';
import { input, layers, model as functionalModel, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { mulberry32, nextSeed } from '@smoa/core';
import { matchesTarget } from '../peft-model/match';
import { AdapterDense } from '../tuners/shared/adapter-dense';
import { DENSE_LAYERS, DENSE_METHODS, type DenseAdapterConfig } from './registry';

/** An adapter config for wrapDenseLayers: a method's Dense config, which layers, and a seed. */
export type WrapConfig = DenseAdapterConfig & {
  /** Layer names with PEFT's matching rules; every Dense layer when omitted. */
  targetModules?: string[] | string;
  /** Seeds the adapters' initialisation (each wrapped layer draws its own seed from it). */
  seed?: number;
};

type Layer = InstanceType<typeof layers.Layer>;
type DenseLike = Layer & { units: number; useBias: boolean; activation?: { getClassName(): string } };

/** What replaces one layer while the graph is replayed. */
interface Replacement {
  layer: Layer;
  /** Run once the new layer is built (weights can be written then). */
  afterBuild?: () => void;
  /** A layer applied after it (the Dense's activation, kept apart from the adapter). */
  after?: Layer;
}

/**
 * A new LayersModel in which the chosen Dense layers (by layer name with PEFT's matching rules; all
 * Dense layers when targetModules is omitted) are replaced by the method's Dense (SMoADense,
 * LoRADense, HiRADense, MELoRADense, DoRADense) carrying the same kernel and bias. tfjs cannot swap a
 * layer in place, so the graph is replayed node by node onto new inputs. Every other layer is a frozen
 * copy: the caller's model and its layers are left as they were (still trainable if they were), and
 * only adapter weights train in the new model.
 */
export function wrapDenseLayers(source: LayersModel, config: WrapConfig): LayersModel {
  const method = (config as { method?: unknown })?.method;
  const entry = DENSE_LAYERS[method as DenseAdapterConfig['method']];
  if (!entry || !Object.hasOwn(DENSE_LAYERS, method as string)) {
    throw new Error(`wrapDenseLayers: "method" must be one of ${DENSE_METHODS.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(method)}`);
  }
  const dense = source.layers.filter((l) => l.getClassName() === 'Dense') as DenseLike[];
  const chosen = dense.filter((l) => config.targetModules === undefined || matchesTarget(l.name, { targetModules: config.targetModules }));
  if (chosen.length === 0) {
    throw new Error(`wrapDenseLayers: "targetModules" ${JSON.stringify(config.targetModules)} matched no Dense layer. Dense layers: ${dense.map((l) => l.name).join(', ') || '(none)'}`);
  }
  const { targetModules: _targets, seed, method: _m, ...args } = config;
  const seeds = seed === undefined ? undefined : mulberry32(seed);
  const swaps = new Map<Layer, Replacement>();
  for (const d of chosen) {
    const [kernel, bias] = d.getWeights();
    const adapter = entry.create({ units: d.units, useBias: d.useBias, name: `${d.name}_${config.method}`, seed: seeds ? nextSeed(seeds) : undefined }, args, kernel);
    swaps.set(d, { layer: adapter, afterBuild: () => adapter.setBase(kernel, bias), after: activationAfter(d) });
  }
  return replay(source, `${source.name}_${config.method}`, (layer) => swaps.get(layer) ?? frozenCopy(layer, false));
}

/**
 * The inverse of wrapDenseLayers: a new LayersModel with every adapter Dense replaced by a plain Dense
 * (named as the layer it once replaced). `merge: true` folds each adapter's update into the kernel
 * ((W + dW)^T, through the layer's own deltaWeight); `merge: false` restores the base kernel alone.
 * Other layers are copied with their weights and made trainable again.
 */
export function unwrapDenseLayers(source: LayersModel, options: { merge: boolean }): LayersModel {
  if (!options || typeof options.merge !== 'boolean') throw new Error('unwrapDenseLayers: options must be { merge: true } or { merge: false }');
  return replay(source, source.name.replace(/_(smoa|lora|hira|melora|dora)$/, ''), (layer) => {
    if (!(layer instanceof AdapterDense)) return frozenCopy(layer, true);
    const { kernel, bias } = options.merge ? layer.mergedWeights() : layer.baseWeights();
    const suffix = DENSE_METHODS.map((m) => `_${m}`).find((s) => layer.name.endsWith(s));
    const plain = layers.dense({ units: layer.units, useBias: layer.useBias, name: suffix ? layer.name.slice(0, -suffix.length) : `${layer.name}_dense` });
    return {
      layer: plain,
      afterBuild: () => {
        plain.setWeights(bias ? [kernel, bias] : [kernel]);
        tf.dispose([kernel, bias]);
      },
    };
  });
}

/** A new layer of the same class and config (as tf.loadLayersModel rebuilds one) holding a copy of the weights. */
function frozenCopy(layer: Layer, trainable: boolean): Replacement {
  const Cls = layer.constructor as unknown as new (config: tf.serialization.ConfigDict) => Layer;
  const copy = new Cls({ ...layer.getConfig(), trainable });
  const weights = layer.getWeights().map((w) => tf.clone(w));
  return {
    layer: copy,
    afterBuild: () => {
      if (weights.length) copy.setWeights(weights);
      tf.dispose(weights);
    },
  };
}

/** Replays the source graph node by node onto new inputs, each layer through `replace`. */
function replay(source: LayersModel, name: string, replace: (layer: Layer) => Replacement): LayersModel {
  const mapped = new Map<SymbolicTensor, SymbolicTensor>();
  const inputs = source.inputs.map((t) => {
    const fresh = input({ shape: t.shape.slice(1), dtype: t.dtype });
    mapped.set(t, fresh);
    return fresh;
  });
  const done = new Map<Layer, Replacement>();
  for (const layer of source.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    for (const node of [...layer.inboundNodes]) {
      if (!node.inputTensors.every((t) => mapped.has(t))) continue;
      const args = node.inputTensors.map((t) => mapped.get(t)!);
      let r = done.get(layer);
      const first = !r;
      if (!r) {
        r = replace(layer);
        done.set(layer, r);
      }
      let out = r.layer.apply(args.length === 1 ? args[0] : args, node.callArgs) as SymbolicTensor | SymbolicTensor[];
      if (first) r.afterBuild?.();
      if (r.after) out = r.after.apply(out) as SymbolicTensor;
      const outs = Array.isArray(out) ? out : [out];
      node.outputTensors.forEach((t, i) => mapped.set(t, outs[i]));
    }
  }
  return functionalModel({ inputs, outputs: source.outputs.map((t) => mapped.get(t)!), name });
}

/** The Dense layer's own activation, kept as a separate layer after the adapter (linear: none). */
function activationAfter(d: DenseLike): Layer | undefined {
  const name = d.activation?.getClassName();
  if (!name || name === 'linear' || name === 'Linear') return undefined;
  return layers.activation({ activation: name.toLowerCase() as 'relu', name: `${d.name}_activation` });
}
