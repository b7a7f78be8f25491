import { checkOptions } from './options';
import {
  createPromptTemplate,
  encodeExample,
  exampleFormatter,
  type Example,
  type FormatOptions,
  type TaskDefinition,
  type TextTokenizer,
} from '@smoa/datasets';
import type { CausalLM } from './model';
import { progressTracker, type ProgressCallback } from './progress';
import type { EvaluationResult, PredictionRecord } from './result';
import { scoreSequences, type SequenceScore } from './scoring';

/**
 * What each option is scored as:
 * - 'options': the option's own text after "Question: ...\nAnswer:" (as lm-evaluation-harness
 *   does), which gives above-chance accuracy even for models never trained on the task format;
 * - 'labels': the task's response with the option's label ("the correct answer is solution2")
 *   after the task's instruction prompt, the format a fine-tuned model learns to generate.
 */
export type ChoiceMode = 'options' | 'labels';
/** 'none': summed log-probability; 'tokens': per token; 'chars': per character (lm-eval's acc_norm). */
export type LengthNormalization = 'none' | 'tokens' | 'chars';

export interface MultipleChoiceOptions {
  mode?: ChoiceMode;
  normalization?: LengthNormalization;
  batchSize?: number;
  /** Tokens per scored sequence (default: the model's positions); the prompt's start is cut first. */
  cutoffLength?: number;
  /** 'labels' mode: prompt template or chat template, as for training. */
  format?: FormatOptions;
  onProgress?: ProgressCallback;
  split?: string;
}

const QUESTION_TEMPLATE = createPromptTemplate('Question: {question}\nAnswer:', { name: 'question-answer', fields: ['question'] });

/**
 * Log-likelihood multiple choice: every option of an example is scored as a continuation of its
 * prompt; the most likely one (after the chosen length normalisation) is the prediction. All
 * (example, option) pairs are batched together. The summary reports accuracy under the chosen
 * normalisation and under all three.
 */
export async function evaluateMultipleChoice(
  model: CausalLM,
  tokenizer: TextTokenizer,
  task: TaskDefinition,
  examples: readonly Example[],
  options: MultipleChoiceOptions = {},
): Promise<EvaluationResult> {
  if (examples.length === 0) throw new RangeError(`evaluateMultipleChoice(${task.name}): no examples`);
  checkOptions(`evaluateMultipleChoice(${task.name})`, options, { batchSize: 'a positive integer', cutoffLength: 'an integer of at least 2' });
  const started = performance.now();
  const mode = options.mode ?? 'options';
  const normalization = options.normalization ?? 'none';
  const batchSize = options.batchSize ?? 16;
  const cutoffLength = options.cutoffLength ?? model.config.maxPositionEmbeddings;
  const format = exampleFormatter(task, options.format);
  const pairs = examples.map((ex) => choicePairs(task, ex, mode, format));
  const sequences = pairs.flatMap((p) =>
    p.continuations.map((c) => {
      // Encoded exactly as a training example (BOS, prompt, response; no EOS): what the model would be trained to produce.
      const enc = encodeExample(tokenizer, { prompt: p.prompt, response: c }, { cutoffLength, addEos: false });
      return { inputIds: enc.inputIds, from: Math.max(1, enc.promptLength), chars: c.length };
    }),
  );
  const progress = progressTracker(examples.length, options.onProgress);
  // Whole examples are reported as their last option is scored.
  let scored = 0;
  let complete = 0;
  let seen = 0;
  const scores = await scoreSequences(model, sequences, {
    batchSize,
    padTokenId: tokenizer.padTokenId ?? tokenizer.eosTokenId ?? 0,
    onBatch: (n) => {
      scored += n;
      const before = complete;
      while (complete < pairs.length && seen + pairs[complete]!.labels.length <= scored) seen += pairs[complete++]!.labels.length;
      if (complete > before) progress.advance(complete - before);
    },
  });
  const predictions: PredictionRecord[] = [];
  const hits = { none: 0, tokens: 0, chars: 0 };
  let offset = 0;
  pairs.forEach((p, i) => {
    const own = scores.slice(offset, offset + p.labels.length);
    const chars = sequences.slice(offset, offset + p.labels.length).map((s) => s.chars);
    offset += p.labels.length;
    const pick = (norm: LengthNormalization) => p.labels[argMax(own.map((s, k) => normalized(s, chars[k]!, norm)))]!;
    for (const norm of ['none', 'tokens', 'chars'] as const) if (pick(norm) === p.gold) hits[norm]++;
    const predicted = pick(normalization);
    predictions.push({ index: examples[i]!.index, prompt: p.prompt, predicted, gold: p.gold, correct: predicted === p.gold, scores: own.map((s) => s.logprob) });
  });
  const n = examples.length;
  return {
    predictions,
    summary: {
      task: task.name,
      split: options.split,
      mode: 'loglikelihood',
      numExamples: n,
      metrics: {
        accuracy: hits[normalization] / n,
        correct: hits[normalization],
        accuracyRaw: hits.none / n,
        accuracyPerToken: hits.tokens / n,
        accuracyPerChar: hits.chars / n,
      },
      settings: { choiceMode: mode, normalization, batchSize, cutoffLength },
      elapsedSeconds: (performance.now() - started) / 1000,
    },
  };
}

interface ChoicePairs {
  prompt: string;
  continuations: string[];
  labels: string[];
  gold: string;
}

function choicePairs(task: TaskDefinition, ex: Example, mode: ChoiceMode, format: (ex: Example) => { prompt: string; response: string }): ChoicePairs {
  const gold = ex.answer;
  if (gold === undefined) throw new Error(`task "${task.name}": example ${ex.index} has no gold answer`);
  if (mode === 'options') {
    if (!ex.options || ex.question === undefined) {
      throw new Error(`task "${task.name}": example ${ex.index} has no parsed options to score; use mode 'labels'`);
    }
    return {
      prompt: QUESTION_TEMPLATE.render({ question: ex.question }),
      continuations: ex.options.map((o) => ` ${o.text}`),
      labels: ex.options.map((o) => o.label),
      gold,
    };
  }
  const labels = ex.options?.map((o) => o.label) ?? (task.labels ? [...task.labels] : undefined);
  if (!labels) throw new Error(`task "${task.name}" has no labels to score`);
  const { prompt, response } = format(ex);
  const at = response.lastIndexOf(gold);
  if (at === -1) throw new Error(`task "${task.name}": example ${ex.index}'s response does not contain its answer "${gold}", so it cannot be varied per label`);
  return { prompt, continuations: labels.map((l) => response.slice(0, at) + l + response.slice(at + gold.length)), labels, gold };
}

function normalized(s: SequenceScore, chars: number, norm: LengthNormalization): number {
  if (norm === 'tokens') return s.logprob / Math.max(1, s.tokens);
  if (norm === 'chars') return s.logprob / Math.max(1, chars);
  return s.logprob;
}

function argMax(xs: number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}
