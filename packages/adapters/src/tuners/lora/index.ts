import type { Tuner } from '../types';
import { loraFromPeft, loraToPeft, resolveLoRAConfig, type LoRAConfig } from './config';
import { LoRALayer } from './layer';

export const loraTuner: Tuner<LoRAConfig> = {
  method: 'lora',
  peftType: 'LORA',
  keys: ['r', 'alpha', 'dropout', 'rslora', 'init'],
  claims: (p) => p.use_dora !== true,
  resolve: resolveLoRAConfig,
  create: (config, base, options) => new LoRALayer(resolveLoRAConfig(config), base, options),
  toPeft: (config) => loraToPeft(resolveLoRAConfig(config)),
  fromPeft: loraFromPeft,
};

export { LoRALayer } from './layer';
export type { LoRAConfig } from './config';
