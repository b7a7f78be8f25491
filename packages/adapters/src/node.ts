export { loadAdapter, saveAdapter } from './node/adapter-dir';
