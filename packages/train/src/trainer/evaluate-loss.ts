import * as tf from '@tensorflow/tfjs-core';
import { batchTensors, disposeBatch } from '../data/batch';
import { validateExamples, type TrainExample } from '../data/example';
import { causalLmLossSum, scoredTokenCount } from '../loss/causal-lm-loss';
import type { CausalLM } from './model';

export interface LossReport {
  /** Mean cross-entropy per scored token (nats). */
  loss: number;
  perplexity: number;
  tokens: number;
}

/** Token-weighted mean loss over examples, in batches, without gradients. */
export function evaluateLoss(model: CausalLM, data: readonly TrainExample[], batchSize: number): LossReport {
  let sum = 0;
  const tokens = lossBatches(model, data, batchSize, (s) => {
    sum += s.dataSync()[0];
  });
  return report(sum, tokens);
}

/** evaluateLoss with every read asynchronous (GPU backends; what the trainer uses). */
export async function evaluateLossAsync(model: CausalLM, data: readonly TrainExample[], batchSize: number): Promise<LossReport> {
  const sums: Promise<number>[] = [];
  const tokens = lossBatches(model, data, batchSize, (s) => {
    const t = tf.keep(s.clone());
    sums.push(t.data().then((d) => (t.dispose(), d[0])));
  });
  const values = await Promise.all(sums);
  return report(values.reduce((a, b) => a + b, 0), tokens);
}

/** Runs the summed loss of each batch through `take` (the loss is disposed after); returns the scored tokens. */
function lossBatches(model: CausalLM, data: readonly TrainExample[], batchSize: number, take: (loss: tf.Scalar) => void): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`evaluateLoss: batchSize must be an integer >= 1, got ${batchSize}`);
  const examples = validateExamples(data, 'examples', model.config.vocabSize);
  let tokens = 0;
  for (let i = 0; i < examples.length; i += batchSize) {
    const chunk = examples.slice(i, i + batchSize);
    const batch = batchTensors(chunk);
    const s = causalLmLossSum(model, batch);
    take(s);
    s.dispose();
    disposeBatch(batch);
    tokens += scoredTokenCount(chunk.map((e) => e.lossMask));
  }
  return tokens;
}

function report(sum: number, tokens: number): LossReport {
  const loss = tokens > 0 ? sum / tokens : NaN;
  return { loss, perplexity: Math.exp(loss), tokens };
}
