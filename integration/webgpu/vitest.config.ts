import { packageTest } from '../../vitest.shared';

export default packageTest();
