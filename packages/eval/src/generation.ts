import {
  encodePrompt,
  exampleFormatter,
  type Example,
  type FormatOptions,
  type TaskDefinition,
  type TextTokenizer,
} from '@smoa/datasets';
import { scorePredictions } from './score';
import type { CausalLM } from './model';
import { progressTracker, type ProgressCallback } from './progress';
import type { EvaluationResult, PredictionRecord } from './result';

export interface GenerationEvalOptions {
  batchSize?: number;
  /** New tokens per example (default: 32 for multiple choice, 256 for numeric, 64 for dialogue). */
  maxNewTokens?: number;
  /** Prompt tokens kept, BOS included (default: the model's positions minus maxNewTokens); longer prompts lose their start. */
  cutoffLength?: number;
  /** Prompt template or chat template, as for training (see @smoa/datasets exampleFormatter). */
  format?: FormatOptions;
  /** 0 (default) is greedy decoding. */
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  /** Stop tokens (default: the tokenizer's EOS). */
  eosTokenId?: number | number[];
  onProgress?: ProgressCallback;
  split?: string;
}

const DEFAULT_NEW_TOKENS = { 'multiple-choice': 32, numeric: 256, dialogue: 64, 'language-model': 64 } as const;

/**
 * Generation-based evaluation: each example's prompt (formatted and tokenised exactly as for
 * training, BOS included) is completed by the model in batches; the task's extractor reads the
 * answer from the completion and the task's metric scores it.
 */
export async function evaluateGeneration(
  model: CausalLM,
  tokenizer: TextTokenizer,
  task: TaskDefinition,
  examples: readonly Example[],
  options: GenerationEvalOptions = {},
): Promise<EvaluationResult> {
  if (examples.length === 0) throw new RangeError(`evaluateGeneration(${task.name}): no examples`);
  if (task.metric === 'perplexity') throw new Error(`task "${task.name}" is scored by perplexity: use evaluatePerplexity`);
  const started = performance.now();
  const batchSize = options.batchSize ?? 8;
  const maxNewTokens = options.maxNewTokens ?? DEFAULT_NEW_TOKENS[task.kind];
  const cutoffLength = options.cutoffLength ?? model.config.maxPositionEmbeddings - maxNewTokens;
  if (cutoffLength < 2) throw new RangeError(`maxNewTokens ${maxNewTokens} leaves no room for a prompt in ${model.config.maxPositionEmbeddings} positions`);
  const eos = options.eosTokenId ?? tokenizer.eosTokenId;
  const stops = new Set(eos === undefined ? [] : Array.isArray(eos) ? eos : [eos]);
  const format = exampleFormatter(task, options.format);
  const progress = progressTracker(examples.length, options.onProgress);
  const predictions: PredictionRecord[] = [];
  const generated: string[] = [];
  for (let start = 0; start < examples.length; start += batchSize) {
    const batch = examples.slice(start, start + batchSize);
    const prompts = batch.map((ex) => format(ex).prompt);
    const ids = prompts.map((p) => encodePrompt(tokenizer, p, { cutoffLength }));
    const outs = await model.generate(ids, {
      maxNewTokens,
      temperature: options.temperature ?? 0,
      topK: options.topK,
      topP: options.topP,
      seed: options.seed,
      eosTokenId: [...stops],
    });
    outs.forEach((tokens, i) => {
      const stop = tokens.findIndex((t) => stops.has(t));
      const text = tokenizer.decode(stop === -1 ? tokens : tokens.slice(0, stop), { skipSpecialTokens: true });
      generated.push(text);
      predictions.push({ index: batch[i]!.index, prompt: prompts[i], generated: text });
    });
    progress.advance(batch.length);
  }
  const metrics = scorePredictions(task, examples, generated, predictions);
  return {
    predictions,
    summary: {
      task: task.name,
      split: options.split,
      mode: 'generate',
      numExamples: examples.length,
      metrics,
      settings: { batchSize, maxNewTokens, cutoffLength, temperature: options.temperature ?? 0, topK: options.topK, topP: options.topP, seed: options.seed },
      elapsedSeconds: (performance.now() - started) / 1000,
    },
  };
}
