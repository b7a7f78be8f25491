/** PEFT's target selection: which named modules an adapter config attaches to. */
export interface TargetOptions {
  /**
   * A list matches a module whose dotted path equals an entry or ends with "." + entry; a string is a
   * regular expression that must match the whole path (PEFT's re.fullmatch; RE2 syntax, run in linear
   * time, so a pattern from a file cannot hang the process); 'all-linear' is every projection but lm_head.
   */
  targetModules: string[] | string;
  /** Only modules of these layer indices (the number after "layers." or layersPattern). */
  layersToTransform?: number | number[];
  /** Name(s) of the container of numbered layers, default any of layers, h, block, blocks, layer. */
  layersPattern?: string | string[];
}

import { compileTargetPattern } from './target-pattern';

const DEFAULT_LAYER_PATTERNS = ['layers', 'h', 'block', 'blocks', 'layer'];

function checkTargets(t: TargetOptions): void {
  const ok = typeof t.targetModules === 'string' || (Array.isArray(t.targetModules) && t.targetModules.every((x) => typeof x === 'string'));
  if (!ok) throw new Error(`adapter config: "targetModules" must be a list of module names or a regular expression string, got ${JSON.stringify(t.targetModules)}`);
  const layers = t.layersToTransform;
  if (layers !== undefined && !(Number.isInteger(layers) || (Array.isArray(layers) && layers.every((l) => Number.isInteger(l))))) {
    throw new Error(`adapter config: "layersToTransform" must be a layer index or a list of them, got ${JSON.stringify(layers)}`);
  }
  if (typeof t.targetModules === 'string' && t.targetModules !== 'all-linear') compileTargetPattern(t.targetModules);
}

function layerIndex(path: string, patterns: string[]): number | undefined {
  for (const p of patterns) {
    const m = new RegExp(`(?:^|\\.)${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)(?:\\.|$)`).exec(path);
    if (m) return Number(m[1]);
  }
  return undefined;
}

export function matchesTarget(path: string, t: TargetOptions): boolean {
  const { targetModules } = t;
  let hit: boolean;
  if (targetModules === 'all-linear') hit = !/(^|\.)lm_head$/.test(path);
  else if (typeof targetModules === 'string') hit = compileTargetPattern(targetModules)(path);
  else hit = targetModules.some((name) => path === name || path.endsWith(`.${name}`));
  if (!hit || t.layersToTransform === undefined) return hit;
  const wanted = Array.isArray(t.layersToTransform) ? t.layersToTransform : [t.layersToTransform];
  const patterns = t.layersPattern === undefined ? DEFAULT_LAYER_PATTERNS : Array.isArray(t.layersPattern) ? t.layersPattern : [t.layersPattern];
  const index = layerIndex(path, patterns);
  return index !== undefined && wanted.includes(index);
}

/** The paths an adapter attaches to; an error listing the available names when none match. */
export function selectTargets(paths: string[], t: TargetOptions): string[] {
  checkTargets(t);
  const selected = paths.filter((p) => matchesTarget(p, t));
  if (selected.length === 0) {
    const layers = t.layersToTransform === undefined ? '' : ` with layersToTransform ${JSON.stringify(t.layersToTransform)}`;
    throw new Error(
      `adapter config: "targetModules" ${JSON.stringify(t.targetModules)}${layers} matched none of the model's linear modules. ` +
        `Existing modules: ${paths.length ? paths.join(', ') : '(none: the model exposes no Linear through namedLinears())'}`,
    );
  }
  return selected;
}
