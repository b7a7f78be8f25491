import type * as tf from '@tensorflow/tfjs-core';

/** The causal LM contract shared by @smoa/llama, @smoa/eval and this package (structural). */
export interface CausalLM {
  forward(ids: tf.Tensor2D, options?: { attentionMask?: tf.Tensor2D }): tf.Tensor3D;
  generate(
    prompts: number[][],
    options: {
      maxNewTokens: number;
      temperature?: number;
      topK?: number;
      topP?: number;
      eosTokenId?: number | number[];
      seed?: number;
    },
  ): Promise<number[][]>;
  readonly config: { vocabSize: number; maxPositionEmbeddings: number };
}

/** A causal LM that can be trained: what it returns here is what the optimizer updates. */
export interface TrainableCausalLM extends CausalLM {
  trainableVariables(): tf.Variable[];
  /**
   * Switches dropout on (training) or off (evaluation). The trainer passes a fresh seed from its own
   * random stream for every training forward, so dropout masks repeat across runs and resumes.
   */
  setTrainingMode?(training: boolean, seed?: number): void;
}
