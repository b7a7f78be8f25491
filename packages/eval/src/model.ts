import type * as tf from '@tensorflow/tfjs-core';

export interface CausalLMGenerateOptions {
  maxNewTokens: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  eosTokenId?: number | number[];
  seed?: number;
}

/**
 * The causal language model the evaluators consume, defined by shape: @smoa/llama's model
 * satisfies it, and so can any model that produces next-token logits.
 */
export interface CausalLM {
  /** ids int32 [B, T]; attentionMask [B, T] with 1 for a token and 0 for padding; returns logits [B, T, V]. */
  forward(ids: tf.Tensor2D, options?: { attentionMask?: tf.Tensor2D }): tf.Tensor3D;
  /** New tokens only, per prompt; prompts may differ in length (the model pads on the left itself). */
  generate(prompts: number[][], options: CausalLMGenerateOptions): Promise<number[][]>;
  readonly config: { vocabSize: number; maxPositionEmbeddings: number };
}
