// Checks for the numeric options of the evaluate* functions, so a bad value is named where it is given
// instead of surfacing later as someone else's error (batchSize 0 used to reach generate() as
// "generate needs at least one prompt"; a negative one never ended).

type Check = (value: number) => boolean;

const CHECKS = {
  'a positive integer': (v) => Number.isInteger(v) && v > 0,
  'a non-negative integer': (v) => Number.isInteger(v) && v >= 0,
  'an integer of at least 2': (v) => Number.isInteger(v) && v >= 2,
  'a finite number >= 0': (v) => Number.isFinite(v) && v >= 0,
  'a number in (0, 1]': (v) => v > 0 && v <= 1,
  'an integer': (v) => Number.isSafeInteger(v),
} satisfies Record<string, Check>;

export type Expectation = keyof typeof CHECKS;

/** Throws a RangeError naming the function, the option and what was expected, unless the option is absent or valid. */
export function checkOptions(where: string, options: object, expected: Record<string, Expectation>): void {
  for (const [name, expectation] of Object.entries(expected)) {
    const value: unknown = (options as Record<string, unknown>)[name];
    if (value === undefined) continue;
    const values = Array.isArray(value) && name === 'eosTokenId' ? value : [value];
    for (const v of values) {
      if (typeof v !== 'number' || !CHECKS[expectation](v)) {
        throw new RangeError(`${where}: options.${name} must be ${expectation}${values.length > 1 ? ' (or a list of them)' : ''}, got ${typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value))}`);
      }
    }
  }
}
