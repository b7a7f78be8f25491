import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * A seeded random stream whose whole state fits in four int32s, so a checkpoint can store it as JSON
 * and a resumed run draws exactly the numbers an uninterrupted run would have drawn.
 */
export class SeededRng {
  private constructor(private rng: RandomGenerator) {}

  static fromSeed(seed: number): SeededRng {
    if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
    return new SeededRng(xoroshiro128plus(seed | 0));
  }

  static fromState(state: readonly number[]): SeededRng {
    if (!Array.isArray(state) || state.length !== 4 || !state.every((v) => Number.isInteger(v))) {
      throw new Error(`rng state must be 4 integers, got ${JSON.stringify(state)}`);
    }
    return new SeededRng(xoroshiro128plusFromState(state));
  }

  state(): number[] {
    return [...this.rng.getState()];
  }

  /** Uniform integer in [from, to]. */
  int(from: number, to: number): number {
    return uniformInt(this.rng, from, to);
  }

  /** A fresh 31-bit seed for a tfjs op that takes one (dropout, random init). */
  seed(): number {
    return this.int(0, 0x7fffffff);
  }

  /** Fisher-Yates permutation of 0..n-1. */
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(0, i);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
