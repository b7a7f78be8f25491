import {
  encodePrompt,
  exampleFormatter,
  type Example,
  type FormatOptions,
  type TaskDefinition,
  type TextTokenizer,
} from '@smoa/datasets';
import { checkOptions } from './options';
import { scorePredictions } from './score';
import type { CausalLM } from './model';
import { progressTracker, type ProgressCallback } from './progress';
import type { EvaluationResult, PredictionRecord } from './result';

export interface GenerationEvalOptions {
  batchSize?: number;
  /**
   * New tokens per example (default: the longest gold response among `examples`, in tokens, plus
   * GENERATION_MARGIN, at most half the model's positions), so a correct answer always fits.
   */
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

/** Tokens allowed past the longest gold response (room for EOS and small variations in wording). */
export const GENERATION_MARGIN = 8;

/** The default generation length: the longest gold response (the training target) in tokens plus GENERATION_MARGIN. */
export function defaultMaxNewTokens(tokenizer: TextTokenizer, examples: readonly Example[], maxPositions = Infinity): number {
  let longest = 0;
  for (const e of examples) longest = Math.max(longest, tokenizer.encode(e.target).length);
  return Math.max(1, Math.min(longest + GENERATION_MARGIN, Math.floor(maxPositions / 2)));
}

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
  checkOptions(`evaluateGeneration(${task.name})`, options, {
    batchSize: 'a positive integer',
    maxNewTokens: 'a positive integer',
    cutoffLength: 'an integer of at least 2',
    temperature: 'a finite number >= 0',
    topK: 'a positive integer',
    topP: 'a number in (0, 1]',
    seed: 'an integer',
    eosTokenId: 'a non-negative integer',
  });
  const started = performance.now();
  const batchSize = options.batchSize ?? 8;
  const maxNewTokens = options.maxNewTokens ?? defaultMaxNewTokens(tokenizer, examples, model.config.maxPositionEmbeddings);
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
