import { describeIdentity } from './identity-suite';

describeIdentity('cjs');
