import * as tf from '@tensorflow/tfjs-core';
import { LlamaLinear } from '../model/linear';
import type { LlamaConfig } from '../config';
import type { DecoderLayerWeights, LlamaWeights } from '../model/llama';
import type { TensorSource } from './tensor-source';

const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64']);

/** Every tensor LlamaForCausalLM with this config has, by Hugging Face name, with its shape. */
export function expectedTensors(c: LlamaConfig): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const D = c.hiddenSize;
  const q = c.numAttentionHeads * c.headDim;
  const kv = c.numKeyValueHeads * c.headDim;
  const I = c.intermediateSize;
  out.set('model.embed_tokens.weight', [c.vocabSize, D]);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    out.set(`${p}.input_layernorm.weight`, [D]);
    out.set(`${p}.post_attention_layernorm.weight`, [D]);
    const linear = (name: string, outF: number, inF: number, bias: boolean) => {
      out.set(`${p}.${name}.weight`, [outF, inF]);
      if (bias) out.set(`${p}.${name}.bias`, [outF]);
    };
    linear('self_attn.q_proj', q, D, c.attentionBias);
    linear('self_attn.k_proj', kv, D, c.attentionBias);
    linear('self_attn.v_proj', kv, D, c.attentionBias);
    linear('self_attn.o_proj', D, q, c.attentionOutputBias ?? c.attentionBias);
    linear('mlp.gate_proj', I, D, c.mlpBias);
    linear('mlp.up_proj', I, D, c.mlpBias);
    linear('mlp.down_proj', D, I, c.mlpBias);
  }
  out.set('model.norm.weight', [D]);
  if (!c.tieWordEmbeddings) out.set('lm_head.weight', [c.vocabSize, D]);
  return out;
}

/** Buffers some exporters save that the model recomputes; a tied lm_head duplicate is ignored too. */
function ignorable(name: string, c: LlamaConfig): boolean {
  return /^model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq$/.test(name) || (c.tieWordEmbeddings && name === 'lm_head.weight');
}

const shapeText = (s: number[]) => `[${s.join(', ')}]`;

/**
 * Checks names, shapes and dtypes of every tensor against the config before reading any data, then
 * reads the tensors one at a time into float32 tf tensors.
 */
/** Index of the first NaN or +-Inf, or -1. */
export function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

export async function loadWeights(config: LlamaConfig, source: TensorSource, options: { allowNonFinite?: boolean } = {}): Promise<LlamaWeights> {
  const where = source.name;
  const expected = expectedTensors(config);
  const missing = [...expected.keys()].filter((n) => !source.entries.has(n));
  if (missing.length > 0) {
    const list = missing.slice(0, 5).map((n) => `"${n}" ${shapeText(expected.get(n)!)}`).join(', ');
    throw new Error(`${where}: missing tensor${missing.length > 1 ? 's' : ''} ${list}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  }
  for (const [name, e] of source.entries) {
    const shape = expected.get(name);
    if (!shape) {
      if (ignorable(name, config)) continue;
      throw new Error(`${e.file}: unexpected tensor "${name}": LlamaForCausalLM with this config.json has no such weight`);
    }
    if (e.shape.length !== shape.length || e.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${e.file}: tensor "${name}" has shape ${shapeText(e.shape)}; config.json implies ${shapeText(shape)}`);
    }
    if (!FLOAT_DTYPES.has(e.dtype)) {
      throw new Error(`${e.file}: tensor "${name}" has dtype ${e.dtype}; expected F32, F16 or BF16`);
    }
  }

  const created: tf.Tensor[] = [];
  const read = async <T extends tf.Tensor>(name: string): Promise<T> => {
    const { shape, data } = await source.readFloat32(name);
    if (!options.allowNonFinite) {
      const at = firstNonFinite(data);
      if (at >= 0) {
        throw new Error(
          `${source.entries.get(name)?.file ?? where}: tensor "${name}" holds ${data[at]} at flat index ${at}; ` +
            'a model with NaN or Inf weights gives garbage (greedy decoding returns token 0). Pass allowNonFinite to load it anyway',
        );
      }
    }
    const t = tf.tensor(data, shape, 'float32') as T;
    created.push(t);
    return t;
  };
  const linear = async (prefix: string, bias: boolean) =>
    new LlamaLinear(await read<tf.Tensor2D>(`${prefix}.weight`), bias ? await read<tf.Tensor1D>(`${prefix}.bias`) : undefined);
  try {
    const embedTokens = await read<tf.Tensor2D>('model.embed_tokens.weight');
    const layers: DecoderLayerWeights[] = [];
    for (let i = 0; i < config.numHiddenLayers; i++) {
      const p = `model.layers.${i}`;
      layers.push({
        inputLayernorm: await read(`${p}.input_layernorm.weight`),
        selfAttn: {
          qProj: await linear(`${p}.self_attn.q_proj`, config.attentionBias),
          kProj: await linear(`${p}.self_attn.k_proj`, config.attentionBias),
          vProj: await linear(`${p}.self_attn.v_proj`, config.attentionBias),
          oProj: await linear(`${p}.self_attn.o_proj`, config.attentionOutputBias ?? config.attentionBias),
        },
        postAttentionLayernorm: await read(`${p}.post_attention_layernorm.weight`),
        mlp: {
          gateProj: await linear(`${p}.mlp.gate_proj`, config.mlpBias),
          upProj: await linear(`${p}.mlp.up_proj`, config.mlpBias),
          downProj: await linear(`${p}.mlp.down_proj`, config.mlpBias),
        },
      });
    }
    const norm = await read<tf.Tensor1D>('model.norm.weight');
    const lmHead = config.tieWordEmbeddings ? undefined : await linear('lm_head', false);
    return { embedTokens, layers, norm, lmHead };
  } catch (err) {
    tf.dispose(created);
    throw err;
  }
}
