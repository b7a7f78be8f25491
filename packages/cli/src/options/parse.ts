import { InvalidArgumentError } from 'commander';

/** Commander argument parsers that reject bad values with what was expected. */
export function intArg(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}, got "${value}"`);
    return n;
  };
}

export function floatArg(min: number, max = Infinity, maxInclusive = true): (value: string) => number {
  return (value) => {
    const n = Number(value);
    const aboveMax = maxInclusive ? n > max : n >= max;
    if (value.trim() === '' || !Number.isFinite(n) || n < min || aboveMax) {
      const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}${maxInclusive ? ']' : ')'}`;
      throw new InvalidArgumentError(`expected a number ${range}, got "${value}"`);
    }
    return n;
  };
}

export function listArg(value: string): string[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError(`expected a comma-separated list, got "${value}"`);
  return items;
}
