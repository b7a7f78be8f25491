import type { Tuner } from '../types';
import { doraFromPeft, doraToPeft, resolveDoRAConfig, type DoRAConfig } from './config';
import { DoRALayer } from './layer';

export const doraTuner: Tuner<DoRAConfig> = {
  method: 'dora',
  peftType: 'LORA',
  keys: ['r', 'alpha', 'dropout', 'rslora'],
  claims: (p) => p.use_dora === true,
  resolve: resolveDoRAConfig,
  create: (config, base, options) => new DoRALayer(resolveDoRAConfig(config), base, options),
  toPeft: (config) => doraToPeft(resolveDoRAConfig(config)),
  fromPeft: doraFromPeft,
};

export { DoRALayer } from './layer';
export type { DoRAConfig } from './config';
