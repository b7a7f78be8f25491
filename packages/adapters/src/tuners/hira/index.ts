import type { Tuner } from '../types';
import { hiraFromPeft, hiraToPeft, resolveHiRAConfig, type HiRAConfig } from './config';
import { HiRALayer } from './layer';

export const hiraTuner: Tuner<HiRAConfig> = {
  method: 'hira',
  peftType: 'HIRA',
  claims: () => true,
  resolve: resolveHiRAConfig,
  create: (config, base, options) => new HiRALayer(resolveHiRAConfig(config), base, options),
  toPeft: hiraToPeft,
  fromPeft: hiraFromPeft,
};

export { HiRALayer } from './layer';
export type { HiRAConfig } from './config';
