import * as tf from '@tensorflow/tfjs-core';
import type { CausalLMGenerateOptions } from '@smoa/core';
import type { KVCache, LlamaModelCore } from '../model/llama';
import { keyMaskTensor, positionsFromMask } from '../model/positions';
import { createRng, sampleToken } from './sampling';

/** @smoa/core's generation options (maxNewTokens, temperature, topK, topP, eosTokenId, seed) plus Llama's own. */
export interface GenerateOptions extends CausalLMGenerateOptions {
  /** Reuse keys and values of earlier positions (default). false recomputes the whole sequence per token. */
  useCache?: boolean;
  /**
   * Hold a transposed copy of the weights while generating (default true): one-token steps run several
   * times faster on the wasm backend, at the cost of a second copy of the weights during the call.
   */
  transposedWeights?: boolean;
  /** Called with each new token as soon as it is chosen (row b of the batch, step = its index), for streaming. */
  onToken?: (token: number, row: number, step: number) => void;
  /** Called after each new token of a row; true ends that row (the token is kept). generateText uses it for stop strings. */
  shouldStop?: (row: number, tokens: readonly number[]) => boolean;
}

/** What generation needs from the model: the decoder, the head, and its input checks. */
export interface GenerationModel extends LlamaModelCore {
  readonly name: string;
  checkToken(id: number, at: string): void;
  checkLength(positions: number, what?: string): void;
}

/** Produces the next-token logits [B, vocab] after feeding one more token per row. */
interface Decoder {
  prefill(): tf.Tensor2D;
  next(tokens: Int32Array): tf.Tensor2D;
  dispose(): void;
}

export async function generate(model: GenerationModel, prompts: number[][], options: GenerateOptions): Promise<number[][]> {
  const opts = checkOptions(model, options);
  checkPrompts(model, prompts);
  const B = prompts.length;
  const L = Math.max(...prompts.map((p) => p.length));
  model.checkLength(L + opts.maxNewTokens, `a prompt of ${L} tokens plus ${opts.maxNewTokens} new tokens`);
  const out: number[][] = prompts.map(() => []);
  if (opts.maxNewTokens === 0) return out;

  // Left padding: every row's last prompt token sits in the last column, so one column of logits serves all.
  const tokens = new Int32Array(B * L);
  const mask = new Int32Array(B * L);
  prompts.forEach((p, b) => {
    tokens.set(p, b * L + L - p.length);
    mask.fill(1, b * L + L - p.length, (b + 1) * L);
  });
  const decoder = opts.useCache ? new CachedDecoder(model, tokens, mask, B, L) : new RecomputingDecoder(model, tokens, mask, B, L);
  const random = createRng(opts.seed);
  const done = new Array<boolean>(B).fill(false);
  if (opts.transposedWeights) model.holdTransposedWeights();
  try {
    let logits = decoder.prefill();
    for (let step = 0; ; step++) {
      const chosen = await pick(logits, opts, random);
      logits.dispose();
      for (let b = 0; b < B; b++) {
        if (done[b]) continue;
        out[b].push(chosen[b]);
        options.onToken?.(chosen[b], b, step);
        if (opts.eos.has(chosen[b]) || options.shouldStop?.(b, out[b])) done[b] = true;
      }
      if (step + 1 === opts.maxNewTokens || done.every(Boolean)) break;
      logits = decoder.next(chosen);
    }
  } finally {
    decoder.dispose();
    if (opts.transposedWeights) model.releaseTransposedWeights();
  }
  return out;
}

async function pick(logits: tf.Tensor2D, opts: CheckedOptions, random: () => number): Promise<Int32Array> {
  if (opts.temperature === 0) {
    const ids = tf.argMax(logits, -1);
    const values = await ids.data();
    ids.dispose();
    return Int32Array.from(values);
  }
  const [B, V] = logits.shape;
  const values = await logits.data();
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) out[b] = sampleToken(values.subarray(b * V, (b + 1) * V), opts, random);
  return out;
}

/** Prefills once, then feeds one token per step against the cached keys and values. */
class CachedDecoder implements Decoder {
  private cache: KVCache | undefined;
  /** Next rotary position per row: the number of real tokens so far. */
  private readonly positions: Int32Array;

  constructor(
    private readonly model: GenerationModel,
    private readonly prompt: Int32Array,
    private keyMask: Int32Array,
    private readonly B: number,
    private readonly L: number,
  ) {
    this.positions = new Int32Array(B);
    for (let b = 0; b < B; b++) for (let t = 0; t < L; t++) this.positions[b] += keyMask[b * L + t];
  }

  prefill(): tf.Tensor2D {
    return this.run(this.prompt, positionsFromMask(this.keyMask, this.B, this.L), this.L);
  }

  next(tokens: Int32Array): tf.Tensor2D {
    this.keyMask = appendColumn(this.keyMask, this.B, 1);
    const positions = Int32Array.from(this.positions);
    for (let b = 0; b < this.B; b++) this.positions[b]++;
    return this.run(tokens, positions, 1);
  }

