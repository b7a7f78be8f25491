import { describe, expect, it } from 'vitest';
import { checkKnownKeys } from './config-keys';

describe('checkKnownKeys', () => {
  const known = ['method', 'r', 'alpha', 'dropout', 'numBlocks', 'branchRanks', 'partition', 'targetModules'];
  it('names the unknown key and the closest valid one', () => {
    expect(() => checkKnownKeys('SMoA config', { method: 'smoa', r: 4, numBlock: 2 }, known)).toThrow(
      /SMoA config: unknown key "numBlock" \(did you mean "numBlocks"\?\); valid keys: method, r, alpha/,
    );
    expect(() => checkKnownKeys('SMoA config', { target_modules: ['q'] }, known)).toThrow(/"target_modules" \(did you mean "targetModules"\?\)/);
  });
  it('accepts known keys', () => {
    expect(() => checkKnownKeys('SMoA config', { method: 'smoa', r: 4, numBlocks: 2 }, known)).not.toThrow();
    // An undefined value sets nothing, so generic code may spread optional fields.
    expect(() => checkKnownKeys('SMoA config', { method: 'smoa', rslora: undefined }, known)).not.toThrow();
  });
});
