import { RE2JS } from 're2js';

/**
 * PEFT's rule for a string `target_modules`: re.fullmatch(pattern, module_path). The pattern usually
 * comes from an adapter_config.json, i.e. from a file anyone can write, so it runs on RE2JS (a pure-JS
 * port of RE2): matching is linear in the path length whatever the pattern, where a backtracking engine
 * (JavaScript's RegExp, Python's re) can take exponential time on patterns such as `(.|.)*x`.
 * RE2 has no lookaround or backreferences; such a pattern is a clear error instead of a hang.
 */
export function compileTargetPattern(pattern: string, where = 'adapter config', field = 'targetModules'): (path: string) => boolean {
  let cached = CACHE.get(pattern);
  if (!cached) {
    let re: RE2JS;
    try {
      re = RE2JS.compile(pattern);
    } catch (err) {
      throw new Error(
        `${where}: "${field}" pattern ${JSON.stringify(pattern)} is not a regular expression this library can run in linear time ` +
          `(RE2 syntax: no lookahead, lookbehind or backreferences): ${(err as Error).message}`,
      );
    }
    cached = (path: string) => re.matches(path);
    if (CACHE.size >= CACHE_LIMIT) CACHE.delete(CACHE.keys().next().value!);
    CACHE.set(pattern, cached);
  }
  return cached;
}

/** Whether `path` matches the whole pattern (PEFT's re.fullmatch). */
export function fullMatch(pattern: string, path: string, where?: string): boolean {
  return compileTargetPattern(pattern, where)(path);
}

// Target selection tests every module path against the same pattern: compile it once.
const CACHE = new Map<string, (path: string) => boolean>();
const CACHE_LIMIT = 64;
