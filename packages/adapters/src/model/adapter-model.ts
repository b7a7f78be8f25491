import * as tf from '@tensorflow/tfjs-core';
import { createAdapter, type AdapterConfig } from '../tuners/registry';
import type { AdapterLayer, ModuleExtras } from '../tuners/types';
import type { Linear, LinearHook, ModuleContainer } from '@smoa/core';
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

/** The adapters hung on one projection. */
class AdaptedModule implements LinearHook {
  readonly layers = new Map<string, AdapterLayer>();
  /** Weights replaced by merges, newest last, so unmerge restores them exactly. */
  readonly mergeStack: { name: string; previous: tf.Tensor2D }[] = [];

  constructor(private readonly owner: AdapterModel) {}

  private activeLayers(): AdapterLayer[] {
    if (this.owner.disabled) return [];
    const merged = new Set(this.mergeStack.map((m) => m.name));
    return this.owner.activeAdapters.filter((n) => this.layers.has(n) && !merged.has(n)).map((n) => this.layers.get(n)!);
  }

  forward(linear: Linear, x2: tf.Tensor2D): tf.Tensor2D {
    const active = this.activeLayers();
    if (active.length === 0) return linear.baseForward(x2);
    // The common case: one adapter whose frozen base is the projection's weight does all in one pass.
    if (active.length === 1 && this.mergeStack.length === 0) return active[0].apply(x2) as tf.Tensor2D;
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
   * Attaches a new adapter to every projection the config targets and makes it the active one.
   * `extras` (per module path) restore saved per-module data such as SMoA block orders.
   */
  addAdapter(name: string, config: AdapterModelConfig, extras?: Record<string, ModuleExtras>): void {
    checkAdapterName(name);
    if (this.configs.has(name)) throw new Error(`adapter "${name}" already exists; delete it first or pick another name`);
    const linears = new Map(this.base.namedLinears());
    const targets = selectTargets([...linears.keys()], config);
    const created: [string, AdapterLayer][] = [];
    try {
      for (const path of targets) {
        const linear = linears.get(path)!;
        const layer = createAdapter(config, { weight: linear.weight, bias: linear.bias }, extras?.[path]);
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
      }
      mod.layers.set(name, layer);
    }
    this.configs.set(name, { ...config });
    this.active = [name];
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
      if (mod.mergeStack.some((m) => m.name === name)) throw new Error(`adapter "${name}" is merged into ${path}; unmerge it before deleting`);
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

  /** Dropout on (training) or off (evaluation) in every adapter layer. */
  train(on = true): void {
    for (const mod of this.modulesByPath.values()) for (const l of mod.layers.values()) l.training = on;
  }

  eval(): void {
    this.train(false);
  }

  /** Folds the active adapters into the projections' weights (unmerge restores them exactly). */
  merge(names: string[] = this.active): void {
    for (const n of names) this.checkExists(n);
    const linears = new Map(this.base.namedLinears());
    for (const [path, mod] of this.modulesByPath) {
      const linear = linears.get(path)!;
      for (const n of names) {
        const layer = mod.layers.get(n);
        if (!layer || mod.mergeStack.some((m) => m.name === n)) continue;
        mod.mergeStack.push({ name: n, previous: linear.weight });
        linear.weight = layer.mergedWeight(linear.weight);
      }
    }
  }

  unmerge(): void {
    const linears = new Map(this.base.namedLinears());
    for (const [path, mod] of this.modulesByPath) {
      const linear = linears.get(path)!;
      while (mod.mergeStack.length) {
        const { previous } = mod.mergeStack.pop()!;
        linear.weight.dispose();
        linear.weight = previous;
      }
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
      // Only the weights this model created are released; the first entry is the caller's original.
      mod.mergeStack.forEach((m, i) => (i > 0 || !options.keepOriginal) && m.previous.dispose());
      mod.mergeStack.length = 0;
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
      this.modulesByPath.delete(path);
    }
  }
}

/** Wraps a model and attaches its first adapter (PEFT's get_peft_model). */
export function injectAdapter(model: ModuleContainer, config: AdapterModelConfig, name = 'default'): AdapterModel {
  const m = model instanceof AdapterModel ? model : new AdapterModel(model);
  m.addAdapter(name, config);
  return m;
}
