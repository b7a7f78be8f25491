import { DTYPE_BYTES, bf16ToF32, f16ToF32, isDtype, type Dtype, type TensorData } from './dtypes';
import { parseJsonBounded } from './json/bounded';
import { bytesSource, type ByteSource } from './source';

export interface TensorInfo {
  dtype: Dtype;
  shape: number[];
  /** Byte range relative to the start of the data section (after the header). */
  dataOffsets: [number, number];
}

export interface Tensor {
  dtype: Dtype;
  shape: number[];
  data: TensorData;
}

// Refuse absurd headers before allocating for them (the reference implementation caps at 100 MB).
const MAX_HEADER_BYTES = 100_000_000;
// A header is a flat object of tensor entries whose shape arrays sit at depth 3; anything much deeper is
// not a safetensors header.
const MAX_HEADER_DEPTH = 8;

/**
 * A safetensors file opened for random access: the header is parsed and validated up front, tensors
 * are read one at a time so a multi-gigabyte checkpoint never sits in one buffer.
 */
export class SafetensorsReader {
  private constructor(
    readonly source: ByteSource,
    readonly tensors: ReadonlyMap<string, TensorInfo>,
    readonly metadata: Readonly<Record<string, string>>,
    private readonly dataStart: number,
  ) {}

  static async open(source: ByteSource): Promise<SafetensorsReader> {
    const where = source.name;
    if (source.size < 8) throw new Error(`${where}: not a safetensors file: ${source.size} bytes, the 8-byte header length is missing`);
    const lenBytes = await source.read(0, 8);
    const headerLen = Number(new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true));
    if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > source.size) {
      throw new Error(`${where}: corrupt safetensors file: header length ${headerLen} goes beyond the file (${source.size} bytes)`);
    }
    const headerBytes = await source.read(8, headerLen);
    const corrupt = (what: string) => new Error(`${where}: corrupt safetensors file: ${what}`);
    let header: unknown;
    try {
      // Strict UTF-8, bounded depth and no duplicate keys, as the reference implementation requires
      // (a duplicate tensor name would otherwise silently take the last entry).
      header = parseJsonBounded(headerBytes, { file: 'header', maxDepth: MAX_HEADER_DEPTH, maxBytes: MAX_HEADER_BYTES });
    } catch (err) {
      throw corrupt((err as Error).message);
    }
    if (header === null || typeof header !== 'object' || Array.isArray(header)) throw corrupt('header must be a JSON object');
    const dataStart = 8 + headerLen;
    const dataSize = source.size - dataStart;
    const tensors = new Map<string, TensorInfo>();
    let metadata: Record<string, string> = {};
    for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
      if (name === '__metadata__') {
        metadata = parseMetadata(raw, where);
        continue;
      }
      tensors.set(name, parseInfo(name, raw, where, dataSize));
    }
    checkLayout(tensors, dataSize, corrupt);
    return new SafetensorsReader(source, tensors, metadata, dataStart);
  }

  keys(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (!info) throw new Error(`${this.source.name}: no tensor named "${name}"`);
    return info;
  }

  /** Raw little-endian bytes of one tensor. */
  async readBytes(name: string): Promise<Uint8Array> {
    const { dataOffsets } = this.info(name);
    return this.source.read(this.dataStart + dataOffsets[0], dataOffsets[1] - dataOffsets[0]);
  }

  /** One tensor decoded to its natural typed array (F16 and BF16 widen to Float32Array). */
  async read(name: string): Promise<Tensor> {
    const info = this.info(name);
    return { dtype: info.dtype, shape: [...info.shape], data: decode(info.dtype, await this.readBytes(name)) };
  }

  /** One floating-point tensor as float32, whatever its stored precision. */
  async readFloat32(name: string): Promise<{ shape: number[]; data: Float32Array }> {
    const t = await this.read(name);
    if (t.data instanceof Float32Array) return { shape: t.shape, data: t.data };
    if (t.data instanceof Float64Array) return { shape: t.shape, data: Float32Array.from(t.data) };
    throw new Error(`${this.source.name}: tensor "${name}" has dtype ${t.dtype}; expected a floating-point dtype (F32, F16, BF16, F64)`);
  }

  async close(): Promise<void> {
    await this.source.close?.();
  }
}

/** Parses a whole safetensors file held in memory. */
export function readSafetensors(bytes: ArrayBuffer | Uint8Array, name = '<bytes>'): Promise<SafetensorsReader> {
  return SafetensorsReader.open(bytesSource(bytes, name));
}

