/**
 * A restricted unpickler for the one thing torch.save writes for a state dict: a dict (or
 * collections.OrderedDict) of str -> tensor, each tensor rebuilt by torch._utils._rebuild_tensor_v2
 * from a storage named by a persistent id. It interprets pickle opcodes itself and never runs code:
 * the only callables are the allow-listed globals below, implemented here as plain data builders.
 * Any other global (os.system, builtins.eval, ...) or opcode is an error naming it.
 */

/** A storage named by a persistent id: the bytes live in the archive's data/<key> entry. */
export interface StorageRef {
  readonly kind: 'storage';
  readonly dtype: StorageDtype;
  readonly key: string;
  readonly numel: number;
}

/** A tensor view of a storage, as _rebuild_tensor_v2 describes it (offset and strides in elements). */
export interface TensorRef {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  readonly offset: number;
  readonly shape: number[];
  readonly stride: number[];
}

export type StorageDtype = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** torch.<Name>Storage, the storage types a persistent id may name. */
const STORAGE_TYPES: Record<string, StorageDtype> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

class OrderedDictValue {
  readonly entries = new Map<unknown, unknown>();
}

class Global {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

class Mark {}
const MARK = new Mark();

/** The globals a state dict needs, and nothing else. */
const ALLOWED = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  ...Object.keys(STORAGE_TYPES).map((n) => `torch.${n}`),
]);

export class UnpickleError extends Error {}

