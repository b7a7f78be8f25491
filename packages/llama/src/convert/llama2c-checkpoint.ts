import type { LlamaConfig } from '../config';

/**
 * llama2.c checkpoints (github.com/karpathy/llama2.c): the legacy format (a header of 7 int32 then
 * float32 weights, run.c) and the v1 format (256-byte header starting with magic "ak42", export.py
 * version 1). Both become Hugging Face tensor names and the rotate-half rotary layout.
 */

export interface Llama2cCheckpoint {
  format: 'legacy' | 'v1';
  config: LlamaConfig;
  /** Hugging Face names -> [shape, float32 data]. */
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}

const MAGIC = 0x616b3432; // "ak42" read as a little-endian uint32
const V1_HEADER_BYTES = 256;
const LEGACY_HEADER_BYTES = 28;

interface Header {
  dim: number;
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  vocabSize: number;
  seqLen: number;
  shared: boolean;
}

export function parseLlama2cCheckpoint(bytes: Uint8Array, where = 'checkpoint'): Llama2cCheckpoint {
  if (bytes.byteLength < LEGACY_HEADER_BYTES) {
    throw new Error(`${where}: ${bytes.byteLength} bytes is too short for a llama2.c checkpoint header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ints = (offset: number) => Array.from({ length: 7 }, (_, i) => view.getInt32(offset + 4 * i, true));
  let format: Llama2cCheckpoint['format'];
  let header: Header;
  let dataStart: number;
  if (view.getUint32(0, true) === MAGIC) {
    const version = view.getInt32(4, true);
    if (version !== 1) {
      throw new Error(`${where}: llama2.c checkpoint version ${version} is not supported; expected version 1 (float32) or the legacy format`);
    }
    if (bytes.byteLength < V1_HEADER_BYTES) throw new Error(`${where}: truncated: the v1 header needs ${V1_HEADER_BYTES} bytes`);
    const [dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen] = ints(8);
    header = { dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen, shared: view.getUint8(36) !== 0 };
    format = 'v1';
    dataStart = V1_HEADER_BYTES;
  } else {
    const [dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen] = ints(0);
    // Legacy files signal an untied classifier with a negative vocab_size.
    header = { dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize: Math.abs(vocabSize), seqLen, shared: vocabSize > 0 };
    format = 'legacy';
    dataStart = LEGACY_HEADER_BYTES;
  }
  checkHeader(header, where);
  const config = configFor(header);
  const floats = (bytes.byteLength - dataStart) / 4;
  const layout = format === 'v1' ? v1Layout(header) : legacyLayout(header);
  const needed = layout.reduce((n, [, count]) => n + count, 0);
  if (floats !== needed) {
    throw new Error(
      `${where}: ${format} llama2.c checkpoint with dim ${header.dim}, ${header.nLayers} layers, vocab ${header.vocabSize} ` +
        `(${header.shared ? 'shared' : 'separate'} classifier) needs ${dataStart + needed * 4} bytes, the file has ${bytes.byteLength}`,
    );
  }
  // Copy once into an aligned buffer; slices below are views into it.
  const all = new Float32Array(floats);
  new Uint8Array(all.buffer).set(bytes.subarray(dataStart, dataStart + floats * 4));
  const blocks = new Map<string, Float32Array>();
  let offset = 0;
  for (const [name, count] of layout) {
    blocks.set(name, all.subarray(offset, offset + count));
    offset += count;
  }
  return { format, config, tensors: toHuggingFace(header, blocks) };
}

function checkHeader(h: Header, where: string): void {
  for (const [field, v] of Object.entries(h)) {
    if (typeof v === 'number' && (!Number.isInteger(v) || v <= 0 || v > 1 << 24)) {
      throw new Error(`${where}: not a llama2.c checkpoint: header field ${field} = ${v} (expected a positive integer)`);
    }
  }
  if (h.dim % h.nHeads !== 0 || (h.dim / h.nHeads) % 2 !== 0) {
    throw new Error(`${where}: header dim ${h.dim} must split into ${h.nHeads} heads of even width`);
  }
  if (h.nHeads % h.nKvHeads !== 0) throw new Error(`${where}: header n_kv_heads ${h.nKvHeads} must divide n_heads ${h.nHeads}`);
}

function configFor(h: Header): LlamaConfig {
  return {
    vocabSize: h.vocabSize,
    hiddenSize: h.dim,
    intermediateSize: h.hiddenDim,
    numHiddenLayers: h.nLayers,
    numAttentionHeads: h.nHeads,
    numKeyValueHeads: h.nKvHeads,
    headDim: h.dim / h.nHeads,
    maxPositionEmbeddings: h.seqLen,
    // llama2.c's model.py and run.c hard-code these.
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    ropeScaling: null,
    attentionBias: false,
    mlpBias: false,
    tieWordEmbeddings: h.shared,
    bosTokenId: 1,
    eosTokenId: 2,
  };
}

/** [block name, float count] in file order. Per-layer blocks hold all layers back to back. */
type Layout = [string, number][];

function sizes(h: Header) {
  const kvDim = (h.dim / h.nHeads) * h.nKvHeads;
  const L = h.nLayers;
  return {
    emb: h.vocabSize * h.dim,
    norm: L * h.dim,
    wq: L * h.dim * h.dim,
    wk: L * kvDim * h.dim,
    wv: L * kvDim * h.dim,
    wo: L * h.dim * h.dim,
    ffn: L * h.hiddenDim * h.dim,
  };
}

function legacyLayout(h: Header): Layout {
  const s = sizes(h);
  const headDim = h.dim / h.nHeads;
  const layout: Layout = [
    ['tok_embeddings', s.emb],
    ['attention_norm', s.norm],
    ['wq', s.wq],
    ['wk', s.wk],
    ['wv', s.wv],
    ['wo', s.wo],
    ['ffn_norm', s.norm],
    ['w1', s.ffn],
    ['w2', s.ffn],
    ['w3', s.ffn],
    ['norm', h.dim],
    // Precomputed rotary tables that run.c once read; the model recomputes them.
    ['freq_cis_real', (h.seqLen * headDim) / 2],
    ['freq_cis_imag', (h.seqLen * headDim) / 2],
  ];
  if (!h.shared) layout.push(['output', s.emb]);
  return layout;
}

function v1Layout(h: Header): Layout {
  const s = sizes(h);
  const layout: Layout = [
    ['attention_norm', s.norm],
    ['ffn_norm', s.norm],
    ['norm', h.dim],
    ['tok_embeddings', s.emb],
    ['wq', s.wq],
    ['wk', s.wk],
    ['wv', s.wv],
    ['wo', s.wo],
    ['w1', s.ffn],
    ['w2', s.ffn],
    ['w3', s.ffn],
  ];
  if (!h.shared) layout.push(['output', s.emb]);
  return layout;
}

/**
 * llama2.c rotates interleaved pairs (2i, 2i+1) of each head; Hugging Face rotates (i, i + d/2).
 * Reordering each head's output rows as [even rows, odd rows] makes the two agree (the inverse of the
 * permute in transformers' convert_llama_weights_to_hf).
 */
export function interleavedToRotateHalf(w: Float32Array, heads: number, headDim: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      for (let a = 0; a < 2; a++) {
        const from = (h * headDim + 2 * i + a) * cols;
        const to = (h * headDim + a * half + i) * cols;
        out.set(w.subarray(from, from + cols), to);
      }
    }
  }
  return out;
}

function toHuggingFace(h: Header, blocks: Map<string, Float32Array>): Llama2cCheckpoint['tensors'] {
  const out: Llama2cCheckpoint['tensors'] = new Map();
  const headDim = h.dim / h.nHeads;
  const kvDim = headDim * h.nKvHeads;
  const layer = (block: string, i: number, rows: number, cols: number) => blocks.get(block)!.subarray(i * rows * cols, (i + 1) * rows * cols);
  out.set('model.embed_tokens.weight', { shape: [h.vocabSize, h.dim], data: blocks.get('tok_embeddings')! });
  for (let i = 0; i < h.nLayers; i++) {
    const p = `model.layers.${i}`;
    out.set(`${p}.input_layernorm.weight`, { shape: [h.dim], data: layer('attention_norm', i, 1, h.dim) });
    out.set(`${p}.self_attn.q_proj.weight`, { shape: [h.dim, h.dim], data: interleavedToRotateHalf(layer('wq', i, h.dim, h.dim), h.nHeads, headDim, h.dim) });
    out.set(`${p}.self_attn.k_proj.weight`, { shape: [kvDim, h.dim], data: interleavedToRotateHalf(layer('wk', i, kvDim, h.dim), h.nKvHeads, headDim, h.dim) });
    out.set(`${p}.self_attn.v_proj.weight`, { shape: [kvDim, h.dim], data: layer('wv', i, kvDim, h.dim) });
    out.set(`${p}.self_attn.o_proj.weight`, { shape: [h.dim, h.dim], data: layer('wo', i, h.dim, h.dim) });
    out.set(`${p}.post_attention_layernorm.weight`, { shape: [h.dim], data: layer('ffn_norm', i, 1, h.dim) });
    out.set(`${p}.mlp.gate_proj.weight`, { shape: [h.hiddenDim, h.dim], data: layer('w1', i, h.hiddenDim, h.dim) });
    out.set(`${p}.mlp.down_proj.weight`, { shape: [h.dim, h.hiddenDim], data: layer('w2', i, h.dim, h.hiddenDim) });
    out.set(`${p}.mlp.up_proj.weight`, { shape: [h.hiddenDim, h.dim], data: layer('w3', i, h.hiddenDim, h.dim) });
  }
  out.set('model.norm.weight', { shape: [h.dim], data: blocks.get('norm')! });
  if (!h.shared) out.set('lm_head.weight', { shape: [h.vocabSize, h.dim], data: blocks.get('output')! });
  return out;
}
