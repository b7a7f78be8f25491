import { describe, expect, it } from 'vitest';
import { IGNORE_INDEX } from './encode';
import { padBatch } from './pad';

const rows = [
  { inputIds: [1, 5, 6], labels: [IGNORE_INDEX, 5, 6] },
  { inputIds: [1, 7], labels: [IGNORE_INDEX, 7] },
];

describe('padBatch', () => {
  it('pads on the left for generation, every row ending at the last column', () => {
    const b = padBatch(rows, { side: 'left', padTokenId: 0 });
    expect([b.batchSize, b.seqLength]).toEqual([2, 3]);
    expect([...b.inputIds]).toEqual([1, 5, 6, 0, 1, 7]);
    expect([...b.attentionMask]).toEqual([1, 1, 1, 0, 1, 1]);
    expect([...b.labels!]).toEqual([IGNORE_INDEX, 5, 6, IGNORE_INDEX, IGNORE_INDEX, 7]);
  });

  it('pads on the right for training, to a multiple when asked', () => {
    const b = padBatch(rows, { side: 'right', padTokenId: 2, multipleOf: 4 });
    expect(b.seqLength).toBe(4);
    expect([...b.inputIds]).toEqual([1, 5, 6, 2, 1, 7, 2, 2]);
    expect([...b.attentionMask]).toEqual([1, 1, 1, 0, 1, 1, 0, 0]);
    expect([...b.labels!]).toEqual([IGNORE_INDEX, 5, 6, IGNORE_INDEX, IGNORE_INDEX, 7, IGNORE_INDEX, IGNORE_INDEX]);
  });

  it('rejects rows longer than a fixed length and mismatched labels', () => {
    expect(() => padBatch(rows, { side: 'right', padTokenId: 0, length: 2 })).toThrow('padBatch: a row has 3 tokens, more than length 2');
    expect(() => padBatch([{ inputIds: [1, 2], labels: [1] }], { side: 'right', padTokenId: 0 })).toThrow('row 0 has 2 input ids but 1 labels');
    expect(() => padBatch([], { side: 'left', padTokenId: 0 })).toThrow('no rows');
  });
});
