import { describe, expect, it } from 'vitest';
import { chooseThreads, parseThreadsEnv, underTestRunner } from './index';

describe('the Node.js thread count', () => {
  it('defaults to the capped core count, and to 1 under a test runner', () => {
    expect(chooseThreads({ option: undefined, env: undefined, testRunner: false, cap: 8 })).toEqual({ threads: 8, origin: 'default' });
    expect(chooseThreads({ option: undefined, env: '', testRunner: false, cap: 2 })).toEqual({ threads: 2, origin: 'default' });
    expect(chooseThreads({ option: undefined, env: undefined, testRunner: true, cap: 8 })).toEqual({ threads: 1, origin: 'default' });
  });

  it('takes the option over SMOA_THREADS, and SMOA_THREADS over the default (test runner or not)', () => {
    expect(chooseThreads({ option: 3, env: '5', testRunner: true, cap: 8 })).toEqual({ threads: 3, origin: 'option' });
    expect(chooseThreads({ option: undefined, env: ' 5 ', testRunner: true, cap: 8 })).toEqual({ threads: 5, origin: 'SMOA_THREADS' });
  });

  it('refuses an SMOA_THREADS that is not a positive integer, naming the variable', () => {
    for (const bad of ['0', '-2', '1.5', 'two', '2e0', '99999999999999999999']) {
      expect(() => parseThreadsEnv(bad)).toThrow(`SMOA_THREADS: expected a positive integer, got ${JSON.stringify(bad)}`);
    }
  });

  it('recognises vitest, jest and node --test', () => {
    expect(underTestRunner({ VITEST: 'true' })).toBe(true);
    expect(underTestRunner({ JEST_WORKER_ID: '1' })).toBe(true);
    expect(underTestRunner({ NODE_TEST_CONTEXT: 'child' })).toBe(true);
    expect(underTestRunner({ PATH: '/usr/bin' })).toBe(false);
  });
});
