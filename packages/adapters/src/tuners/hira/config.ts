import { readCommonPeft } from '../shared/peft';
import { resolveCommon } from '../shared/validate';
import type { CommonAdapterOptions } from '../types';

export interface HiRAConfig extends CommonAdapterOptions {
  method: 'hira';
}

export type ResolvedHiRAConfig = Required<HiRAConfig>;

export const resolveHiRAConfig = (c: HiRAConfig): ResolvedHiRAConfig => ({ method: 'hira', ...resolveCommon('HiRA config', c) });

export const hiraToPeft = (): Record<string, unknown> => ({});

export const hiraFromPeft = (p: Record<string, unknown>, used: Set<string>): HiRAConfig => ({ method: 'hira', ...readCommonPeft(p, used) });
