import { tokenBlocks, type TokenBlock } from '../collate/blocks';
import { encodeExample, type EncodedExample } from '../collate/encode';
import { exampleFormatter } from '../tasks/format';
import { resolveTask } from '../tasks/load';
import type { Example, TaskDefinition } from '../tasks/types';
import type { TextTokenizer } from '../tokenizer';
import { loadTaskTrainValidation } from './vendored';

export interface TaskDataOptions {
  /** Tokens per training sequence (block size for language-model tasks). */
  cutoffLength: number;
  /** Validation examples carved from the training split (count, or fraction below 1). Never from test. */
  validationSize: number;
  seed: number;
  /** Keep at most this many training sequences (after the validation split is carved). */
  maxTrainExamples?: number;
  /** Directory holding the task files (default: the installed @smoa/data). */
  dataDir?: string;
}

/** One tokenised sequence as the trainer takes it (@smoa/train's TrainExample accepts both). */
export type TaskSequence = EncodedExample | TokenBlock;

export interface TaskData {
  task: TaskDefinition;
  train: TaskSequence[];
  validation: TaskSequence[];
  /** The validation examples before tokenisation (for metric evaluation). */
  validationExamples: Example[];
}

/**
 * A task's training data as the trainer wants it: language-model tasks become token blocks, the
 * others prompt/response pairs with the loss on the response only. Validation comes out of the
 * training split, so test never influences training or checkpoint choice.
 */
export async function prepareTaskData(taskName: string | TaskDefinition, tokenizer: TextTokenizer, options: TaskDataOptions): Promise<TaskData> {
  const task = resolveTask(taskName);
  const split = await loadTaskTrainValidation(task, { size: options.validationSize, seed: options.seed, ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
  const encode = (examples: Example[], limit?: number): TaskSequence[] => {
    if (task.kind === 'language-model') {
      const blocks = tokenBlocks(tokenizer, examples.map((e) => e.target), { blockSize: options.cutoffLength });
      return limit === undefined ? blocks : blocks.slice(0, limit);
    }
    const format = exampleFormatter(task);
    // One example is one sequence, so only the kept examples are tokenised (a large set with a small cap stays fast).
    const kept = limit === undefined ? examples : examples.slice(0, limit);
    return kept.map((e) => encodeExample(tokenizer, format(e), { cutoffLength: options.cutoffLength }));
  };
  return { task, train: encode(split.train, options.maxTrainExamples), validation: encode(split.validation), validationExamples: split.validation };
}
