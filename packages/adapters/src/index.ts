export { Linear } from './model/linear';
export type { ModuleContainer } from './model/linear';
