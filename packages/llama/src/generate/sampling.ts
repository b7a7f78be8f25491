/** Seeded uniform [0, 1) generator: @smoa/core's mulberry32, under the name this package exported first. */
export { mulberry32 as createRng } from '@smoa/core';

export interface SamplingOptions {
  /** > 0. */
  temperature: number;
  /** Keep only the k most likely tokens. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p. */
  topP?: number;
}

/**
 * Draws one token from logits in the order Hugging Face's warpers apply: temperature, then top-k,
 * then top-p on the renormalised top-k distribution.
 */
export function sampleToken(logits: ArrayLike<number>, options: SamplingOptions, random: () => number): number {
  const V = logits.length;
  const order = Array.from({ length: V }, (_, i) => i);
  // Stable order on ties (lower id first) keeps a seeded draw reproducible.
  order.sort((a, b) => logits[b] - logits[a] || a - b);
  let kept = Math.min(options.topK ?? V, V);
  const max = logits[order[0]] / options.temperature;
  const probs = new Float64Array(kept);
  let sum = 0;
  for (let i = 0; i < kept; i++) {
    probs[i] = Math.exp(logits[order[i]] / options.temperature - max);
    sum += probs[i];
  }
  if (options.topP !== undefined && options.topP < 1) {
    let cumulative = 0;
    let n = 0;
    while (n < kept && cumulative < options.topP * sum) cumulative += probs[n++];
    kept = Math.max(n, 1);
    sum = 0;
    for (let i = 0; i < kept; i++) sum += probs[i];
  }
  let r = random() * sum;
  for (let i = 0; i < kept; i++) {
    r -= probs[i];
    if (r < 0) return order[i];
  }
  return order[kept - 1];
}
