import type { Tuner } from '../types';
import { meloraFromPeft, meloraToPeft, resolveMELoRAConfig, type MELoRAConfig } from './config';
import { MELoRALayer } from './layer';

export const meloraTuner: Tuner<MELoRAConfig> = {
  method: 'melora',
  peftType: 'MELORA',
  keys: ['r', 'alpha', 'dropout', 'numBlocks'],
  claims: () => true,
  resolve: resolveMELoRAConfig,
  create: (config, base, options) => new MELoRALayer(resolveMELoRAConfig(config), base, options),
  toPeft: meloraToPeft,
  fromPeft: meloraFromPeft,
};

export { MELoRALayer } from './layer';
export type { MELoRAConfig } from './config';
