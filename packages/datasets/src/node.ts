export { fileSource } from './node/files';
export { vendoredDataDir, dataDir, loadTask, loadTaskTrainValidation, readChatTemplate } from './node/vendored';
export type { LoadTaskOptions } from './node/vendored';
