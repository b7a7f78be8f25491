export { SafetensorsReader, readSafetensors, decode } from './reader';
export type { Tensor, TensorInfo } from './reader';
export { serializeSafetensors } from './writer';
export type { TensorToWrite } from './writer';
export { bytesSource, blobSource, urlSource } from './source';
export type { ByteSource } from './source';
export { DTYPE_BYTES, bf16ToF32, f16ToF32, f32ToBf16, f32ToF16, isDtype } from './dtypes';
export type { Dtype, TensorData } from './dtypes';
