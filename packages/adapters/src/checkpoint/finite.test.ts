import { describe, expect, it } from 'vitest';
import { checkFiniteWeights } from './finite';

describe('checkFiniteWeights', () => {
  it('names the file, the tensor and the first non-finite element', () => {
    const data = new Float32Array(12);
    data[7] = NaN;
    expect(() => checkFiniteWeights('a.safetensors', 'x.lora_A.weight', data, [3, 4])).toThrow(/a\.safetensors: tensor "x\.lora_A\.weight" holds NaN at \[1, 3\].*allowNonFinite/);
    data[7] = 0;
    data[2] = -Infinity;
    expect(() => checkFiniteWeights('a', 'm', data, [12])).toThrow(/holds -Infinity at \[2\]/);
    data[2] = 0;
    expect(() => checkFiniteWeights('a', 'm', data, [12])).not.toThrow();
  });
});
