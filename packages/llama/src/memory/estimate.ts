import type { LlamaConfig } from '../config';

/*
 * What one training step (forward, backward, AdamW update) holds in tfjs memory, by the accounting
 * tf.memory() and tf.profile() use (every live tensor counted at its full size):
 *
 *   resident   weights + rotary tables + trainable parameters with their AdamW moments
 *   tape       what the backward pass keeps: tfjs keeps a copy of every saved op input until the
 *              whole backward pass ends, per decoder layer about (counted from the tape of one layer)
 *              52 hidden + 18 intermediate + 18 key/value + 9 query-sized floats and 3 attention rows
 *              (query heads x sequence) per token, plus the adapters' own saves. With activation
 *              checkpointing each layer keeps only its input [tokens, hidden] and one layer's tape
 *              exists at a time, in its recompute.
 *   loss       the fused LM-head loss: a few [rows, vocab] chunks of CHUNK_ELEMENTS floats each
 *   backward   the gradient of every intermediate, also freed only when the backward pass ends (1.65x
 *              the saved tensors, measured)
 *   gradients  one gradient per trainable parameter, alive with the tape at the end of backward
 *
 * The figures for LoRA, SMoA and full fine-tuning are checked against tf.profile in this package's
 * tests and in the memory bench (`pnpm bench --only=memory`).
 */

export type MemoryMethod = 'lora' | 'smoa' | 'hira' | 'melora' | 'dora' | 'full' | 'none';

export interface MemoryEstimateOptions {
  /** Adapter method, 'full' (every weight trained) or 'none' (frozen model, forward and backward to nothing). */
  method: MemoryMethod | string;
  /** Adapter rank (default 8). */
  r?: number;
  /** Blocks of SMoA / MELoRA (default 2). */
  numBlocks?: number;
  /** Projections that carry adapters, by module name (default all seven of each layer). */
  targetModules?: readonly string[];
  batchSize: number;
  seqLength: number;
  /** tfjs backend name; on 'wasm' the estimate is compared with its 4 GiB heap. */
  backend?: string;
  checkpointActivations?: boolean;
}

export interface MemoryEstimate {
  /** Model weights (tied embeddings once). */
  weightBytes: number;
  trainableParameters: number;
  /** What stays allocated between steps: weights, rotary tables, trainable parameters and their AdamW moments. */
  residentBytes: number;
  /** Saved for the backward pass at its fullest. */
  tapeBytes: number;
  /** The fused loss's temporaries. */
  lossBytes: number;
  /** Gradients of the trainable parameters. */
  gradientBytes: number;
  /** The step's peak above residentBytes. */
  workingBytes: number;
  /** residentBytes + workingBytes: the figure to compare with tf.profile's peakBytes. */
  peakBytes: number;
  /** The backend's memory limit when known (wasm: 4 GiB), else undefined. */
  limitBytes?: number;
  /** peakBytes within limitBytes (undefined when the limit is unknown). */
  fits?: boolean;
}

const F32 = 4;
const ALL_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
/** The loss's chunk budget (as @smoa/train's CHUNK_ELEMENTS) and how many such chunks are alive at once. */
const LOSS_CHUNK_ELEMENTS = 2 ** 23;
const LOSS_LIVE_CHUNKS = 4;
const WASM_HEAP_BYTES = 4 * 2 ** 30;
const BACKWARD_FACTOR = 1.65;

function checkPositiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`estimateMemory: ${name} must be an integer >= 1, got ${JSON.stringify(v)}`);
  return v;
}

/** [name, in, out] of the seven projections of one layer. */
function projections(c: LlamaConfig): [string, number, number][] {
  const q = c.numAttentionHeads * c.headDim;
  const kv = c.numKeyValueHeads * c.headDim;
  return [
    ['q_proj', c.hiddenSize, q],
    ['k_proj', c.hiddenSize, kv],
    ['v_proj', c.hiddenSize, kv],
    ['o_proj', q, c.hiddenSize],
    ['gate_proj', c.hiddenSize, c.intermediateSize],
    ['up_proj', c.hiddenSize, c.intermediateSize],
    ['down_proj', c.intermediateSize, c.hiddenSize],
  ];
}

/** Trainable parameters of one adapted projection [in -> out]. */
function adapterParameters(method: string, r: number, blocks: number, inF: number, outF: number): number {
  switch (method) {
    case 'lora':
    case 'hira':
      return r * (inF + outF);
    case 'dora':
      return r * (inF + outF) + outF;
    case 'smoa':
    case 'melora':
      return (r * (inF + outF)) / blocks;
    default:
      throw new Error(`estimateMemory: method must be one of lora, smoa, hira, melora, dora, full, none; got ${JSON.stringify(method)}`);
  }
}

