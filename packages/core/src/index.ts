export { Linear } from './linear';
export type { LinearHook, ModuleContainer } from './linear';
export { untransposedMatMul, matMulFrozenT, matMulWeightT } from './matmul';
export { mulberry32, nextSeed } from './random';
export { IGNORE_INDEX } from './contracts';
export type { CausalLM, CausalLMGenerateOptions, TextTokenizer, TrainableCausalLM } from './contracts';
export { checkpoint, replayableDraw } from './checkpoint';
export type { CheckpointOptions } from './checkpoint';
