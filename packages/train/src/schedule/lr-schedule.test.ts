import { describe, expect, it } from 'vitest';
import { learningRateAt } from './lr-schedule';

describe('learningRateAt', () => {
  const base = { learningRate: 1, warmupSteps: 4, totalSteps: 14 };

  it('warms up linearly from 0 as transformers does', () => {
    expect([0, 1, 2, 3, 4].map((s) => learningRateAt(s, { ...base, decay: 'linear' }))).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('decays linearly to 0 at totalSteps', () => {
    expect(learningRateAt(9, { ...base, decay: 'linear' })).toBeCloseTo(0.5, 12);
    expect(learningRateAt(14, { ...base, decay: 'linear' })).toBe(0);
    expect(learningRateAt(20, { ...base, decay: 'linear' })).toBe(0);
  });

  it('follows a half cosine after warmup', () => {
    expect(learningRateAt(4, { ...base, decay: 'cosine' })).toBeCloseTo(1, 12);
    expect(learningRateAt(9, { ...base, decay: 'cosine' })).toBeCloseTo(0.5, 12);
    expect(learningRateAt(6.5, { ...base, decay: 'cosine' })).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI / 4)), 12);
    expect(learningRateAt(14, { ...base, decay: 'cosine' })).toBeCloseTo(0, 12);
  });

  it('stops at the floor and holds constant when asked', () => {
    expect(learningRateAt(14, { ...base, decay: 'linear', minRatio: 0.1 })).toBeCloseTo(0.1, 12);
    expect(learningRateAt(10, { ...base, decay: 'constant' })).toBe(1);
  });
});
