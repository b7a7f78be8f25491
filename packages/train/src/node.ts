export { DirectoryCheckpointStore, readCheckpointDir, STATE_FILE, WEIGHTS_FILE, OPTIMIZER_FILE } from './node/directory-store';
export type { DirectoryCheckpointStoreOptions } from './node/directory-store';
export { interruptOnSigint } from './node/interrupt';
