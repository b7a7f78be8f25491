import { packageTest } from '../../vitest.shared';

// Examples train real adapters end to end.
export default packageTest({ test: { testTimeout: 300_000 } });
