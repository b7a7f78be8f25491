import * as tf from '@tensorflow/tfjs-core';
import { crossEntropySum, lmHeadCrossEntropySum } from './cross-entropy';

/**
 * Next-token targets of a batch: row b * T + t (position t of sequence b) predicts ids[b, t + 1] and
 * is scored when lossMask[b, t + 1] is 1. The last position of each sequence predicts nothing.
 */
interface Targets {
  targets: Int32Array;
  weights: Float32Array;
  scored: number[];
}

function nextTokenTargets(inputIds: tf.Tensor2D, lossMask: tf.Tensor2D): Targets {
  const [B, T] = inputIds.shape;
  if (lossMask.shape[0] !== B || lossMask.shape[1] !== T) {
    throw new Error(`causal LM loss: lossMask has shape [${lossMask.shape.join(', ')}]; expected [${B}, ${T}] like the ids`);
  }
  const ids = inputIds.dataSync();
  const mask = lossMask.dataSync();
  const targets = new Int32Array(B * T);
  const weights = new Float32Array(B * T);
  const scored: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let t = 0; t + 1 < T; t++) {
      const i = b * T + t;
      targets[i] = ids[i + 1];
      if (mask[i + 1]) {
        weights[i] = 1;
        scored.push(i);
      }
    }
  }
  return { targets, weights, scored };
}

/**
 * Summed next-token cross-entropy over the positions whose lossMask is 1.
 * logits [B, T, V] predict token t+1 at position t; lossMask [B, T] marks the tokens to predict (the
 * response), so position t is scored when lossMask[:, t+1] is 1. Returning the sum (not the mean) lets
 * gradient accumulation divide by the token count of the whole accumulated batch. Chunked, without a
 * one-hot (see crossEntropySum).
 */
export function maskedTokenLossSum(logits: tf.Tensor3D, inputIds: tf.Tensor2D, lossMask: tf.Tensor2D): tf.Scalar {
  return maskedLoss(logits, inputIds, nextTokenTargets(inputIds, lossMask));
}

function maskedLoss(logits: tf.Tensor3D, inputIds: tf.Tensor2D, { targets, weights }: Targets): tf.Scalar {
  const [B, T, V] = logits.shape;
  if (inputIds.shape[0] !== B || inputIds.shape[1] !== T) {
    throw new Error(`causal LM loss: ids have shape [${inputIds.shape.join(', ')}]; expected [${B}, ${T}] like the logits`);
  }
  return tf.tidy(() => crossEntropySum(tf.reshape(logits, [B * T, V]), targets, weights));
}

/**
 * maskedTokenLossSum of the logits hidden W^T, with the LM head fused into the loss: hidden [B, T, D]
 * (the model's final hidden states) and W [V, D] (its output projection). Only scored positions are
 * projected, a chunk at a time, so no [B, T, V] logits exist in the forward or the backward pass.
 */
export function fusedTokenLossSum(hidden: tf.Tensor3D, headWeight: tf.Tensor2D, inputIds: tf.Tensor2D, lossMask: tf.Tensor2D): tf.Scalar {
  return fusedLoss(hidden, headWeight, inputIds, nextTokenTargets(inputIds, lossMask));
}

function fusedLoss(hidden: tf.Tensor3D, headWeight: tf.Tensor2D, inputIds: tf.Tensor2D, { targets, scored }: Targets): tf.Scalar {
  const [B, T, D] = hidden.shape;
  if (inputIds.shape[0] !== B || inputIds.shape[1] !== T) {
    throw new Error(`causal LM loss: ids have shape [${inputIds.shape.join(', ')}]; expected [${B}, ${T}] like the hidden states`);
  }
  if (scored.length === 0) return tf.tidy(() => tf.mul(tf.sum(hidden), 0) as tf.Scalar);
  return tf.tidy(() => {
    const rows = tf.gather(tf.reshape(hidden, [B * T, D]), tf.tensor1d(Int32Array.from(scored), 'int32')) as tf.Tensor2D;
    return lmHeadCrossEntropySum(rows, headWeight, Int32Array.from(scored, (i) => targets[i]));
  });
}

/** What the fused loss needs from a model: its final hidden states and its LM head as one matrix. */
export interface FusableCausalLM {
  forward(ids: tf.Tensor2D, options?: { attentionMask?: tf.Tensor2D }): tf.Tensor3D;
  hiddenStates?(ids: tf.Tensor2D, options?: { attentionMask?: tf.Tensor2D }): tf.Tensor3D;
  /** [vocab, hidden] with logits = hidden W^T, or undefined when the head is not that plain product. */
  outputProjection?(): tf.Tensor2D | undefined;
}

/**
 * The summed next-token loss of a batch through a model: fused with the LM head when the model offers
 * hiddenStates and a plain outputProjection (@smoa/llama does), otherwise from its full logits.
 */
export function causalLmLossSum(model: FusableCausalLM, batch: { inputIds: tf.Tensor2D; attentionMask?: tf.Tensor2D; lossMask: tf.Tensor2D }): tf.Scalar {
  const options = { attentionMask: batch.attentionMask };
  const head = model.hiddenStates ? model.outputProjection?.() : undefined;
  // The targets are read before the forward pass uses the ids: until then a GPU backend still holds a
  // new tensor's values on the CPU, so this read needs no device readback (which tfjs-backend-webgpu
  // cannot do synchronously under Node, and which lost the device in Chromium on SwiftShader).
  const targets = nextTokenTargets(batch.inputIds, batch.lossMask);
  return tf.tidy(() =>
    head && model.hiddenStates
      ? fusedLoss(model.hiddenStates(batch.inputIds, options), head, batch.inputIds, targets)
      : maskedLoss(model.forward(batch.inputIds, options), batch.inputIds, targets),
  );
}

/** Count of tokens that maskedTokenLossSum scores (lossMask ones after the first position). */
export function scoredTokenCount(lossMasks: readonly (readonly number[])[]): number {
  let n = 0;
  for (const mask of lossMasks) for (let t = 1; t < mask.length; t++) n += mask[t] ? 1 : 0;
  return n;
}
