import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { maskedTokenLossSum, scoredTokenCount } from './causal-lm-loss';

beforeAll(async () => {
  await initBackend();
});

function referenceLoss(logits: number[][][], ids: number[][], mask: number[][]): number {
  let sum = 0;
  logits.forEach((row, b) => {
    for (let t = 0; t + 1 < row.length; t++) {
      if (!mask[b][t + 1]) continue;
      const l = row[t];
      const max = Math.max(...l);
      const lse = max + Math.log(l.reduce((s, x) => s + Math.exp(x - max), 0));
      sum += lse - l[ids[b][t + 1]];
    }
  });
  return sum;
}

describe('maskedTokenLossSum', () => {
  const logits = [
    [
      [0.1, 2, -1, 0.5],
      [1, 0, 0, -2],
      [0.3, 0.3, 3, 0],
      [2, 1, 0, -1],
    ],
    [
      [-1, 0, 1, 2],
      [0, 0, 0, 0],
      [5, -5, 0, 1],
      [0.2, 0.1, 0, 0.4],
    ],
  ];
  const ids = [
    [1, 2, 3, 0],
    [3, 0, 1, 2],
  ];

  it('sums next-token cross-entropy over response tokens only', () => {
    const mask = [
      [0, 0, 1, 1],
      [0, 1, 1, 0],
    ];
    const got = tf.tidy(() => maskedTokenLossSum(tf.tensor3d(logits), tf.tensor2d(ids, undefined, 'int32'), tf.tensor2d(mask)).dataSync()[0]);
    expect(got).toBeCloseTo(referenceLoss(logits, ids, mask), 4);
    expect(scoredTokenCount(mask)).toBe(4);
  });

  it('changes when a masked-in token changes and ignores masked-out ones', () => {
    const mask = [
      [0, 0, 1, 0],
      [0, 0, 0, 0],
    ];
    const run = (idRows: number[][]) =>
      tf.tidy(() => maskedTokenLossSum(tf.tensor3d(logits), tf.tensor2d(idRows, undefined, 'int32'), tf.tensor2d(mask)).dataSync()[0]);
    const base = run(ids);
    expect(run([[1, 2, 3, 1], [0, 0, 0, 0]])).toBeCloseTo(base, 6);
    expect(run([[1, 2, 0, 0], ids[1]])).not.toBeCloseTo(base, 2);
  });
});
