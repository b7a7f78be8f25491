export { loadLlama } from './node/load';
export { dirFiles } from './node/files';
export { convertLlama2c } from './node/convert';
export type { ConvertLlama2cOptions, ConvertLlama2cResult } from './node/convert';
export { embeddedModelDir } from './embedded';
