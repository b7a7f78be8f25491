import { DTYPE_BYTES, f32ToBf16, f32ToF16, type Dtype, type TensorData } from './dtypes';

export interface TensorToWrite {
  /** Defaults from the typed array: Float32Array -> F32, Int32Array -> I32, ... */
  dtype?: Dtype;
  shape: number[];
  data: TensorData | number[];
}

function defaultDtype(data: TensorData | number[]): Dtype {
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Int16Array) return 'I16';
  if (data instanceof Int8Array) return 'I8';
  if (data instanceof Uint32Array) return 'U32';
  if (data instanceof Uint16Array) return 'U16';
  if (data instanceof Uint8Array) return 'U8';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof BigUint64Array) return 'U64';
  return 'F32';
}

function encode(name: string, dtype: Dtype, data: TensorData | number[]): Uint8Array {
  const floats = () => (data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>));
  let out: ArrayBufferView;
  switch (dtype) {
    case 'F32': out = floats(); break;
    case 'F64': out = data instanceof Float64Array ? data : Float64Array.from(data as ArrayLike<number>); break;
    case 'F16': out = f32ToF16(floats()); break;
    case 'BF16': out = f32ToBf16(floats()); break;
    case 'I32': out = data instanceof Int32Array ? data : Int32Array.from(data as ArrayLike<number>); break;
    case 'I64': out = data instanceof BigInt64Array ? data : BigInt64Array.from(Array.from(data as ArrayLike<number>, (v) => BigInt(v))); break;
    case 'U8':
    case 'BOOL': out = data instanceof Uint8Array ? data : Uint8Array.from(data as ArrayLike<number>); break;
    default:
      if (defaultDtype(data) !== dtype) throw new Error(`tensor "${name}": writing ${dtype} needs its own typed array`);
      out = data as ArrayBufferView;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

// A UTF-16 surrogate without its partner has no UTF-8 form: TextEncoder would write U+FFFD instead, so the
// file would hold a different name than the one given.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What the reader (and the reference implementation) would refuse is refused here, before anything is written. */
function checkName(name: string): void {
  if (name === '__metadata__') throw new Error('tensor "__metadata__": that name is reserved for the file\'s metadata; rename the tensor');
  if (LONE_SURROGATE.test(name)) throw new Error(`tensor ${JSON.stringify(name)}: the name is not valid Unicode (a lone surrogate), so it has no UTF-8 form`);
}

function checkMetadata(metadata: unknown): void {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new Error(`metadata: expected an object of strings, got ${metadata === null ? 'null' : Array.isArray(metadata) ? 'an array' : typeof metadata}`);
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      throw new Error(`metadata "${key}": values must be strings (safetensors metadata is a string map), got ${value === null ? 'null' : typeof value}; use JSON.stringify for structured values`);
    }
    if (LONE_SURROGATE.test(key) || LONE_SURROGATE.test(value)) throw new Error(`metadata "${key}": not valid Unicode (a lone surrogate)`);
  }
}

/**
 * Serialises tensors to safetensors bytes. Names are sorted as the reference writer does, and the
 * header is padded with spaces to a multiple of 8 so data stays aligned.
 */
export function serializeSafetensors(tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort();
  for (const name of names) checkName(name);
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) checkMetadata(metadata);
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const dtype = t.dtype ?? defaultDtype(t.data);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`tensor "${name}": shape must be non-negative integers, got [${t.shape.join(', ')}]`);
    if (t.data.length !== count) throw new Error(`tensor "${name}": shape [${t.shape.join(', ')}] holds ${count} values but data has ${t.data.length}`);
    const bytes = encode(name, dtype, t.data);
    if (bytes.byteLength !== count * DTYPE_BYTES[dtype]) throw new Error(`tensor "${name}": encoded ${bytes.byteLength} bytes for ${dtype} x ${count}`);
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let headerBytes = enc.encode(json);
  const pad = (8 - (headerBytes.byteLength % 8)) % 8;
  if (pad) headerBytes = enc.encode(json + ' '.repeat(pad));
  json = '';
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.byteLength;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.byteLength;
  }
  return out;
}
