export { fileSource } from './node/files';
export { vendoredDataDir, dataDir, loadTask, loadTaskMembers, loadTaskTrainValidation, readChatTemplate } from './node/vendored';
export type { LoadTaskOptions } from './node/vendored';
export { prepareTaskData } from './node/task-data';
export type { TaskData, TaskDataOptions, TaskSequence } from './node/task-data';
