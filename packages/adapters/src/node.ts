export { loadAdapter, saveAdapter } from './node/adapter-dir';
export { createSpectralPool, useSpectralThreads, stopSpectralThreads } from './spectral/threads/pool';
export type { SpectralPool, SpectralPoolOptions } from './spectral/threads/pool';
