import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/**
 * Fisher-Yates with pure-rand's xoroshiro128+: the same seed gives the same order on every
 * machine and engine, which Math.random cannot promise.
 */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rng = xoroshiro128plus(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = uniformInt(rng, 0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export interface ValidationSplit<T> {
  train: T[];
  validation: T[];
}

/**
 * Carves a validation split out of training examples (never out of a test split: the caller passes
 * training data, and loadTask refuses other splits). `size` is a count (>= 1) or a fraction (< 1).
 */
export function splitValidation<T>(train: readonly T[], options: { size: number; seed: number }): ValidationSplit<T> {
  const { size, seed } = options;
  if (!(size > 0)) throw new RangeError(`validation size must be > 0, got ${size}`);
  const count = size < 1 ? Math.max(1, Math.round(train.length * size)) : size;
  if (!Number.isInteger(count) || count >= train.length) {
    throw new RangeError(`validation size ${size} must be a fraction below 1 or a whole count below the ${train.length} training examples`);
  }
  const order = shuffled(
    train.map((_, i) => i),
    seed,
  );
  const held = new Set(order.slice(0, count));
  // Both parts keep the file order, so the split is a pure function of (data, size, seed).
  return {
    train: train.filter((_, i) => !held.has(i)),
    validation: train.filter((_, i) => held.has(i)),
  };
}

export function batchesOf<T>(items: readonly T[], batchSize: number, options: { dropLast?: boolean } = {}): T[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += batchSize) {
    const b = items.slice(i, i + batchSize);
    if (b.length < batchSize && options.dropLast) break;
    out.push(b);
  }
  return out;
}
