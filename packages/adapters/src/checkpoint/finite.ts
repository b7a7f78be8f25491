/**
 * Adapter weights with NaN or Inf load without complaint into tfjs and then turn every output into NaN
 * (greedy decoding returns token 0 forever). Loading refuses them, naming the tensor and the first bad
 * element, unless the caller opts in with `allowNonFinite`.
 */
export function checkFiniteWeights(where: string, name: string, data: ArrayLike<number>, shape: readonly number[]): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isFinite(v)) continue;
    const at: number[] = [];
    let rest = i;
    for (let d = shape.length - 1; d >= 0; d--) {
      at.unshift(rest % shape[d]);
      rest = Math.floor(rest / shape[d]);
    }
    throw new Error(
      `${where}: tensor "${name}" holds ${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'} at [${at.join(', ')}]; ` +
        'adapter weights must be finite (pass allowNonFinite: true to load it anyway)',
    );
  }
}
