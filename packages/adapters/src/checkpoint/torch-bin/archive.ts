import { unzipSync } from 'fflate';
import { restrictedUnpickle, stateDictEntries, type StorageDtype, type TensorRef } from './pickle';

/** One tensor of a torch.save file, converted to float32. */
export interface TorchTensor {
  shape: number[];
  data: Float32Array;
}

const ITEM_SIZE: Record<StorageDtype, number> = { float32: 4, float16: 2, bfloat16: 2, float64: 8, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 };
/** Unpacked bytes we accept from one archive: far above any adapter, far below a zip bomb's claims. */
const MAX_UNPACKED = 2 ** 31;

/** Whether bytes look like a torch.save zip archive (a zip's local-file signature). */
export function isTorchZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * Reads a state dict saved by torch.save (PyTorch >= 1.6 zip format; PEFT's adapter_model.bin) without
 * executing its pickle: see pickle.ts for what is allowed. Floating tensors come back as float32 in file
 * order; `where` (the file name) prefixes every error.
 */
export function readTorchStateDict(bytes: Uint8Array, where: string): Map<string, TorchTensor> {
  if (!isTorchZip(bytes)) {
    const legacy = bytes[0] === 0x80;
    throw new Error(
      `${where}: not a PyTorch zip archive${legacy ? ' (this is the legacy pre-1.6 torch.save format, which is not read: re-save it with a current torch.save or as safetensors)' : ''}`,
    );
  }
  let total = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        total += f.originalSize;
        if (total > MAX_UNPACKED) throw new Error(`unpacks to more than ${MAX_UNPACKED} bytes`);
        return true;
      },
    });
  } catch (err) {
    throw new Error(`${where}: not a readable zip archive (${(err as Error).message})`);
  }
  const pkl = Object.keys(files).filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkl.length !== 1) throw new Error(`${where}: expected one <archive>/data.pkl entry (a torch.save file), found ${pkl.length}`);
  const prefix = pkl[0].slice(0, -'data.pkl'.length);
  const order = files[`${prefix}byteorder`];
  if (order && new TextDecoder().decode(order).trim() !== 'little') throw new Error(`${where}: big-endian archives are not supported`);
  const entries = stateDictEntries(restrictedUnpickle(files[pkl[0]], `${where} (data.pkl)`), where);
  const out = new Map<string, TorchTensor>();
  for (const [name, ref] of entries) {
    out.set(name, materialise(ref, files[`${prefix}data/${ref.storage.key}`], `${where}: tensor "${name}"`));
  }
  return out;
}

function materialise(ref: TensorRef, raw: Uint8Array | undefined, where: string): TorchTensor {
  const { storage, offset, shape, stride } = ref;
  if (!raw) throw new Error(`${where}: its storage data/${storage.key} is missing from the archive`);
  const size = ITEM_SIZE[storage.dtype];
  if (!['float32', 'float16', 'bfloat16', 'float64'].includes(storage.dtype)) throw new Error(`${where}: dtype ${storage.dtype} is not a floating-point type; adapter weights must be float`);
  if (raw.length < storage.numel * size) throw new Error(`${where}: storage holds ${raw.length} bytes, expected ${storage.numel * size}`);
  const count = shape.reduce((a, b) => a * b, 1);
  // Highest element the view touches must lie inside the storage (strides may be anything, even 0).
  let last = offset;
  for (let d = 0; d < shape.length; d++) last += shape[d] === 0 ? 0 : (shape[d] - 1) * stride[d];
  if (count > 0 && last >= storage.numel) throw new Error(`${where}: view (offset ${offset}, size [${shape}], stride [${stride}]) runs past its storage of ${storage.numel} elements`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const read = reader(storage.dtype, view);
  const data = new Float32Array(count);
  const idx = new Array<number>(shape.length).fill(0);
  let src = offset;
  for (let i = 0; i < count; i++) {
    data[i] = read(src);
    // Odometer over the shape, moving `src` by the strides (a row-major copy of any view).
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) {
        src += stride[d];
        break;
      }
      src -= (shape[d] - 1) * stride[d];
      idx[d] = 0;
    }
  }
  return { shape: [...shape], data };
}

function reader(dtype: StorageDtype, v: DataView): (i: number) => number {
  switch (dtype) {
    case 'float32':
      return (i) => v.getFloat32(4 * i, true);
    case 'float64':
      return (i) => v.getFloat64(8 * i, true);
    case 'bfloat16': {
      const f = new Float32Array(1);
      const u = new Uint32Array(f.buffer);
      return (i) => ((u[0] = v.getUint16(2 * i, true) << 16), f[0]);
    }
    default:
      return (i) => halfToFloat(v.getUint16(2 * i, true));
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
