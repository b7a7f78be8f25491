import { IGNORE_INDEX } from '@smoa/core/contracts';
import type { TextTokenizer } from '../tokenizer';

export { IGNORE_INDEX };

export interface PromptResponse {
  prompt: string;
  response: string;
}

/**
 * How an over-long sequence is cut to `cutoffLength` tokens:
 * - 'prompt-start' (default): drop prompt tokens from the start (after BOS) so the end of the prompt,
 *   which says what to answer, and the response survive; if the response alone does not fit, it is
 *   cut at its end (its EOS goes too).
 * - 'end': cut the whole sequence at its end, as Hugging Face's truncation=True does.
 */
export type TruncationPolicy = 'prompt-start' | 'end';

export interface EncodeOptions {
  /** Maximum tokens per sequence, BOS and EOS included. */
  cutoffLength: number;
  truncation?: TruncationPolicy;
  /** Prepend BOS (default: when the tokenizer has one and the text does not already start with it). */
  addBos?: boolean;
  /** Append EOS after the response (default: when the tokenizer has one). */
  addEos?: boolean;
  /** Train on prompt tokens too (default false: loss on response tokens only). */
  trainOnPrompt?: boolean;
}

export interface EncodedExample {
  inputIds: number[];
  /** Aligned with inputIds (labels[t] is the token at t); IGNORE_INDEX where the loss does not look. */
  labels: number[];
  /** Number of leading positions (BOS and prompt) that belong to the prompt. */
  promptLength: number;
  truncated: boolean;
}

/**
 * The prompt tokens exactly as encodeExample puts them before the response, so that evaluation
 * feeds the model what training showed it (BOS included in both; the authors' code adds BOS only
 * at test time).
 */
export function encodePrompt(tokenizer: TextTokenizer, prompt: string, options: Pick<EncodeOptions, 'cutoffLength' | 'addBos'>): number[] {
  const { bos, body } = withBos(tokenizer, tokenizer.encode(prompt), options.addBos);
  const ids = [...bos, ...body];
  if (ids.length <= options.cutoffLength) return ids;
  if (options.cutoffLength <= bos.length) throw new RangeError(`cutoffLength ${options.cutoffLength} leaves no room after BOS`);
  return [...bos, ...body.slice(body.length - (options.cutoffLength - bos.length))];
}

/** Tokenises one training example with its loss mask. See TruncationPolicy for what is cut. */
export function encodeExample(tokenizer: TextTokenizer, example: PromptResponse, options: EncodeOptions): EncodedExample {
  if (!Number.isInteger(options.cutoffLength) || options.cutoffLength < 2) {
    throw new RangeError(`cutoffLength must be an integer >= 2, got ${options.cutoffLength}`);
  }
  const { promptIds, responseIds } = splitEncode(tokenizer, example);
  const { bos, body: promptBody } = withBos(tokenizer, promptIds, options.addBos);
  if (options.addEos === true && tokenizer.eosTokenId === undefined) throw new RangeError('addEos is true but the tokenizer has no eosTokenId');
  const eos = options.addEos !== false && tokenizer.eosTokenId !== undefined ? [tokenizer.eosTokenId] : [];
  let prompt = promptBody;
  let response = [...responseIds, ...eos];
  const total = bos.length + prompt.length + response.length;
  const cutoff = options.cutoffLength;
  const truncated = total > cutoff;
  if (truncated) {
    if ((options.truncation ?? 'prompt-start') === 'end') {
      const keepPrompt = Math.min(prompt.length, cutoff - bos.length);
      prompt = prompt.slice(0, keepPrompt);
      response = response.slice(0, cutoff - bos.length - keepPrompt);
    } else {
      const room = cutoff - bos.length;
      if (response.length >= room) {
        response = response.slice(0, room);
        prompt = [];
      } else {
        prompt = prompt.slice(prompt.length - (room - response.length));
      }
    }
  }
  const inputIds = [...bos, ...prompt, ...response];
  const promptLength = bos.length + prompt.length;
  const labels = inputIds.map((id, i) => (i < promptLength && !options.trainOnPrompt ? IGNORE_INDEX : id));
  return { inputIds, labels, promptLength, truncated };
}

/**
 * Encodes prompt + response jointly when that keeps the prompt's own tokens as its prefix (so the
 * prompt tokens equal encodePrompt's), else encodes the two apart: a merge across the boundary
 * would otherwise show the model a prompt at training time that it never sees at evaluation.
 */
function splitEncode(tokenizer: TextTokenizer, ex: PromptResponse): { promptIds: number[]; responseIds: number[] } {
  const promptIds = tokenizer.encode(ex.prompt);
  const joint = tokenizer.encode(ex.prompt + ex.response);
  const prefixHolds = joint.length >= promptIds.length && promptIds.every((id, i) => joint[i] === id);
  const responseIds = prefixHolds ? joint.slice(promptIds.length) : tokenizer.encode(ex.response);
  return { promptIds, responseIds };
}

/**
 * Separates the BOS that starts every sequence from the prompt body, so truncation never cuts it.
 * A chat template may already have written BOS into the text; then it is not added twice.
 */
function withBos(tokenizer: TextTokenizer, ids: number[], addBos: boolean | undefined): { bos: number[]; body: number[] } {
  const bos = tokenizer.bosTokenId;
  if (bos === undefined) {
    if (addBos === true) throw new RangeError('addBos is true but the tokenizer has no bosTokenId');
    return { bos: [], body: ids };
  }
  if (ids[0] === bos) return { bos: [bos], body: ids.slice(1) };
  return addBos === false ? { bos: [], body: ids } : { bos: [bos], body: ids };
}
