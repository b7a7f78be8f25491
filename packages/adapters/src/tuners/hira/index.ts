import type { Tuner } from '../types';
import { hiraFromPeft, hiraToPeft, resolveHiRAConfig, type HiRAConfig } from './config';
import { HiRALayer } from './layer';

export const hiraTuner: Tuner<HiRAConfig> = {
  method: 'hira',
  peftType: 'HIRA',
  keys: ['r', 'alpha', 'dropout'],
  claims: () => true,
  resolve: resolveHiRAConfig,
  create: (config, base, options) => new HiRALayer(resolveHiRAConfig(config), base, options),
  toPeft: hiraToPeft,
  fromPeft: hiraFromPeft,
};

export { HiRALayer, HIRA_KEYS, HIRA_LEGACY_KEYS } from './layer';
export type { HiRAConfig } from './config';
