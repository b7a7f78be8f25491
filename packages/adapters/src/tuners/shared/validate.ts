/** Input checks shared by every method; each error names the config field and what was expected. */

export function checkPositiveInt(where: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(`${where}: "${field}" must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function checkFinite(where: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${where}: "${field}" must be a finite number, got ${String(value)}`);
  }
  return value;
}

export function checkDropout(where: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new Error(`${where}: "dropout" must be a number in [0, 1), got ${String(value)}`);
  }
  return value;
}

export function checkOneOf<T extends string>(where: string, field: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new Error(`${where}: "${field}" must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

export function checkBoolean(where: string, field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new Error(`${where}: "${field}" must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** r, alpha (default r) and dropout (default 0), the fields every method has. */
export function resolveCommon(where: string, c: { r: unknown; alpha?: unknown; dropout?: unknown }): { r: number; alpha: number; dropout: number } {
  const r = checkPositiveInt(where, 'r', c.r);
  const alpha = c.alpha === undefined ? r : checkFinite(where, 'alpha', c.alpha);
  const dropout = c.dropout === undefined ? 0 : checkDropout(where, c.dropout);
  return { r, alpha, dropout };
}

/** Number of blocks K: an integer in [1, min(out, in)]. */
export function checkNumBlocks(where: string, k: unknown, out: number, inn: number): number {
  const limit = Math.min(out, inn);
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > limit) {
    throw new Error(`${where}: "numBlocks" must be an integer in [1, min(out, in) = ${limit}], got ${JSON.stringify(k)}`);
  }
  return k;
}

/** Per-block ranks: the given list (K non-negative integers summing to r) or r split as evenly as possible. */
export function resolveBranchRanks(where: string, r: number, k: number, given: unknown): number[] {
  if (given === undefined || given === null) {
    const base = Math.floor(r / k);
    return Array.from({ length: k }, (_, i) => base + (i < r % k ? 1 : 0));
  }
  if (!Array.isArray(given) || given.length !== k) {
    throw new Error(`${where}: "branchRanks" must list ${k} ranks (one per block), got ${JSON.stringify(given)}`);
  }
  if (!given.every((v) => Number.isInteger(v) && v >= 0)) {
    throw new Error(`${where}: "branchRanks" must be non-negative integers, got ${JSON.stringify(given)}`);
  }
  const sum = (given as number[]).reduce((a, b) => a + b, 0);
  if (sum !== r) throw new Error(`${where}: "branchRanks" must sum to r = ${r}, got ${JSON.stringify(given)} (sum ${sum})`);
  return [...(given as number[])];
}

/** The frozen weight must be a finite [out, in] matrix; returns its values. */
export function checkBaseWeight(where: string, values: ArrayLike<number>, shape: number[]): void {
  if (shape.length !== 2 || shape[0] < 1 || shape[1] < 1) {
    throw new Error(`${where}: base "weight" must be a non-empty 2-D tensor [out, in], got shape [${shape.join(', ')}]`);
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      const v = values[i];
      throw new Error(`${where}: base "weight" holds ${Number.isNaN(v) ? 'NaN' : v} at [${Math.floor(i / shape[1])}, ${i % shape[1]}]; expected finite values`);
    }
  }
}