  private run(tokens: Int32Array, positions: Int32Array, T: number): tf.Tensor2D {
    const { B } = this;
    const S = this.keyMask.length / B;
    const { logits, cache } = tf.tidy(() => {
      const r = this.model.decode(tf.tensor2d(tokens, [B, T], 'int32'), {
        positions: tf.tensor2d(positions, [B, T], 'int32'),
        keyMask: keyMaskTensor(this.keyMask, B, S),
        cache: this.cache,
      });
      return { logits: lastLogits(this.model, r.hidden), cache: r.cache };
    });
    this.dispose();
    this.cache = cache;
    return logits;
  }

  dispose(): void {
    for (const layer of this.cache ?? []) tf.dispose([layer.k, layer.v]);
    this.cache = undefined;
  }
}

/** The baseline a cache is measured against: the whole sequence through the decoder for every token. */
class RecomputingDecoder implements Decoder {
  constructor(
    private readonly model: GenerationModel,
    private tokens: Int32Array,
    private mask: Int32Array,
    private readonly B: number,
    private T: number,
  ) {}

  prefill(): tf.Tensor2D {
    const { B, T } = this;
    return tf.tidy(() => {
      const r = this.model.decode(tf.tensor2d(this.tokens, [B, T], 'int32'), {
        positions: tf.tensor2d(positionsFromMask(this.mask, B, T), [B, T], 'int32'),
        keyMask: keyMaskTensor(this.mask, B, T),
      });
      return lastLogits(this.model, r.hidden);
    });
  }

  next(tokens: Int32Array): tf.Tensor2D {
    this.tokens = appendColumn(this.tokens, this.B, tokens);
    this.mask = appendColumn(this.mask, this.B, 1);
    this.T++;
    return this.prefill();
  }

  dispose(): void {}
}

function lastLogits(model: LlamaModelCore, hidden: tf.Tensor3D): tf.Tensor2D {
  const [B, T, D] = hidden.shape;
  const last = tf.slice(hidden, [0, T - 1, 0], [B, 1, D]);
  return tf.reshape(model.lmHead(last), [B, model.config.vocabSize]);
}

function appendColumn(m: Int32Array, B: number, column: Int32Array | number): Int32Array {
  const T = m.length / B;
  const out = new Int32Array(B * (T + 1));
  for (let b = 0; b < B; b++) {
    out.set(m.subarray(b * T, (b + 1) * T), b * (T + 1));
    out[b * (T + 1) + T] = typeof column === 'number' ? column : column[b];
  }
  return out;
}

interface CheckedOptions {
  maxNewTokens: number;
  temperature: number;
  topK?: number;
  topP?: number;
  eos: Set<number>;
  seed: number;
  useCache: boolean;
  transposedWeights: boolean;
}

function checkOptions(model: GenerationModel, o: GenerateOptions): CheckedOptions {
  const bad = (field: string, expected: string, got: unknown) =>
    new Error(`${model.name}: generate option "${field}" must be ${expected}, got ${JSON.stringify(got)}`);
  if (!Number.isInteger(o.maxNewTokens) || o.maxNewTokens < 0) throw bad('maxNewTokens', 'a non-negative integer', o.maxNewTokens);
  const temperature = o.temperature ?? 0;
  if (!Number.isFinite(temperature) || temperature < 0) throw bad('temperature', 'a finite number >= 0', o.temperature);
  if (o.topK !== undefined && (!Number.isInteger(o.topK) || o.topK < 1)) throw bad('topK', 'a positive integer', o.topK);
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) throw bad('topP', 'a number in (0, 1]', o.topP);
  if (temperature === 0 && (o.topK !== undefined || o.topP !== undefined)) {
    throw bad('temperature', 'above 0 when topK or topP is given (temperature 0 is greedy and ignores them)', o.temperature);
  }
  if (o.seed !== undefined && !Number.isInteger(o.seed)) throw bad('seed', 'an integer', o.seed);
  const eosOption = o.eosTokenId ?? model.config.eosTokenId ?? [];
  const eos = new Set(Array.isArray(eosOption) ? eosOption : [eosOption]);
  for (const id of eos) if (!Number.isInteger(id)) throw bad('eosTokenId', 'an integer or a list of integers', o.eosTokenId);
  return {
    maxNewTokens: o.maxNewTokens,
    temperature,
    topK: o.topK,
    topP: o.topP,
    eos,
    seed: o.seed ?? Math.floor(Math.random() * 2 ** 32),
    useCache: o.useCache ?? true,
    transposedWeights: o.transposedWeights ?? true,
  };
}

function checkPrompts(model: GenerationModel, prompts: number[][]): void {
  if (!Array.isArray(prompts) || prompts.length === 0) throw new Error(`${model.name}: generate needs at least one prompt`);
  prompts.forEach((p, b) => {
    if (!Array.isArray(p) || p.length === 0) {
      throw new Error(`${model.name}: prompt ${b} is empty; start it with at least one token (for example BOS)`);
    }
    p.forEach((id, t) => model.checkToken(id, `prompt ${b} position ${t}`));
  });
}
