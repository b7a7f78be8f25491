/**
 * The model configuration as plain data, read from a Hugging Face config.json. Field names are
 * camelCase here; `parseLlamaConfig` maps the snake_case file and rejects what it cannot run.
 */
export interface LlamaConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  /** Per-head width; Hugging Face allows it to differ from hiddenSize / numAttentionHeads. */
  headDim: number;
  maxPositionEmbeddings: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling: RopeScaling | null;
  /** Biases on q/k/v (and on o unless attentionOutputBias says otherwise). */
  attentionBias: boolean;
  /** Bias on o_proj; absent means attentionBias (Llama). Qwen2 has q/k/v biases but none on o_proj. */
  attentionOutputBias?: boolean;
  mlpBias: boolean;
  /** config.json's model_type; absent means "llama". */
  modelType?: SupportedModelType;
  /** Mistral's sliding_window: a sequence longer than this is refused (the window itself is not implemented). */
  slidingWindow?: number;
  tieWordEmbeddings: boolean;
  bosTokenId?: number;
  eosTokenId?: number | number[];
  padTokenId?: number;
}

export type RopeScaling =
  | { type: 'linear'; factor: number }
  | {
      type: 'llama3';
      factor: number;
      lowFreqFactor: number;
      highFreqFactor: number;
      originalMaxPositionEmbeddings: number;
    };

type Json = Record<string, unknown>;

/** The Llama-family architectures this package runs: same blocks, different config fields. */
export const SUPPORTED_ARCHITECTURES = {
  llama: 'LlamaForCausalLM',
  mistral: 'MistralForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
} as const;
export type SupportedModelType = keyof typeof SUPPORTED_ARCHITECTURES;
const SUPPORTED_TEXT = Object.entries(SUPPORTED_ARCHITECTURES)
  .map(([t, a]) => `${a} (model_type "${t}")`)
  .join(', ');

class ConfigReader {
  constructor(
    private readonly raw: Json,
    private readonly where: string,
  ) {}

  fail(field: string, expected: string, got: unknown): never {
    const shown = got === undefined ? 'nothing (the field is missing)' : JSON.stringify(got);
    throw new Error(`${this.where}: field "${field}" must be ${expected}, got ${shown}`);
  }

  positiveInt(field: string, fallback?: number): number {
    const v = this.raw[field] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) this.fail(field, 'a positive integer', this.raw[field]);
    return v;
  }

  positiveNumber(field: string, fallback?: number, raw: Json = this.raw, prefix = ''): number {
    const v = raw[field] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) this.fail(prefix + field, 'a positive number', raw[field]);
    return v;
  }

  bool(field: string, fallback: boolean): boolean {
    const v = this.raw[field] ?? fallback;
    if (typeof v !== 'boolean') this.fail(field, 'true or false', this.raw[field]);
    return v;
  }

  optionalTokenId(field: string): number | undefined {
    const v = this.raw[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.fail(field, 'a non-negative integer or null', v);
    return v;
  }

  optionalTokenIds(field: string): number | number[] | undefined {
    const v = this.raw[field];
    if (Array.isArray(v)) {
      if (!v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0)) {
        this.fail(field, 'a non-negative integer, a list of them, or null', v);
      }
      return v as number[];
    }
    return this.optionalTokenId(field);
  }

  ropeScaling(): RopeScaling | null {
    const v = this.raw.rope_scaling;
    if (v === undefined || v === null) return null;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail('rope_scaling', 'an object or null', v);
    const r = v as Json;
    const type = r.rope_type ?? r.type;
    const p = 'rope_scaling.';
    if (type === 'default') return null;
    if (type === 'linear') return { type, factor: this.positiveNumber('factor', undefined, r, p) };
    if (type === 'llama3') {
      const s: RopeScaling = {
        type,
        factor: this.positiveNumber('factor', undefined, r, p),
        lowFreqFactor: this.positiveNumber('low_freq_factor', undefined, r, p),
        highFreqFactor: this.positiveNumber('high_freq_factor', undefined, r, p),
        originalMaxPositionEmbeddings: this.positiveNumber('original_max_position_embeddings', undefined, r, p),
      };
      if (s.highFreqFactor <= s.lowFreqFactor) {
        this.fail('rope_scaling.high_freq_factor', `greater than low_freq_factor (${s.lowFreqFactor})`, r.high_freq_factor);
      }
      return s;
    }
    return this.fail('rope_scaling.rope_type', '"linear", "llama3" or "default" (other scalings are not supported)', type);
  }
}

