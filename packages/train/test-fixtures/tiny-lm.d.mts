import type * as tf from '@tensorflow/tfjs-core';

export declare const VOCAB: number;

export declare class TinyLM {
  constructor(options?: { dim?: number; hidden?: number; seed?: number; dropout?: number });
  readonly config: { vocabSize: number; maxPositionEmbeddings: number };
  embed: tf.Variable;
  trainableVariables(): tf.Variable[];
  setTrainingMode(training: boolean, seed?: number): void;
  forward(ids: tf.Tensor2D, options?: { attentionMask?: tf.Tensor2D }): tf.Tensor3D;
  generate(prompts: number[][], options: { maxNewTokens: number; eosTokenId?: number | number[] }): Promise<number[][]>;
  dispose(): void;
}

export declare function shakespeareExamples(options: {
  count: number;
  length?: number;
  promptLength?: number;
  start?: number;
}): { inputIds: number[]; lossMask: number[] }[];
