export { progressBar } from './node/progress-bar';
export { writeEvaluation, writeResultsTable } from './node/write';
export type { WrittenEvaluation } from './node/write';
export { runEvaluation } from './node/run';
export type { RunEvaluationOptions } from './node/run';
