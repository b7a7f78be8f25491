import * as tf from '@tensorflow/tfjs-core';

/**
 * Summed next-token cross-entropy over the positions whose lossMask is 1.
 * logits [B, T, V] predict token t+1 at position t; lossMask [B, T] marks the tokens to predict (the
 * response), so position t is scored when lossMask[:, t+1] is 1. Returning the sum (not the mean) lets
 * gradient accumulation divide by the token count of the whole accumulated batch.
 */
export function maskedTokenLossSum(logits: tf.Tensor3D, inputIds: tf.Tensor2D, lossMask: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const [b, t, v] = logits.shape;
    if (t < 2) return tf.scalar(0);
    const pred = tf.slice(logits, [0, 0, 0], [b, t - 1, v]);
    const targets = tf.slice(inputIds, [0, 1], [b, t - 1]);
    const mask = tf.cast(tf.slice(lossMask, [0, 1], [b, t - 1]), 'float32');
    const logProbs = tf.logSoftmax(tf.reshape(pred, [-1, v]));
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.reshape(targets, [-1]), v)), -1);
    return tf.neg(tf.sum(tf.mul(picked, tf.reshape(mask, [-1])))) as tf.Scalar;
  });
}

/** Count of tokens that maskedTokenLossSum scores (lossMask ones after the first position). */
export function scoredTokenCount(lossMasks: readonly (readonly number[])[]): number {
  let n = 0;
  for (const mask of lossMasks) for (let t = 1; t < mask.length; t++) n += mask[t] ? 1 : 0;
  return n;
}
