import * as tf from '@tensorflow/tfjs-core';
import { mulberry32, nextSeed, type Linear, type LinearHook, type ModuleContainer } from '@smoa/core';
import { checkAdapterConfig, createAdapter, type AdapterConfig } from '../tuners/registry';
import type { AdapterLayer, ModuleExtras } from '../tuners/types';
import { selectTargets, type TargetOptions } from './match';
import { checkAdapterName } from './names';

/** An adapter config plus where it attaches, as injectAdapter and adapter_config.json hold it. */
export type AdapterModelConfig = AdapterConfig & TargetOptions;

/** The PEFT prefix of every saved key: base_model.model.<module path>.<key>. */
export const STATE_PREFIX = 'base_model.model.';

export interface TrainableReport {
  trainable: number;
  all: number;
  /** 100 * trainable / all. */
  percent: number;
}

/**
 * The AdapterModel whose adapters hang on each projection. A second AdapterModel over the same
 * projections would replace the first one's hooks and leave its handle stale, so adding an adapter to
 * a projection another AdapterModel owns is an error, and injectAdapter / loadAdapter reuse the owner.
 */
const OWNERS = new WeakMap<Linear, AdapterModel>();

/** The AdapterModel already carrying adapters on this model's projections, if any (PEFT's PeftModel). */
export function attachedAdapterModel(model: ModuleContainer): AdapterModel | undefined {
  if (model instanceof AdapterModel) return model;
  for (const [, linear] of model.namedLinears()) {
    const owner = OWNERS.get(linear);
    if (owner) return owner;
  }
  return undefined;
}

/** How an adapter is added besides its config. */
export interface AddAdapterOptions {
  /** Seeds every layer's initialisation (each module gets its own seed drawn from this one). */
  seed?: number;
  /** Saved per-module data (SMoA block orders) by module path, which replaces recomputation. */
  extras?: Record<string, ModuleExtras>;
  /**
   * Make the new adapter the (only) active one. Default: only when no adapter is active yet, as in
   * PEFT, where add_adapter / load_adapter leave the active adapter unchanged.
   */
  activate?: boolean;
}

/** The adapters hung on one projection. */
class AdaptedModule implements LinearHook {
  readonly layers = new Map<string, AdapterLayer>();
  /** Names merged into the projection's weight, oldest first; each layer holds what its merge replaced. */
  readonly mergeOrder: string[] = [];

  constructor(private readonly owner: AdapterModel) {}

  private activeLayers(): AdapterLayer[] {
    if (this.owner.disabled) return [];
    return this.owner.activeAdapters.filter((n) => this.layers.has(n) && !this.layers.get(n)!.merged).map((n) => this.layers.get(n)!);
  }

  forward(linear: Linear, x2: tf.Tensor2D): tf.Tensor2D {
    const active = this.activeLayers();
    if (active.length === 0) return linear.baseForward(x2);
    // The common case: one adapter whose frozen base is the projection's weight does all in one pass.
    if (active.length === 1 && this.mergeOrder.length === 0) return active[0].apply(x2) as tf.Tensor2D;
    let y = linear.baseForward(x2);
    for (const layer of active) {
      layer.enabled = false;
      const plain = layer.apply(x2);
      layer.enabled = true;
      y = tf.add(y, tf.sub(layer.apply(x2), plain));
    }
    return y;
  }

  trainableVariables(): tf.Variable[] {
    return this.activeLayers().flatMap((l) => l.trainableVariables);
  }
}

/**
 * Several named adapters over any ModuleContainer (PEFT's PeftModel): injection by target modules,
 * switching, disabling, deleting, merging and unloading, and a trainable-parameter report.
 */
export class AdapterModel implements ModuleContainer {
  private readonly modulesByPath = new Map<string, AdaptedModule>();
  private readonly configs = new Map<string, AdapterModelConfig>();
  private active: string[] = [];
  disabled = false;

  constructor(readonly base: ModuleContainer) {}

  namedLinears(): Iterable<[string, Linear]> {
    return this.base.namedLinears();
  }

  get adapterNames(): string[] {
    return [...this.configs.keys()];
  }

