export { initBackend } from './init';
export { backendReport } from './report';
export { registerGradients } from './gradients';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNEL_NAMES } from './wasm-kernels';
export { BACKEND_CHOICES } from './types';
export { describeAdapter, adapterLabel } from './webgpu/adapter';
export type { GpuAdapterDescription } from './webgpu/adapter';
export type {
  BackendChoice,
  BackendInfo,
  BackendLoader,
  InitBackendOptions,
  LoaderName,
  SkippedBackend,
  WasmBinaryName,
  WasmPaths,
} from './types';
