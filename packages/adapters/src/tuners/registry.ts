import { doraTuner } from './dora';
import { hiraTuner } from './hira';
import { loraTuner } from './lora';
import { meloraTuner } from './melora';
import { smoaTuner } from './smoa';
import { checkKnownKeys } from './shared/config-keys';
import type { AdapterLayer, BaseWeights, CreateAdapterOptions, Tuner } from './types';

/**
 * Every method, one line each. Adding a method = adding its folder (tuners/<method>/) and a line here,
 * plus a line in layers/registry.ts for its tfjs-layers Dense.
 */
export const TUNERS = [smoaTuner, loraTuner, hiraTuner, meloraTuner, doraTuner] as const;

type ConfigOf<T> = T extends Tuner<infer C> ? C : never;

/** Union of every method's config, discriminated by `method`. */
export type AdapterConfig = ConfigOf<(typeof TUNERS)[number]>;
export type AdapterMethod = AdapterConfig['method'];

export const ADAPTER_METHODS: readonly AdapterMethod[] = TUNERS.map((t) => t.method);

export function tunerFor(method: unknown): Tuner<AdapterConfig> {
  const t = TUNERS.find((x) => x.method === method);
  if (!t) throw new Error(`adapter config: "method" must be one of ${ADAPTER_METHODS.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(method)}`);
  return t as unknown as Tuner<AdapterConfig>;
}

/** The tuner that reads an adapter_config.json with this peft_type (LoRA and DoRA share "LORA"). */
export function tunerForPeft(peft: Record<string, unknown>, where: string): Tuner<AdapterConfig> {
  const type = peft.peft_type;
  const t = TUNERS.find((x) => x.peftType === type && x.claims(peft));
  if (!t) {
    const known = [...new Set(TUNERS.map((x) => x.peftType))];
    throw new Error(`${where}: "peft_type" must be one of ${known.map((k) => `"${k}"`).join(', ')}, got ${JSON.stringify(type)}`);
  }
  return t as unknown as Tuner<AdapterConfig>;
}

/** Where an adapter attaches (AdapterModelConfig's keys beyond the method's own). */
const TARGET_KEYS = ['targetModules', 'layersToTransform', 'layersPattern'];

/** A config written in code: an object whose keys all belong to its method (a typo names the closest key). */
export function checkAdapterConfig(config: unknown): void {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new Error('adapter config: expected an object with a "method" field');
  const tuner = tunerFor((config as { method?: unknown }).method);
  checkKnownKeys(`${tuner.method} adapter config`, config, ['method', ...tuner.keys, ...TARGET_KEYS]);
}

/**
 * Builds an adapter layer around a frozen [out, in] weight (and optional bias). `options.seed` makes
 * the initial factors repeatable; `options.extras` restore saved per-module data (SMoA block orders).
 */
export function createAdapter(config: AdapterConfig, base: BaseWeights, options: CreateAdapterOptions = {}): AdapterLayer {
  checkAdapterConfig(config);
  if (!base || !(base.weight && Array.isArray(base.weight.shape))) throw new Error('createAdapter: base "weight" must be a tf.Tensor2D [out, in]');
  if (options === null || typeof options !== 'object') throw new Error('createAdapter: "options" must be an object like { seed, extras }');
  return tunerFor(config.method).create(config, base, options);
}
