import * as tf from '@tensorflow/tfjs-core';
import { LlamaLinear } from './linear';
import { parseLlamaConfig, toHfConfig, type LlamaConfig } from '../config';
import { LlamaForCausalLM } from './causal-lm';
import type { DecoderLayerWeights } from './llama';

export interface RandomLlamaOptions {
  seed?: number;
  /** Standard deviation of the projections and embeddings (Hugging Face initialises with 0.02). */
  std?: number;
  name?: string;
}

/** A Llama with random weights for a config: benchmarks, tests and shape experiments without a checkpoint. */
export function randomLlama(config: LlamaConfig, options: RandomLlamaOptions = {}): LlamaForCausalLM {
  const std = options.std ?? 0.02;
  let seed = options.seed ?? 0;
  const normal = (shape: number[]) => tf.randomNormal(shape, 0, std, 'float32', seed++);
  const linear = (out: number, inF: number, bias: boolean) => new LlamaLinear(normal([out, inF]) as tf.Tensor2D, bias ? (normal([out]) as tf.Tensor1D) : undefined);
  const { hiddenSize: D, intermediateSize: I, headDim, numAttentionHeads: H, numKeyValueHeads: KV } = config;
  const layers: DecoderLayerWeights[] = Array.from({ length: config.numHiddenLayers }, () => ({
    inputLayernorm: tf.ones([D]) as tf.Tensor1D,
    selfAttn: {
      qProj: linear(H * headDim, D, config.attentionBias),
      kProj: linear(KV * headDim, D, config.attentionBias),
      vProj: linear(KV * headDim, D, config.attentionBias),
      oProj: linear(D, H * headDim, config.attentionBias),
    },
    postAttentionLayernorm: tf.ones([D]) as tf.Tensor1D,
    mlp: { gateProj: linear(I, D, config.mlpBias), upProj: linear(I, D, config.mlpBias), downProj: linear(D, I, config.mlpBias) },
  }));
  const weights = {
    embedTokens: normal([config.vocabSize, D]) as tf.Tensor2D,
    layers,
    norm: tf.ones([D]) as tf.Tensor1D,
    lmHead: config.tieWordEmbeddings ? undefined : linear(config.vocabSize, D, false),
  };
  return new LlamaForCausalLM(config, weights, options.name ?? 'random llama');
}

/** A LlamaConfig from a few sizes, the rest as Llama 2 sets them. */
export function llamaConfig(sizes: Partial<LlamaConfig> & Pick<LlamaConfig, 'vocabSize' | 'hiddenSize' | 'numHiddenLayers' | 'numAttentionHeads'>): LlamaConfig {
  const numKeyValueHeads = sizes.numKeyValueHeads ?? sizes.numAttentionHeads;
  const merged: LlamaConfig = {
    intermediateSize: Math.ceil((sizes.hiddenSize * 8) / 3 / 64) * 64,
    numKeyValueHeads,
    headDim: sizes.hiddenSize / sizes.numAttentionHeads,
    maxPositionEmbeddings: 2048,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    ropeScaling: null,
    attentionBias: false,
    mlpBias: false,
    tieWordEmbeddings: false,
    ...sizes,
  };
  // Through the config.json validation, so impossible sizes fail with the same messages.
  return parseLlamaConfig(toHfConfig(merged), 'llamaConfig');
}
