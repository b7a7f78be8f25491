import { describe, expect, it } from 'vitest';
import { batchesOf, shuffled, splitValidation } from './sampling';

const items = Array.from({ length: 100 }, (_, i) => i);

describe('shuffled', () => {
  it('is a permutation fixed by the seed', () => {
    const a = shuffled(items, 42);
    expect(a).toEqual(shuffled(items, 42));
    expect([...a].sort((x, y) => x - y)).toEqual(items);
    expect(a).not.toEqual(items);
    expect(a).not.toEqual(shuffled(items, 43));
    // Pinned so that a change of generator or algorithm (which would change every run's data order) shows.
    expect(shuffled([0, 1, 2, 3, 4, 5, 6, 7], 1)).toMatchInlineSnapshot(`
      [
        1,
        7,
        5,
        4,
        2,
        3,
        0,
        6,
      ]
    `);
  });
});

describe('splitValidation', () => {
  it('carves a disjoint, seeded validation split and keeps file order', () => {
    const { train, validation } = splitValidation(items, { size: 0.1, seed: 7 });
    expect(validation).toHaveLength(10);
    expect(train).toHaveLength(90);
    expect(new Set([...train, ...validation]).size).toBe(100);
    expect(validation).toEqual([...validation].sort((x, y) => x - y));
    expect(splitValidation(items, { size: 0.1, seed: 7 }).validation).toEqual(validation);
    expect(splitValidation(items, { size: 0.1, seed: 8 }).validation).not.toEqual(validation);
    expect(splitValidation(items, { size: 25, seed: 7 }).validation).toHaveLength(25);
  });

  it('rejects sizes that leave no training data', () => {
    expect(() => splitValidation(items, { size: 100, seed: 1 })).toThrow(/below the 100 training examples/);
    expect(() => splitValidation(items, { size: 0, seed: 1 })).toThrow('validation size must be > 0, got 0');
    expect(() => splitValidation(items, { size: 2.5, seed: 1 })).toThrow(/whole count/);
  });
});

describe('batchesOf', () => {
  it('batches in order, keeping or dropping the last partial batch', () => {
    expect(batchesOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(batchesOf([1, 2, 3, 4, 5], 2, { dropLast: true })).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(() => batchesOf([1], 0)).toThrow('batchSize must be a positive integer, got 0');
  });
});