  get activeAdapters(): string[] {
    return [...this.active];
  }

  config(name: string): AdapterModelConfig {
    return this.configs.get(this.checkExists(name))!;
  }

  /**
   * Attaches a new adapter to every projection the config targets. It becomes the active adapter when
   * none is active yet (the first one) or with `activate: true`; otherwise the active adapters stay as
   * they are (PEFT's rule). `options.seed` makes its initialisation repeatable; `options.extras` (per
   * module path) restore saved per-module data such as SMoA block orders.
   */
  addAdapter(name: string, config: AdapterModelConfig, options: AddAdapterOptions = {}): void {
    checkAdapterName(name);
    checkAdapterConfig(config);
    if (this.configs.has(name)) {
      throw new Error(`adapter "${name}" already exists on this model (adapters: ${this.adapterNames.join(', ')}); pick another name for the new one, or delete the old one first`);
    }
    const { seed, extras } = options;
    if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32)) {
      throw new Error(`adapter "${name}": "seed" must be an integer in [0, 2^32), got ${JSON.stringify(seed)}`);
    }
    const linears = new Map(this.base.namedLinears());
    const targets = selectTargets([...linears.keys()], config);
    for (const path of targets) {
      const owner = OWNERS.get(linears.get(path)!);
      if (owner && owner !== this) {
        throw new Error(
          `adapter "${name}": ${path} already carries adapters of another AdapterModel (adapters: ${owner.adapterNames.join(', ')}); ` +
            'add this one to that model (addAdapter, or injectAdapter / loadAdapter on the same model, with another name) or unload it first',
        );
      }
    }
    const seeds = seed === undefined ? undefined : mulberry32(seed);
    const created: [string, AdapterLayer][] = [];
    try {
      for (const path of targets) {
        const linear = linears.get(path)!;
        const layerSeed = seeds ? nextSeed(seeds) : undefined;
        const layer = createAdapter(config, { weight: linear.weight, bias: linear.bias }, { seed: layerSeed, extras: extras?.[path] });
        created.push([path, layer]);
      }
    } catch (err) {
      for (const [, l] of created) l.dispose();
      const e = err as Error;
      throw new Error(`adapter "${name}" on ${targets[created.length] ?? 'a module'}: ${e.message}`);
    }
    for (const [path, layer] of created) {
      const linear = linears.get(path)!;
      let mod = this.modulesByPath.get(path);
      if (!mod) {
        mod = new AdaptedModule(this);
        this.modulesByPath.set(path, mod);
        linear.hook = mod;
        OWNERS.set(linear, this);
      }
      mod.layers.set(name, layer);
    }
    this.configs.set(name, { ...config });
    if (options.activate ?? this.active.length === 0) this.active = [name];
  }

  /** Makes these adapters the active ones (their updates add up). */
  setAdapter(names: string | string[]): void {
    const list = Array.isArray(names) ? names : [names];
    for (const n of list) this.checkExists(n);
    this.active = [...list];
  }

  disableAdapters(): void {
    this.disabled = true;
  }

  enableAdapters(): void {
    this.disabled = false;
  }

  /** Runs fn with every adapter off (the base model), then restores the previous state. */
  withAdaptersDisabled<T>(fn: () => T): T {
    const was = this.disabled;
    this.disabled = true;
    try {
      return fn();
    } finally {
      this.disabled = was;
    }
  }

  deleteAdapter(name: string): void {
    this.checkExists(name);
    for (const [path, mod] of this.modulesByPath) {
      if (mod.mergeOrder.includes(name)) throw new Error(`adapter "${name}" is merged into ${path}; unmerge it before deleting`);
    }
    for (const mod of this.modulesByPath.values()) {
      mod.layers.get(name)?.dispose();
      mod.layers.delete(name);
    }
    this.configs.delete(name);
    this.active = this.active.filter((n) => n !== name);
    this.dropEmptyModules();
  }

  /** Adapter layers of one adapter by module path. */
  modules(name: string = this.defaultName()): Map<string, AdapterLayer> {
    this.checkExists(name);
    const out = new Map<string, AdapterLayer>();
    for (const [path, mod] of this.modulesByPath) {
      const l = mod.layers.get(name);
      if (l) out.set(path, l);
    }
    return out;
  }

  /** Trainable variables of the active adapters. */
  trainableVariables(): tf.Variable[] {
    return this.active.flatMap((n) => [...this.modules(n).values()].flatMap((l) => l.trainableVariables));
  }

  /**
   * Dropout on (training) or off (evaluation) in every adapter layer. A `seed` fixes the dropout masks
   * from here on (each layer draws its own sequence from it), so a run with dropout repeats; a trainer
   * passes a fresh seed per step from its own random stream.
   */
  train(on = true, seed?: number): void {
    const seeds = seed === undefined ? undefined : mulberry32(seed);
    for (const mod of this.modulesByPath.values()) {
      for (const l of mod.layers.values()) {
        l.training = on;
        if (seeds) l.dropoutSeed = nextSeed(seeds);
      }
    }
  }

  eval(): void {
    this.train(false);
  }

  /**
   * Folds the active adapters into the projections' weights through each layer's own merge (the
   * projection's Linear is the slot it writes); unmerge restores them exactly.
   */
  merge(names: string[] = this.active): void {
    for (const n of names) this.checkExists(n);
    const linears = new Map(this.base.namedLinears());
    for (const [path, mod] of this.modulesByPath) {
      const linear = linears.get(path)!;
      for (const n of names) {
        const layer = mod.layers.get(n);
        if (!layer || layer.merged) continue;
        layer.merge(linear);
        mod.mergeOrder.push(n);
      }
    }
  }

  /** Undoes every merge, newest first. */
  unmerge(): void {
    for (const mod of this.modulesByPath.values()) {
      while (mod.mergeOrder.length) mod.layers.get(mod.mergeOrder.pop()!)!.unmerge();
    }
  }

  /**
   * Merges the active adapters into the weights and removes every adapter: the base container is left
   * with plain projections. The pre-merge weights are released unless `keepOriginal` (they may be
   * shared with something else, e.g. tied embeddings).
   */
  mergeAndUnload(options: { keepOriginal?: boolean } = {}): ModuleContainer {
    this.merge();
    for (const mod of this.modulesByPath.values()) {
      // Only the weights this model created are released; the first merge replaced the caller's original.
      mod.mergeOrder.forEach((n, i) => {
        const previous = mod.layers.get(n)!.detachMerge();
        if (i > 0 || !options.keepOriginal) previous.dispose();
      });
      mod.mergeOrder.length = 0;
    }
    return this.unload();
  }

  /** Removes every adapter without merging (merged weights are unmerged first). */
  unload(): ModuleContainer {
    this.unmerge();
    const linears = new Map(this.base.namedLinears());
    for (const [path, mod] of this.modulesByPath) {
      for (const l of mod.layers.values()) l.dispose();
      const linear = linears.get(path);
      if (linear?.hook === mod) linear.hook = undefined;
      if (linear && OWNERS.get(linear) === this) OWNERS.delete(linear);
    }
    this.modulesByPath.clear();
    this.configs.clear();
    this.active = [];
    return this.base;
  }

  /** Trainable (active adapters) versus all parameters (base projections, or the container's own count, plus adapters). */
  trainableParameters(): TrainableReport {
    const trainable = this.trainableVariables().reduce((n, v) => n + v.size, 0);
    let adapterParams = 0;
    for (const mod of this.modulesByPath.values()) for (const l of mod.layers.values()) adapterParams += l.numTrainableParams;
    const counted = (this.base as { numParameters?: () => number }).numParameters;
    let baseParams = 0;
    if (typeof counted === 'function') baseParams = counted.call(this.base);
    else for (const [, lin] of this.base.namedLinears()) baseParams += lin.numParams;
    const all = baseParams + adapterParams;
    return { trainable, all, percent: all === 0 ? 0 : (100 * trainable) / all };
  }

  /** PEFT's print_trainable_parameters line. */
  formatTrainableParameters(): string {
    const { trainable, all, percent } = this.trainableParameters();
    const fmt = (n: number) => n.toLocaleString('en-US');
    return `trainable params: ${fmt(trainable)} || all params: ${fmt(all)} || trainable%: ${percent.toFixed(4)}`;
  }

  printTrainableParameters(): void {
    console.log(this.formatTrainableParameters());
  }

  /** One adapter's variables by full PEFT key (live variables, not copies). */
  state(name: string = this.defaultName()): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [path, layer] of this.modules(name)) {
      for (const [key, t] of Object.entries(layer.state())) out[`${STATE_PREFIX}${path}.${key}`] = t;
    }
    return out;
  }

  /** Assigns a PEFT-keyed state; keys that name no adapter weight, or weights left out, are errors. */
  loadState(name: string, record: Record<string, tf.Tensor>, where = 'adapter state'): void {
    const layers = this.modules(name);
    const perModule = new Map<string, Record<string, tf.Tensor>>([...layers.keys()].map((p) => [p, {}]));
    const paths = [...layers.keys()].sort((a, b) => b.length - a.length);
    const stray: string[] = [];
    for (const [key, t] of Object.entries(record)) {
      const rel = key.startsWith(STATE_PREFIX) ? key.slice(STATE_PREFIX.length) : key;
      const path = paths.find((p) => rel.startsWith(`${p}.`));
      if (!path) stray.push(key);
      else perModule.get(path)![rel.slice(path.length + 1)] = t;
    }
    if (stray.length) {
      throw new Error(`${where}: ${stray.length} key(s) match no adapted module: ${stray.slice(0, 8).join(', ')}${stray.length > 8 ? ', ...' : ''}; adapted modules: ${[...layers.keys()].join(', ')}`);
    }
    for (const [path, layer] of layers) {
      try {
        layer.loadState(perModule.get(path)!);
      } catch (err) {
        throw new Error(`${where}: module ${path}: ${(err as Error).message}`);
      }
    }
  }

  /** Per-module data beyond the weights (SMoA block orders), by module path. */
  extras(name: string = this.defaultName()): Record<string, ModuleExtras> {
    const out: Record<string, ModuleExtras> = {};
    for (const [path, layer] of this.modules(name)) {
      const e = layer.extras();
      if (e) out[path] = e;
    }
    return out;
  }

  dispose(): void {
    this.unload();
  }

  private defaultName(): string {
    if (this.active.length) return this.active[0];
    const first = this.adapterNames[0];
    if (first === undefined) throw new Error('this AdapterModel has no adapters');
    return first;
  }

  private checkExists(name: string): string {
    if (!this.configs.has(name)) throw new Error(`no adapter named ${JSON.stringify(name)}; adapters: ${this.adapterNames.join(', ') || '(none)'}`);
    return name;
  }

  private dropEmptyModules(): void {
    const linears = new Map(this.base.namedLinears());
    for (const [path, mod] of [...this.modulesByPath]) {
      if (mod.layers.size > 0) continue;
      const linear = linears.get(path);
      if (linear?.hook === mod) linear.hook = undefined;
      if (linear && OWNERS.get(linear) === this) OWNERS.delete(linear);
      this.modulesByPath.delete(path);
    }
  }
}

/** How injectAdapter names and seeds the adapter. */
export interface InjectAdapterOptions {
  /** Adapter name (default 'default'). */
  name?: string;
  /** Seeds the adapter's initialisation, as torch.manual_seed before get_peft_model does in PEFT. */
  seed?: number;
  /** Make it the active adapter even when the model already has an active one (default: only the first is). */
  activate?: boolean;
}

/**
 * Wraps a model and attaches an adapter (PEFT's get_peft_model). On a model that already carries
 * adapters it adds a named one to the same AdapterModel (active adapter unchanged unless `activate`);
 * a name in use is an error. The third argument may still be the adapter name alone.
 */
export function injectAdapter(model: ModuleContainer, config: AdapterModelConfig, options: InjectAdapterOptions | string = {}): AdapterModel {
  const { name = 'default', seed, activate } = typeof options === 'string' ? { name: options } : (options ?? {});
  const m = attachedAdapterModel(model) ?? new AdapterModel(model);
  m.addAdapter(name, config, { seed, activate });
  return m;
}
