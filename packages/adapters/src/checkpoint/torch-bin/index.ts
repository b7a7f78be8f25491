export { isTorchZip, readTorchStateDict } from './archive';
export type { TorchTensor } from './archive';
export { UnpickleError } from './pickle';
