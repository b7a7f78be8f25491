import { describe, expect, it } from 'vitest';
import { compileTargetPattern, fullMatch } from './target-pattern';

describe('target_modules patterns (RE2, PEFT full-match semantics)', () => {
  it('matches the whole path, like re.fullmatch', () => {
    expect(fullMatch('.*q_proj', 'model.layers.0.self_attn.q_proj')).toBe(true);
    expect(fullMatch('q_proj', 'model.layers.0.self_attn.q_proj')).toBe(false);
    expect(fullMatch('.*\\.(q|v)_proj', 'model.layers.3.self_attn.v_proj')).toBe(true);
    expect(fullMatch('.*\\.(q|v)_proj', 'model.layers.3.self_attn.v_proj_extra')).toBe(false);
    // An alternation at top level must not turn into "starts with a or ends with b".
    expect(fullMatch('.*q_proj|.*v_proj', 'model.layers.3.self_attn.v_proj')).toBe(true);
    expect(fullMatch('a|b', 'ab')).toBe(false);
    expect(fullMatch('model\\.layers\\.(?P<i>[01])\\..*_proj', 'model.layers.1.mlp.up_proj')).toBe(true);
  });

  it('runs a catastrophic-backtracking pattern in linear time', () => {
    const path = `${'model.layers.12.self_attn.'.repeat(40)}q_proj`; // ~1 KB, never ends in x
    const t0 = performance.now();
    expect(fullMatch('(.|.)*x', path)).toBe(false);
    expect(fullMatch('(a*)*b', 'a'.repeat(5000))).toBe(false);
    expect(fullMatch('(x+x+)+y', 'x'.repeat(5000))).toBe(false);
    // A backtracking engine needs far beyond the test timeout here; RE2 needs milliseconds.
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('refuses what RE2 cannot run in linear time, naming the file and field', () => {
    expect(() => compileTargetPattern('^(?!.*lm_head).*$', '/x/adapter_config.json', 'target_modules')).toThrow(/\/x\/adapter_config\.json: "target_modules" pattern .*lookahead/);
    expect(() => compileTargetPattern('(a)\\1', 'cfg')).toThrow(/cfg: "targetModules" pattern/);
    expect(() => compileTargetPattern('(', 'cfg')).toThrow(/cfg: "targetModules" pattern "\("/);
  });
});
