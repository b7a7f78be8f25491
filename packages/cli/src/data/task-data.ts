// Task data preparation is @smoa/datasets logic and lives there now; kept so existing imports work.
export { prepareTaskData } from '@smoa/datasets/node';
export type { TaskData, TaskDataOptions } from '@smoa/datasets/node';
