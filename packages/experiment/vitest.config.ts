import { packageTest } from '../../vitest.shared';

// runExperiment's test trains 9 small runs: minutes on a loaded machine
export default packageTest({ test: { testTimeout: 900_000 } });
