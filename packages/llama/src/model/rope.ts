import type { LlamaConfig } from '../config';

/**
 * Rotary inverse frequencies as Hugging Face computes them (`ROPE_INIT_FUNCTIONS`), including the
 * "linear" and "llama3" scalings. Computed in float64; only the final tables are rounded to float32.
 */
export function ropeInverseFrequencies(config: Pick<LlamaConfig, 'headDim' | 'ropeTheta' | 'ropeScaling'>): Float64Array {
  const half = config.headDim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / config.ropeTheta ** ((2 * i) / config.headDim);
  const s = config.ropeScaling;
  if (s?.type === 'linear') {
    for (let i = 0; i < half; i++) inv[i] /= s.factor;
  } else if (s?.type === 'llama3') {
    // Long wavelengths are slowed by `factor`, short ones kept, and the band between interpolated.
    const lowFreqWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
    const highFreqWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
    for (let i = 0; i < half; i++) {
      const wavelen = (2 * Math.PI) / inv[i];
      if (wavelen > lowFreqWavelen) {
        inv[i] /= s.factor;
      } else if (wavelen >= highFreqWavelen) {
        const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
        inv[i] = ((1 - smooth) * inv[i]) / s.factor + smooth * inv[i];
      }
    }
  }
  return inv;
}

/**
 * cos and sin tables [maxPositions, headDim] in the rotate-half layout: column j and j + headDim/2
 * share frequency j, as `torch.cat((freqs, freqs), dim=-1)` does.
 */
export function ropeTables(config: Pick<LlamaConfig, 'headDim' | 'ropeTheta' | 'ropeScaling'>, maxPositions: number): { cos: Float32Array; sin: Float32Array } {
  const inv = ropeInverseFrequencies(config);
  const d = config.headDim;
  const half = d / 2;
  const cos = new Float32Array(maxPositions * d);
  const sin = new Float32Array(maxPositions * d);
  for (let p = 0; p < maxPositions; p++) {
    for (let i = 0; i < half; i++) {
      // Angles in float64: large positions lose accuracy in float32, and the references are float64.
      const angle = p * inv[i];
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[p * d + i] = c;
      cos[p * d + i + half] = c;
      sin[p * d + i] = s;
      sin[p * d + i + half] = s;
    }
  }
  return { cos, sin };
}
