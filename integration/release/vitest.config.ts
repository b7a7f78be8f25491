import { packageTest } from '../../vitest.shared';

// Packs, installs or drives a browser: minutes, not seconds.
export default packageTest({ test: { testTimeout: 600_000, hookTimeout: 600_000 } });
