import { describeIdentity } from './identity-suite';

describeIdentity('esm');
