export { DataError } from './errors';
export type { DataErrorLocation } from './errors';
export { textSource, streamSource, fetchSource, urlSource } from './readers/source';
export type { DataSource } from './readers/source';
export { parseJson, parseJsonArray } from './readers/json';
export { readJsonl, collectJsonl } from './readers/jsonl';
export type { JsonlRecord } from './readers/jsonl';
export { splitPassages } from './readers/text';
export { readParlAIDialogues, dialogueExamples } from './readers/parlai';
export type { Dialogue, DialogueExample } from './readers/parlai';
export { checkRecord } from './records';
export type { FieldType, FieldSpec, RecordSchema } from './records';
export {
  createPromptTemplate,
  instructionTemplate,
  TemplateError,
  PAPER_PROMPT,
  PAPER_PROMPT_WITH_INPUT,
} from './template/prompt';
export type { PromptTemplate } from './template/prompt';
export { ChatTemplate, chatTemplateFromConfig } from './template/chat';
export type { ChatMessage, ChatTemplateOptions } from './template/chat';
export type { TextTokenizer } from './tokenizer';
export { encodeExample, encodePrompt, IGNORE_INDEX } from './collate/encode';
export type { EncodeOptions, EncodedExample, PromptResponse, TruncationPolicy } from './collate/encode';
export { padBatch, padTokenIdOf } from './collate/pad';
export type { PaddedBatch, PadOptions, PaddingSide } from './collate/pad';
export { tokenBlocks } from './collate/blocks';
export type { TokenBlock } from './collate/blocks';
export { shuffled, splitValidation, batchesOf } from './sampling';
export type { ValidationSplit } from './sampling';
export { TaskRegistry } from './tasks/registry';
export { tasks, registerTask, getTask, builtinTasks } from './tasks/builtin';
export { commonsenseTasks } from './tasks/commonsense';
export { gsm8kTask, mathTasks } from './tasks/math';
export { convai2Task, CONVAI2_SPLITS } from './tasks/dialogue';
export { plainTextTask, tinyShakespeareTask } from './tasks/corpus';
export { readRecords, LLM_ADAPTERS_SCHEMA } from './tasks/records';
export type { CheckedRecord, LlmAdaptersRecord } from './tasks/records';
export { loadTaskExamples, loadTrainValidation, loadMixMembers } from './tasks/load';
export type { OpenData } from './tasks/load';
export { exampleFormatter } from './tasks/format';
export type { ChatFormat, FormatOptions } from './tasks/format';
export { extractChoice, extractNumber, extractOptionLetter, parseNumber, numbersMatch } from './tasks/answers';
export { SPLITS } from './tasks/types';
export type { Split, MetricName, TaskKind, AnswerOption, Example, TaskDefinition } from './tasks/types';
