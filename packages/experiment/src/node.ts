export { runExperiment } from './run/run-experiment';
export type { RunExperimentOptions, ExperimentResult } from './run/run-experiment';
export { readResults } from './run/results-file';
