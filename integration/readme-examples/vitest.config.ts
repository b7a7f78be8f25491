import { packageTest } from '../../vitest.shared';

// Some examples load a model and train a few steps.
export default packageTest({ test: { testTimeout: 300_000 } });
