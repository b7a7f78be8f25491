import type { Tuner } from '../types';
import { resolveSMoAConfig, smoaFromPeft, smoaToPeft, type SMoAConfig } from './config';
import { SMoALayer } from './layer';

export const smoaTuner: Tuner<SMoAConfig> = {
  method: 'smoa',
  peftType: 'SMOA',
  keys: ['r', 'alpha', 'dropout', 'numBlocks', 'branchRanks', 'partition'],
  claims: () => true,
  resolve: resolveSMoAConfig,
  create: (config, base, options) => new SMoALayer(resolveSMoAConfig(config), base, options),
  toPeft: (config) => smoaToPeft(resolveSMoAConfig(config)),
  fromPeft: smoaFromPeft,
};

export { SMoALayer } from './layer';
export type { SMoABlock } from './layer';
export type { SMoAConfig } from './config';