/**
 * Floats per token that one adapted projection adds to the tape beyond a frozen one, and weight-sized
 * floats per step it saves (SMoA keeps its merged W^T [in, out] for the backward pass, HiRA its dense
 * update, DoRA several for its weight norm).
 */
function adapterTape(method: string, r: number, inF: number, outF: number): { perToken: number; perStep: number } {
  switch (method) {
    case 'lora':
    case 'melora':
      return { perToken: 2 * inF + 2 * outF + r, perStep: 0 };
    case 'smoa':
      return { perToken: 2 * inF + 2 * outF, perStep: inF * outF };
    case 'dora':
      // The weight norm of W + BA each step: several dense [out, in] temporaries saved (measured).
      return { perToken: 2 * inF + 2 * outF + r, perStep: 5 * inF * outF };
    default:
      return { perToken: 2 * inF + 2 * outF + r, perStep: inF * outF };
  }
}

/**
 * Estimated tfjs memory of one training step of a Llama with this config, by the accounting described
 * above. For planning (will it fit?) and for `smoa info`; the memory bench measures the real figure.
 */
export function estimateMemory(config: LlamaConfig, options: MemoryEstimateOptions): MemoryEstimate {
  const B = checkPositiveInt('batchSize', options.batchSize);
  const T = checkPositiveInt('seqLength', options.seqLength);
  const r = checkPositiveInt('r', options.r ?? 8);
  const blocks = checkPositiveInt('numBlocks', options.numBlocks ?? 2);
  const method = options.method;
  const targets = new Set(options.targetModules ?? ALL_TARGETS);
  const c = config;
  const { hiddenSize: D, intermediateSize: I, headDim: hd, numAttentionHeads: H, numKeyValueHeads: KV, vocabSize: V } = c;
  const L = c.numHiddenLayers;
  const tokens = B * T;
  const projs = projections(c);

  const layerWeights = projs.reduce((n, [, i, o]) => n + i * o, 0) + 2 * D;
  const weights = V * D * (c.tieWordEmbeddings ? 1 : 2) + L * layerWeights + D;
  const adapted = method === 'full' || method === 'none' ? [] : projs.filter(([name]) => targets.has(name));
  const trainable = method === 'full' ? weights : method === 'none' ? 0 : L * adapted.reduce((n, [, i, o]) => n + adapterParameters(method, r, blocks, i, o), 0);
  // Rotary tables are built for the first 8,192 positions (or all, when fewer), then grow by doubling.
  const rotary = 2 * Math.min(c.maxPositionEmbeddings, Math.max(8192, T)) * hd;
  // Weights, rotary tables, parameters (already in `weights` for full fine-tuning) and AdamW's two moments.
  const resident = weights + rotary + (method === 'full' ? 0 : trainable) + 2 * trainable;

  // The tape of one decoder layer, per token and per step (see the header).
  const kvWidth = KV * hd;
  let perToken = 52 * D + 18 * I + 18 * kvWidth + 9 * H * hd + 5 * H * T + 6 * hd;
  let perStep = 0;
  for (const [, i, o] of adapted) {
    const a = adapterTape(method, r, i, o);
    perToken += a.perToken;
    perStep += a.perStep;
  }
  // Full fine-tuning: every projection's product saves its input and W^T (the fast layout on wasm).
  if (method === 'full') perStep += layerWeights;
  // The backward pass adds the gradient of every intermediate, which tfjs also frees only when the
  // whole backward pass ends: measured 1.65x the saved tensors (tf.profile, one layer, wasm and cpu).
  const layerTape = BACKWARD_FACTOR * (tokens * perToken + perStep);
  // Checkpointed: each layer's saved input and its output gradient, plus one layer's tape in its recompute.
  const tape = options.checkpointActivations ? 2 * L * tokens * D + layerTape : L * layerTape;

  const lossRows = Math.max(1, Math.floor(LOSS_CHUNK_ELEMENTS / V));
  const loss = LOSS_LIVE_CHUNKS * Math.min(tokens, lossRows) * V + 3 * tokens * D + (method === 'full' ? V * D : 0);
  const gradients = trainable;
  const working = (tape + Math.max(loss, gradients)) * F32;
  const peak = resident * F32 + working;
  const limit = options.backend === 'wasm' ? WASM_HEAP_BYTES : undefined;
  return {
    weightBytes: weights * F32,
    trainableParameters: trainable,
    residentBytes: resident * F32,
    tapeBytes: tape * F32,
    lossBytes: loss * F32,
    gradientBytes: gradients * F32,
    workingBytes: working,
    peakBytes: peak,
    ...(limit ? { limitBytes: limit, fits: peak <= limit } : {}),
  };
}
