export { initBackend } from './init';
export { BACKEND_CHOICES } from './types';
export type { BackendChoice, BackendInfo, InitBackendOptions, SkippedBackend } from './types';
