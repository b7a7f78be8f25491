import { describe, expect, it } from 'vitest';
import { seededRandom } from '../testing/fixtures';
import { spectralFactors } from './factors';
import { coordinateScores, SCORE_DENOMINATOR_FLOOR, spectralOrders } from './order';

/** A random [out, in] weight with some rows and columns replaced. */
function weight(out: number, inn: number, seed: number, edit: (w: Float64Array) => void): Float64Array {
  const rnd = seededRandom(seed);
  const w = Float64Array.from({ length: out * inn }, () => rnd() * 2 - 1);
  edit(w);
  return w;
}

const zeroRow = (w: Float64Array, inn: number, i: number, scale = 0) => {
  for (let j = 0; j < inn; j++) w[i * inn + j] *= scale;
};
const zeroCol = (w: Float64Array, out: number, inn: number, j: number, scale = 0) => {
  for (let i = 0; i < out; i++) w[i * inn + j] *= scale;
};

describe('block orders on degenerate weights (the authors\' float32-epsilon clamp)', () => {
  // Both shapes: the orthonormal side (eigenvectors, which carry rounding noise in a zero row) is the
  // rows when out <= in and the columns when out > in.
  for (const [out, inn] of [
    [12, 20],
    [20, 12],
  ] as const) {
    it(`zero rows and columns score 0 and sort first (${out}x${inn})`, () => {
      const w = weight(out, inn, 7, (m) => {
        zeroRow(m, inn, 5);
        zeroRow(m, inn, 9);
        zeroCol(m, out, inn, 3);
        zeroCol(m, out, inn, inn - 1);
      });
      const f = spectralFactors(w, out, inn);
      const { rowOrder, colOrder } = spectralOrders(f);
      expect([...rowOrder.slice(0, 2)].sort((a, b) => a - b)).toEqual([5, 9]);
      expect([...colOrder.slice(0, 2)].sort((a, b) => a - b)).toEqual([3, inn - 1]);
      const rows = coordinateScores(f.uScaled, f.q);
      const cols = coordinateScores(f.vScaled, f.q);
      // Near 0 rather than exactly: the null space's singular values come out as rounding noise.
      for (const s of [rows[5], rows[9], cols[3], cols[inn - 1]]) expect(s).toBeLessThan(1e-6);
    });

    it(`a row and a column of norm 1e-4 (squared norm below eps) sort first (${out}x${inn})`, () => {
      const w = weight(out, inn, 11, (m) => {
        zeroRow(m, inn, out - 2, 1e-4 / Math.sqrt(inn / 3));
        zeroCol(m, out, inn, 1, 1e-4 / Math.sqrt(out / 3));
      });
      const f = spectralFactors(w, out, inn);
      const { rowOrder, colOrder } = spectralOrders(f);
      expect(rowOrder[0]).toBe(out - 2);
      expect(colOrder[0]).toBe(1);
      // Ordinary rows keep the plain energy-weighted mean (their squared norm is far above eps).
      const rows = coordinateScores(f.uScaled, f.q);
      let num = 0;
      let den = 0;
      for (let j = 0; j < f.q; j++) {
        const e = f.uScaled[j * out] ** 2;
        num += j * e;
        den += e;
      }
      expect(den).toBeGreaterThan(SCORE_DENOMINATOR_FLOOR);
      expect(rows[0]).toBeCloseTo(num / den, 12);
    });
  }

  it('the floor is float32 epsilon, applied in absolute terms', () => {
    expect(SCORE_DENOMINATOR_FLOOR).toBe(Math.fround(1.1920928955078125e-7));
    // One coordinate with energy 1e-9 entirely at spectral index 2: score 2e-9 / eps, not 2.
    const scaled = new Float64Array([0, 0, Math.sqrt(1e-9)]); // q = 3, n = 1
    expect(coordinateScores(scaled, 3)[0]).toBeCloseTo((2 * 1e-9) / SCORE_DENOMINATOR_FLOOR, 15);
  });
});