/** Unpickles `data` (the archive's data.pkl); `where` prefixes every error. */
export function restrictedUnpickle(data: Uint8Array, where: string): unknown {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  const fail = (msg: string): never => {
    throw new UnpickleError(`${where}: ${msg} (at byte ${pos})`);
  };
  const need = (n: number) => {
    if (n < 0 || pos + n > data.length) fail(`truncated pickle: needs ${n} more byte(s)`);
  };
  const u8 = () => (need(1), data[pos++]);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const bytes = (n: number) => (need(n), data.subarray((pos += n) - n, pos));
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const text = (n: number) => {
    const raw = bytes(n);
    try {
      return utf8.decode(raw);
    } catch {
      return fail('string is not valid UTF-8');
    }
  };
  const line = () => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0 || end - pos > 256) fail('unterminated GLOBAL name');
    return text(end - pos + 1).slice(0, -1);
  };
  const pop = () => (stack.length === 0 ? fail('stack underflow') : stack.pop());
  const popMark = () => {
    const m = marks.pop();
    if (m === undefined) fail('no MARK on the stack');
    return stack.splice(m!);
  };
  const top = () => (stack.length === 0 ? fail('stack underflow') : stack[stack.length - 1]);
  const global = (module: string, name: string) => {
    const g = new Global(module, name);
    if (!ALLOWED.has(g.qualified)) {
      fail(`refused global ${g.qualified}: a PyTorch state dict needs only ${[...ALLOWED].slice(0, 3).join(', ')} and torch storage types; this file would run other code when loaded`);
    }
    return g;
  };
  const setItems = (target: unknown, flat: unknown[]) => {
    if (flat.length % 2) fail('odd number of items for a dict');
    const map = target instanceof OrderedDictValue ? target.entries : target instanceof Map ? target : fail('SETITEM(S) on something that is not a dict');
    for (let i = 0; i < flat.length; i += 2) map.set(flat[i], flat[i + 1]);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('unknown pickle protocol');
        break;
      case 0x95: // FRAME: an 8-byte length, the frame just continues inline
        bytes(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail(`pickle ends with ${stack.length} values on the stack`);
        return stack[0];
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(Object.freeze([]));
        break;
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x74: // TUPLE
        stack.push(Object.freeze(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(Object.freeze([pop()]));
        break;
      case 0x86: {
        const b = pop();
        stack.push(Object.freeze([pop(), b]));
        break;
      }
      case 0x87: {
        const c = pop();
        const b = pop();
        stack.push(Object.freeze([pop(), b, c]));
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(`memo key ${k} was never stored`);
        stack.push(memo.get(k));
        break;
      }
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement, at most 8 bytes (sizes and offsets)
        const n = u8();
        if (n > 8) fail('integer too large');
        const b = bytes(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) fail('integer too large');
        stack.push(Number(v));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistentLoad(pop(), fail));
        break;
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(call(fn, args, fail));
        break;
      }
      case 0x62: {
        // BUILD: only the instance attributes state_dict() puts on its OrderedDict (_metadata); kept as data.
        const state = pop();
        if (!(top() instanceof OrderedDictValue) || !(state instanceof Map || state === null)) fail('BUILD is only allowed on an OrderedDict');
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        const list = top();
        if (!Array.isArray(list) || Object.isFrozen(list)) fail('APPEND on something that is not a list');
        (list as unknown[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list) || Object.isFrozen(list)) fail('APPENDS on something that is not a list');
        for (const item of items) (list as unknown[]).push(item);
        break;
      }
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} (${JSON.stringify(String.fromCharCode(op))}); only what torch.save writes for a state dict is read`);
    }
  }
}

/** torch's persistent id: ('storage', <storage type>, key, location, numel). */
function persistentLoad(pid: unknown, fail: (m: string) => never): StorageRef {
  if (!Array.isArray(pid) || pid.length < 5 || pid[0] !== 'storage') fail('persistent id is not a torch storage record');
  const [, type, key, , numel] = pid as unknown[];
  if (!(type instanceof Global) || !(type.name in STORAGE_TYPES)) fail('persistent id names no torch storage type');
  if (typeof key !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(key)) fail(`bad storage key ${JSON.stringify(key)}`);
  if (!Number.isSafeInteger(numel) || (numel as number) < 0) fail(`bad storage size ${JSON.stringify(numel)}`);
  return { kind: 'storage', dtype: STORAGE_TYPES[(type as Global).name], key: key as string, numel: numel as number };
}

function intList(v: unknown, what: string, fail: (m: string) => never): number[] {
  if (!Array.isArray(v) || !v.every((x) => Number.isSafeInteger(x) && x >= 0)) fail(`tensor ${what} must be a tuple of non-negative integers`);
  return [...(v as number[])];
}

function call(fn: unknown, args: unknown, fail: (m: string) => never): unknown {
  if (!(fn instanceof Global)) fail('REDUCE on something that is not an allowed global');
  if (!Array.isArray(args)) fail('REDUCE arguments are not a tuple');
  const a = args as unknown[];
  switch ((fn as Global).qualified) {
    case 'collections.OrderedDict':
      if (a.length !== 0) fail('OrderedDict is only rebuilt empty, then filled');
      return new OrderedDictValue();
    case 'torch._utils._rebuild_tensor_v2': {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      const [storage, offset] = a;
      if (!storage || (storage as StorageRef).kind !== 'storage') fail('_rebuild_tensor_v2 needs a storage');
      if (!Number.isSafeInteger(offset) || (offset as number) < 0) fail('bad tensor storage offset');
      const shape = intList(a[2], 'size', fail);
      const stride = intList(a[3], 'stride', fail);
      if (shape.length !== stride.length) fail('tensor size and stride differ in length');
      return { kind: 'tensor', storage: storage as StorageRef, offset: offset as number, shape, stride } satisfies TensorRef;
    }
    case 'torch._utils._rebuild_parameter': {
      // (data, requires_grad, backward_hooks): a Parameter is its tensor.
      const t = a[0] as TensorRef | undefined;
      if (!t || t.kind !== 'tensor') fail('_rebuild_parameter needs a tensor');
      return t;
    }
    default:
      return fail(`${(fn as Global).qualified} cannot be called`);
  }
}

/** The top-level dict as str -> tensor entries, in file order; anything else is an error. */
export function stateDictEntries(value: unknown, where: string): [string, TensorRef][] {
  const map = value instanceof OrderedDictValue ? value.entries : value instanceof Map ? value : undefined;
  if (!map) throw new UnpickleError(`${where}: expected a state dict (a dict of tensors) at the top level`);
  const out: [string, TensorRef][] = [];
  for (const [k, v] of map) {
    if (typeof k !== 'string') throw new UnpickleError(`${where}: state dict key ${JSON.stringify(k)} is not a string`);
    if (!v || (v as TensorRef).kind !== 'tensor') throw new UnpickleError(`${where}: "${k}" is not a tensor`);
    out.push([k, v as TensorRef]);
  }
  return out;
}
