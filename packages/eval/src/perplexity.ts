import { checkOptions } from './options';
import { IGNORE_INDEX, type TokenBlock } from '@smoa/datasets';
import type { CausalLM } from './model';
import { progressTracker, type ProgressCallback } from './progress';
import type { EvaluationResult } from './result';
import { scoreSequences } from './scoring';

/**
 * Perplexity over language-model blocks (tokenBlocks from @smoa/datasets): the mean negative
 * log-likelihood of every labelled token given the tokens before it, exponentiated. Blocks label
 * every token but BOS, so each block is scored from position 1.
 */
export async function evaluatePerplexity(
  model: CausalLM,
  blocks: readonly TokenBlock[],
  options: { batchSize?: number; padTokenId?: number; onProgress?: ProgressCallback; task?: string; split?: string } = {},
): Promise<EvaluationResult> {
  if (blocks.length === 0) throw new RangeError('evaluatePerplexity: no blocks');
  checkOptions('evaluatePerplexity', options, { batchSize: 'a positive integer', padTokenId: 'a non-negative integer' });
  const started = performance.now();
  const sequences = blocks.map((b, i) => {
    const from = b.labels.findIndex((l) => l !== IGNORE_INDEX);
    if (from < 1 || b.labels.slice(from).some((l, k) => l !== b.inputIds[from + k])) {
      throw new RangeError(`block ${i}: expected labels equal to the ids from position 1 on (as tokenBlocks makes them)`);
    }
    return { inputIds: b.inputIds, from };
  });
  const progress = progressTracker(blocks.length, options.onProgress);
  const batchSize = options.batchSize ?? 8;
  const scores = await scoreSequences(model, sequences, { batchSize, padTokenId: options.padTokenId, onBatch: (n) => progress.advance(n) });
  const tokens = scores.reduce((s, x) => s + x.tokens, 0);
  const nll = -scores.reduce((s, x) => s + x.logprob, 0) / tokens;
  return {
    predictions: scores.map((s, i) => ({ index: i, tokens: s.tokens, logprob: s.logprob })),
    summary: {
      task: options.task ?? 'corpus',
      split: options.split,
      mode: 'perplexity',
      numExamples: blocks.length,
      metrics: { loss: nll, perplexity: Math.exp(nll), tokens },
      settings: { batchSize, blockSize: Math.max(...blocks.map((b) => b.inputIds.length)) },
      elapsedSeconds: (performance.now() - started) / 1000,
    },
  };
}
