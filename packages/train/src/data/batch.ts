import * as tf from '@tensorflow/tfjs-core';
import type { MaskedExample } from './example';

export interface BatchTensors {
  inputIds: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
  lossMask: tf.Tensor2D;
}

/**
 * Right-pads examples to the longest one (pad id 0, attention 0, loss 0). Right padding leaves every
 * real token's causal context untouched, so padded and unpadded losses agree.
 */
export function batchTensors(examples: readonly MaskedExample[], padId = 0): BatchTensors {
  const width = Math.max(...examples.map((e) => e.inputIds.length));
  const n = examples.length * width;
  const ids = new Int32Array(n).fill(padId);
  const attention = new Int32Array(n);
  const loss = new Float32Array(n);
  examples.forEach((e, b) => {
    for (let t = 0; t < e.inputIds.length; t++) {
      ids[b * width + t] = e.inputIds[t];
      attention[b * width + t] = 1;
      loss[b * width + t] = e.lossMask[t] ? 1 : 0;
    }
  });
  const shape: [number, number] = [examples.length, width];
  return {
    inputIds: tf.tensor2d(ids, shape, 'int32'),
    attentionMask: tf.tensor2d(attention, shape, 'int32'),
    lossMask: tf.tensor2d(loss, shape, 'float32'),
  };
}

export function disposeBatch(batch: BatchTensors): void {
  tf.dispose([batch.inputIds, batch.attentionMask, batch.lossMask]);
}
