/**
 * Seeded uniform [0, 1) generator (mulberry32): small, fast and identical on every platform, so a seed
 * gives the same adapter initialisation, dropout masks, shuffles and samples everywhere.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A 32-bit seed drawn from a generator, for handing one stream's randomness to a consumer that takes a
 * seed (tfjs's seeded ops, a child generator).
 */
export function nextSeed(random: () => number): number {
  return Math.floor(random() * 4294967296) >>> 0;
}
