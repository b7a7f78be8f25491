import type { BackendChoice } from './types';

/** npm package behind each choice and the tfjs backend name it registers. */
export const SOURCES: Record<BackendChoice, { pkg: string; tfName: string }> = {
  'tfjs-node-gpu': { pkg: '@tensorflow/tfjs-node-gpu', tfName: 'tensorflow' },
  'tfjs-node': { pkg: '@tensorflow/tfjs-node', tfName: 'tensorflow' },
  webgpu: { pkg: '@tensorflow/tfjs-backend-webgpu', tfName: 'webgpu' },
  webgl: { pkg: '@tensorflow/tfjs-backend-webgl', tfName: 'webgl' },
  wasm: { pkg: '@tensorflow/tfjs-backend-wasm', tfName: 'wasm' },
  cpu: { pkg: '@tensorflow/tfjs-backend-cpu', tfName: 'cpu' },
};
