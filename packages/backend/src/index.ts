export { initBackend } from './init';
export { backendReport } from './report';
export { registerGradients } from './gradients';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNEL_NAMES } from './wasm-kernels';
export { BACKEND_CHOICES } from './types';
export type {
  BackendChoice,
  BackendInfo,
  BackendLoader,
  InitBackendOptions,
  SkippedBackend,
  WasmBinaryName,
  WasmPaths,
} from './types';
