import { encodeExample, exampleFormatter, getTask, tokenBlocks, type Example, type TaskDefinition, type TextTokenizer } from '@smoa/datasets';
import { loadTaskTrainValidation } from '@smoa/datasets/node';
import type { TrainExample } from '@smoa/train';

export interface TaskDataOptions {
  /** Tokens per training sequence (block size for language-model tasks). */
  cutoffLength: number;
  /** Validation examples carved from the training split (count, or fraction below 1). Never from test. */
  validationSize: number;
  seed: number;
  maxTrainExamples?: number;
  dataDir?: string;
}

export interface TaskData {
  task: TaskDefinition;
  train: TrainExample[];
  validation: TrainExample[];
  /** The validation examples before tokenisation (for metric evaluation). */
  validationExamples: Example[];
}

/**
 * A task's training data as the trainer wants it: language-model tasks become token blocks, the
 * others prompt/response pairs with the loss on the response only. Validation comes out of the
 * training split, so test never influences training or checkpoint choice.
 */
export async function prepareTaskData(taskName: string | TaskDefinition, tokenizer: TextTokenizer, options: TaskDataOptions): Promise<TaskData> {
  const task = typeof taskName === 'string' ? getTask(taskName) : taskName;
  const split = await loadTaskTrainValidation(task, { size: options.validationSize, seed: options.seed, ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
  const encode = (examples: Example[]): TrainExample[] => {
    if (task.kind === 'language-model') return tokenBlocks(tokenizer, examples.map((e) => e.target), { blockSize: options.cutoffLength });
    const format = exampleFormatter(task);
    return examples.map((e) => encodeExample(tokenizer, format(e), { cutoffLength: options.cutoffLength }));
  };
  let train = encode(split.train);
  if (options.maxTrainExamples !== undefined) train = train.slice(0, options.maxTrainExamples);
  return { task, train, validation: encode(split.validation), validationExamples: split.validation };
}
