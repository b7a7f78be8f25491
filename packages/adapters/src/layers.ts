export { SMoADense } from './layers/smoa-dense';
export type { SMoADenseArgs } from './layers/smoa-dense';
export { LoRADense } from './layers/lora-dense';
export type { LoRADenseArgs } from './layers/lora-dense';
export { AdapterDense } from './layers/adapter-dense';
export type { AdapterDenseArgs } from './layers/adapter-dense';
export { wrapDenseLayers } from './layers/wrap';
export type { WrapConfig } from './layers/wrap';
