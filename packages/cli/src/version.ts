// Kept in step with package.json by the test in program.test.ts (changesets bumps package.json).
export const VERSION = '0.1.0';
