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
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`evaluateLoss: batchSize must be an integer >= 1, got ${batchSize}`);
  const examples = validateExamples(data, 'examples', model.config.vocabSize);
  let sum = 0;
  let tokens = 0;
  for (let i = 0; i < examples.length; i += batchSize) {
    const chunk = examples.slice(i, i + batchSize);
    const batch = batchTensors(chunk);
    const s = causalLmLossSum(model, batch);
    sum += s.dataSync()[0];
    s.dispose();
    disposeBatch(batch);
    tokens += scoredTokenCount(chunk.map((e) => e.lossMask));
  }
  const loss = tokens > 0 ? sum / tokens : NaN;
  return { loss, perplexity: Math.exp(loss), tokens };
}