/** Validates a parsed config.json; `where` names the file in every error. */
export function parseLlamaConfig(json: unknown, where = 'config.json'): LlamaConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new Error(`${where}: expected a JSON object`);
  }
  const raw = json as Json;
  const c = new ConfigReader(raw, where);
  const modelType = raw.model_type as SupportedModelType;
  if (typeof modelType !== 'string' || !Object.hasOwn(SUPPORTED_ARCHITECTURES, modelType)) {
    c.fail('model_type', `one of the supported architectures: ${SUPPORTED_TEXT}`, raw.model_type);
  }
  const archs = raw.architectures;
  if (archs !== undefined && archs !== null) {
    const known = Object.values(SUPPORTED_ARCHITECTURES) as string[];
    if (!Array.isArray(archs) || !archs.some((a) => known.includes(a))) {
      c.fail('architectures', `a list naming one of the supported architectures: ${SUPPORTED_TEXT}`, archs);
    }
  }
  let slidingWindow: number | undefined;
  if (modelType === 'mistral' && raw.sliding_window !== undefined && raw.sliding_window !== null) slidingWindow = c.positiveInt('sliding_window');
  if (modelType === 'qwen2' && raw.use_sliding_window === true) {
    c.fail('use_sliding_window', 'false (sliding-window attention of Qwen2 is not supported)', raw.use_sliding_window);
  }
  const act = raw.hidden_act ?? 'silu';
  if (act !== 'silu') c.fail('hidden_act', '"silu" (the SwiGLU MLP of Llama)', act);

  const hiddenSize = c.positiveInt('hidden_size');
  const numAttentionHeads = c.positiveInt('num_attention_heads');
  const numKeyValueHeads = c.positiveInt('num_key_value_heads', numAttentionHeads);
  if (numAttentionHeads % numKeyValueHeads !== 0) {
    c.fail('num_key_value_heads', `a divisor of num_attention_heads (${numAttentionHeads})`, numKeyValueHeads);
  }
  if (raw.head_dim === undefined || raw.head_dim === null) {
    if (hiddenSize % numAttentionHeads !== 0) {
      c.fail('head_dim', `given, since hidden_size ${hiddenSize} is not divisible by num_attention_heads ${numAttentionHeads}`, raw.head_dim);
    }
  }
  const headDim = c.positiveInt('head_dim', hiddenSize / numAttentionHeads);
  if (headDim % 2 !== 0) c.fail('head_dim', 'even (rotary embeddings rotate pairs)', headDim);

  return {
    vocabSize: c.positiveInt('vocab_size'),
    hiddenSize,
    intermediateSize: c.positiveInt('intermediate_size'),
    numHiddenLayers: c.positiveInt('num_hidden_layers'),
    numAttentionHeads,
    numKeyValueHeads,
    headDim,
    maxPositionEmbeddings: c.positiveInt('max_position_embeddings'),
    rmsNormEps: c.positiveNumber('rms_norm_eps', 1e-6),
    ropeTheta: c.positiveNumber('rope_theta', 10000),
    ropeScaling: c.ropeScaling(),
    // Qwen2's attention always has q/k/v biases and none on o_proj; its config has no attention_bias.
    attentionBias: modelType === 'qwen2' ? true : c.bool('attention_bias', false),
    ...(modelType === 'qwen2' ? { attentionOutputBias: false } : {}),
    mlpBias: modelType === 'llama' ? c.bool('mlp_bias', false) : false,
    ...(modelType === 'llama' ? {} : { modelType }),
    ...(slidingWindow !== undefined ? { slidingWindow } : {}),
    tieWordEmbeddings: c.bool('tie_word_embeddings', false),
    bosTokenId: c.optionalTokenId('bos_token_id'),
    eosTokenId: c.optionalTokenIds('eos_token_id'),
    padTokenId: c.optionalTokenId('pad_token_id'),
  };
}

/** The inverse of parseLlamaConfig: a Hugging Face config.json object. */
export function toHfConfig(c: LlamaConfig): Record<string, unknown> {
  const modelType = c.modelType ?? 'llama';
  const out: Record<string, unknown> = {
    architectures: [SUPPORTED_ARCHITECTURES[modelType]],
    model_type: modelType,
    hidden_act: 'silu',
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numHiddenLayers,
    num_attention_heads: c.numAttentionHeads,
    num_key_value_heads: c.numKeyValueHeads,
    head_dim: c.headDim,
    max_position_embeddings: c.maxPositionEmbeddings,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    rope_scaling: null,
    attention_bias: c.attentionBias,
    mlp_bias: c.mlpBias,
    tie_word_embeddings: c.tieWordEmbeddings,
    torch_dtype: 'float32',
  };
  const s = c.ropeScaling;
  if (s?.type === 'linear') out.rope_scaling = { rope_type: 'linear', factor: s.factor };
  if (s?.type === 'llama3') {
    out.rope_scaling = {
      rope_type: 'llama3',
      factor: s.factor,
      low_freq_factor: s.lowFreqFactor,
      high_freq_factor: s.highFreqFactor,
      original_max_position_embeddings: s.originalMaxPositionEmbeddings,
    };
  }
  if (modelType !== 'llama') {
    delete out.attention_bias;
    delete out.mlp_bias;
  }
  if (c.slidingWindow !== undefined) out.sliding_window = c.slidingWindow;
  if (c.bosTokenId !== undefined) out.bos_token_id = c.bosTokenId;
  if (c.eosTokenId !== undefined) out.eos_token_id = c.eosTokenId;
  if (c.padTokenId !== undefined) out.pad_token_id = c.padTokenId;
  return out;
}