/**
 * The reference implementation's layout rule: sorted by offset, the tensors tile the data section exactly,
 * from byte 0 to its end. So no two tensors share bytes (overlap or aliasing), no bytes sit between them
 * (a gap could hide data), and nothing follows the last one (a polyglot file).
 */
function checkLayout(tensors: ReadonlyMap<string, TensorInfo>, dataSize: number, corrupt: (what: string) => Error): void {
  const sorted = [...tensors].sort(([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let end = 0;
  let previous: string | undefined;
  for (const [name, { dataOffsets: [begin, stop] }] of sorted) {
    if (begin < end) {
      throw corrupt(`tensor "${name}": data_offsets [${begin}, ${stop}] overlap tensor "${previous}", which ends at ${end}; tensors must not share bytes`);
    }
    if (begin > end) {
      throw corrupt(`tensor "${name}": data_offsets start at ${begin}, leaving a gap of ${begin - end} bytes after ${previous === undefined ? 'the start of the data' : `tensor "${previous}"`}; tensors must be contiguous`);
    }
    end = stop;
    previous = name;
  }
  if (end !== dataSize) {
    throw corrupt(`the tensors cover ${end} bytes but the data section has ${dataSize}; ${dataSize - end} bytes after the last tensor`);
  }
}

function parseMetadata(raw: unknown, where: string): Record<string, string> {
  if (raw === null) return {}; // the reference implementation reads null as no metadata
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`${where}: corrupt safetensors file: "__metadata__" must be an object of strings`);
  }
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new Error(`${where}: corrupt safetensors file: "__metadata__.${k}" must be a string`);
  }
  return raw as Record<string, string>;
}

function parseInfo(name: string, raw: unknown, where: string, dataSize: number): TensorInfo {
  const bad = (what: string) => new Error(`${where}: corrupt safetensors file: tensor "${name}": ${what}`);
  if (raw === null || typeof raw !== 'object') throw bad('entry must be an object with dtype, shape, data_offsets');
  const r = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (!isDtype(r.dtype)) throw bad(`unknown dtype ${JSON.stringify(r.dtype)}; expected one of ${Object.keys(DTYPE_BYTES).join(', ')}`);
  if (!Array.isArray(r.shape) || !r.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw bad(`shape must be an array of non-negative integers, got ${JSON.stringify(r.shape)}`);
  }
  const off = r.data_offsets;
  if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isInteger(d) && d >= 0) || off[1] < off[0]) {
    throw bad(`data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(off)}`);
  }
  if (off[1] > dataSize) throw bad(`data_offsets [${off[0]}, ${off[1]}] are out of range: the data section has ${dataSize} bytes`);
  const count = (r.shape as number[]).reduce((a, b) => a * b, 1);
  const expected = count * DTYPE_BYTES[r.dtype];
  if (!Number.isSafeInteger(expected)) throw bad(`shape [${(r.shape as number[]).join(', ')}] of ${r.dtype} is too large to address`);
  if (off[1] - off[0] !== expected) {
    throw bad(`data_offsets span ${off[1] - off[0]} bytes but ${r.dtype} of shape [${(r.shape as number[]).join(', ')}] needs ${expected}`);
  }
  return { dtype: r.dtype, shape: r.shape as number[], dataOffsets: [off[0], off[1]] };
}

function aligned(bytes: Uint8Array, width: number): ArrayBuffer {
  // Typed arrays need aligned offsets; copy only when the slice is not aligned already.
  if (bytes.byteOffset % width === 0) return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return bytes.slice().buffer as ArrayBuffer;
}

export function decode(dtype: Dtype, bytes: Uint8Array): TensorData {
  const buf = aligned(bytes, DTYPE_BYTES[dtype]);
  switch (dtype) {
    case 'F64': return new Float64Array(buf);
    case 'F32': return new Float32Array(buf);
    case 'F16': return f16ToF32(new Uint16Array(buf));
    case 'BF16': return bf16ToF32(new Uint16Array(buf));
    case 'I64': return new BigInt64Array(buf);
    case 'U64': return new BigUint64Array(buf);
    case 'I32': return new Int32Array(buf);
    case 'U32': return new Uint32Array(buf);
    case 'I16': return new Int16Array(buf);
    case 'U16': return new Uint16Array(buf);
    case 'I8': return new Int8Array(buf);
    case 'U8':
    case 'BOOL': return new Uint8Array(buf);
  }
}
