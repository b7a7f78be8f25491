import { closest } from 'fastest-levenshtein';

/**
 * Configs written in code are checked strictly: a typo such as `numBlock` would otherwise be dropped
 * silently and the default used. The error names the closest valid key (edit distance, fastest-levenshtein).
 * Configs read from files go through fromPeftConfig instead, where unknown keys only warn. A key whose
 * value is undefined is skipped: it sets nothing (generic code spreads optional fields that way).
 */
export function checkKnownKeys(where: string, config: object, known: readonly string[]): void {
  for (const [key, value] of Object.entries(config)) {
    if (known.includes(key) || value === undefined) continue;
    throw new Error(`${where}: unknown key "${key}" (did you mean "${closest(key, [...known])}"?); valid keys: ${known.join(', ')}`);
  }
}
