import type * as tf from '@tensorflow/tfjs-core';
import { AdapterModel, injectAdapter, type AdapterModelConfig, type ModuleContainer } from '@smoa/adapters';
import type { CausalLM, TrainableCausalLM } from '../trainer/model';

/**
 * What is trained: an adapter (any @smoa/adapters method) on the frozen model, every weight (full
 * fine-tuning), or nothing (evaluate the base model as it is).
 */
export type TrainingMode = { kind: 'adapter'; adapter: AdapterModelConfig; name?: string; /** Seeds the adapter's initialisation so a run repeats. */ seed?: number } | { kind: 'full' } | { kind: 'none' };

/** A model the modes can work with: the causal-LM contract plus named projections (our Llama). */
export interface AdaptableCausalLM extends CausalLM, ModuleContainer {
  trainableVariables(): tf.Variable[];
  /** Turns every base weight into a variable (@smoa/llama's LlamaForCausalLM has it). */
  enableFullFineTuning?(): void;
  setActivationCheckpointing?(on: boolean): void;
}

export interface PreparedModel extends TrainableCausalLM {
  readonly mode: TrainingMode['kind'];
  /** The adapter wrapper in adapter mode (save it with saveAdapter), else undefined. */
  readonly adapters?: AdapterModel;
  /** Parameters the optimizer updates. */
  readonly numTrainable: number;
}

/**
 * Sets a model up for one mode and returns it as the trainer wants it. The returned object forwards
 * to the model; its trainableVariables() are the adapter's (adapter mode) or all weights (full mode).
 */
export function prepareModel(model: AdaptableCausalLM, mode: TrainingMode): PreparedModel {
  let adapters: AdapterModel | undefined;
  if (mode.kind === 'adapter') {
    adapters = model instanceof AdapterModel ? model : injectAdapter(model, mode.adapter, { name: mode.name ?? 'default', seed: mode.seed });
    adapters.eval();
  } else if (mode.kind === 'full') {
    if (!model.enableFullFineTuning) throw new Error('full fine-tuning: this model has no enableFullFineTuning(); load it with { fullFineTuning: true }');
    model.enableFullFineTuning();
  } else if (mode.kind !== 'none') {
    throw new Error(`training mode must be "adapter", "full" or "none", got ${JSON.stringify((mode as { kind: unknown }).kind)}`);
  }
  const variables = (): tf.Variable[] => (mode.kind === 'none' ? [] : adapters ? adapters.trainableVariables() : model.trainableVariables());
  return {
    mode: mode.kind,
    adapters,
    config: model.config,
    get numTrainable() {
      return variables().reduce((n, v) => n + v.size, 0);
    },
    forward: (ids, options) => model.forward(ids, options),
    ...(model.hiddenStates && model.outputProjection
      ? { hiddenStates: model.hiddenStates.bind(model), outputProjection: model.outputProjection.bind(model) }
      : {}),
    ...(model.setActivationCheckpointing ? { setActivationCheckpointing: model.setActivationCheckpointing.bind(model) } : {}),
    generate: (prompts, options) => model.generate(prompts, options),
    trainableVariables: variables,
    // Adapter dropout follows this switch; the trainer's per-step seed fixes its masks, so runs with
    // adapter dropout > 0 repeat too.
    setTrainingMode: (training: boolean, seed?: number) => adapters?.train(training, seed),
  };
}
