import type * as tf from '@tensorflow/tfjs-core';

/*
 * The interfaces the packages hand each other, defined by shape: @smoa/llama's model and tokenizer
 * satisfy them, and so can any other model that produces next-token logits or any tokenizer wrapped
 * to this form. One copy here instead of one per package, so their wording cannot drift.
 */

/** Label value for positions that do not count in the loss (PyTorch's ignore_index). */
export const IGNORE_INDEX = -100;

/**
 * The tokenizer every package works with. encode() adds no special tokens unless asked: the collators
 * add BOS and EOS themselves so training and evaluation add them the same way.
 */
export interface TextTokenizer {
  /** addSpecialTokens defaults to false. */
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  decode(ids: number[], options?: { skipSpecialTokens?: boolean }): string;
  readonly vocabSize: number;
  readonly bosTokenId?: number;
  readonly eosTokenId?: number;
  readonly padTokenId?: number;
  readonly chatTemplate?: string;
}

export interface CausalLMGenerateOptions {
  maxNewTokens: number;
  /** 0 (the default) picks the most likely token; above 0 samples. */
  temperature?: number;
  /** Sampling only: keep the k most likely tokens. */
  topK?: number;
  /** Sampling only: keep the most likely tokens up to cumulative probability p, 0 < p <= 1. */
  topP?: number;
  /** A row stops after emitting one of these (the token is returned). Defaults to the model's EOS; [] never stops. */
  eosTokenId?: number | number[];
  /** Seeds the sampler so a call is repeatable. */
  seed?: number;
}

/** A causal language model: next-token logits and generation. */
export interface CausalLM {
  /** ids int32 [B, T]; attentionMask [B, T] with 1 for a token and 0 for padding; returns logits [B, T, V]. */
  forward(ids: tf.Tensor2D, options?: { attentionMask?: tf.Tensor2D }): tf.Tensor3D;
  /** New tokens only, per prompt; prompts may differ in length (the model pads on the left itself). */
  generate(prompts: number[][], options: CausalLMGenerateOptions): Promise<number[][]>;
  readonly config: { vocabSize: number; maxPositionEmbeddings: number };
  /** Final hidden states [B, T, hidden]; with outputProjection, lets a loss fuse the LM head in (no [B, T, vocab] logits). */
  hiddenStates?(ids: tf.Tensor2D, options?: { attentionMask?: tf.Tensor2D }): tf.Tensor3D;
  /** The LM head as one matrix W [vocab, hidden] (logits = hidden W^T), or undefined when it is not that plain product. */
  outputProjection?(): tf.Tensor2D | undefined;
}

/** A causal LM that can be trained: what it returns here is what the optimizer updates. */
export interface TrainableCausalLM extends CausalLM {
  trainableVariables(): tf.Variable[];
  /**
   * Switches dropout on (training) or off (evaluation). The trainer passes a fresh seed from its own
   * random stream for every training forward, so dropout masks repeat across runs and resumes.
   */
  setTrainingMode?(training: boolean, seed?: number): void;
  /** Recompute each layer in the backward pass instead of keeping its activations (activation checkpointing). */
  setActivationCheckpointing?(on: boolean): void;
}
