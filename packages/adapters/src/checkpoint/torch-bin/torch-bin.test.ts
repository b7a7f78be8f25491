import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '@smoa/safetensors';
import { fixturePath } from '../../testing/fixtures';
import { readTorchStateDict } from './archive';

const bin = (rel: string) => new Uint8Array(readFileSync(fixturePath(rel)));
const enc = new TextEncoder();
/** A torch-like archive around a hand-written pickle. */
const archive = (pkl: Uint8Array, extra: Record<string, Uint8Array> = {}) => zipSync({ 'archive/data.pkl': pkl, 'archive/version': enc.encode('3\n'), ...extra }, { level: 0 });
const bytes = (...parts: (string | number[])[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...enc.encode(p)] : p)));

describe('adapter_model.bin (torch.save zip + restricted unpickler)', () => {
  it('reads every float dtype, strided views, offsets and shared storages written by torch.save', () => {
    const expected = JSON.parse(readFileSync(fixturePath('torch-bin/mixed.json'), 'utf8')) as Record<string, { shape: number[]; data: number[] }>;
    const got = readTorchStateDict(bin('torch-bin/mixed.bin'), 'mixed.bin');
    expect([...got.keys()]).toEqual(Object.keys(expected));
    for (const [name, { shape, data }] of Object.entries(expected)) {
      expect(got.get(name)!.shape, name).toEqual(shape);
      expect(Array.from(got.get(name)!.data), name).toEqual(data.map(Math.fround));
    }
  });

  it('the authors-style .bin twin holds exactly the safetensors tensors', async () => {
    for (const name of ['smoa', 'lora']) {
      const st = await readSafetensors(readFileSync(fixturePath(`peft_tiny_mha/${name}/adapter_model.safetensors`)), name);
      const got = readTorchStateDict(bin(`peft_tiny_mha/${name}_bin/adapter_model.bin`), name);
      expect([...got.keys()].sort()).toEqual(st.keys().sort());
      for (const key of st.keys()) {
        const want = await st.readFloat32(key);
        expect(got.get(key)!.shape).toEqual(want.shape);
        expect(got.get(key)!.data).toEqual(want.data);
      }
    }
  });

  it('refuses a pickle that would call os.system or eval, naming the global', () => {
    expect(() => readTorchStateDict(bin('torch-bin/os_system.bin'), 'os_system.bin')).toThrow(/os_system\.bin \(data\.pkl\): refused global os\.system/);
    expect(() => readTorchStateDict(bin('torch-bin/eval.bin'), 'eval.bin')).toThrow(/eval\.bin \(data\.pkl\): refused global __builtin__\.eval/);
    // Protocol 4's STACK_GLOBAL and the Python 3 module name go through the same allow-list.
    const stackGlobal = bytes([0x80, 4], [0x8c, 8], 'builtins', [0x8c, 4], 'eval', [0x93], [0x8c, 1], '1', [0x85, 0x52, 0x2e]);
    expect(() => readTorchStateDict(archive(stackGlobal), 'sg.bin')).toThrow(/refused global builtins\.eval/);
  });

  it('refuses opcodes and shapes a state dict never needs, with the file named', () => {
    // INST (protocol 0 object creation) is not interpreted at all.
    expect(() => readTorchStateDict(archive(bytes('(ios\nsystem\n.')), 'inst.bin')).toThrow(/inst\.bin \(data\.pkl\): unsupported pickle opcode 0x69/);
    expect(() => readTorchStateDict(archive(bytes([0x80, 2, 0x5d, 0x2e])), 'list.bin')).toThrow(/list\.bin: expected a state dict/);
    expect(() => readTorchStateDict(archive(bytes([0x80, 2, 0x58, 0xff, 0xff, 0xff, 0x7f]), {}), 'trunc.bin')).toThrow(/trunc\.bin \(data\.pkl\): truncated pickle/);
    expect(() => readTorchStateDict(enc.encode('not a zip at all'), 'junk.bin')).toThrow(/junk\.bin: not a PyTorch zip archive/);
    expect(() => readTorchStateDict(bytes([0x80, 2, 0x8a, 0x0a]), 'legacy.bin')).toThrow(/legacy pre-1\.6 torch\.save format/);
    expect(() => readTorchStateDict(zipSync({ 'a/b': enc.encode('x') }), 'nopkl.bin')).toThrow(/nopkl\.bin: expected one <archive>\/data\.pkl/);
  });

  it('refuses a view that runs past its storage and a storage that is missing', () => {
    // {"w": _rebuild_tensor_v2(storage('0', numel 4), 0, (3, 3), (3, 1), False, OrderedDict())}
    const tensor = (key: string) =>
      bytes(
        [0x80, 2, 0x7d],
        [0x8c, 1],
        'w',
        'ctorch._utils\n_rebuild_tensor_v2\n',
        '((',
        [0x8c, 7],
        'storage',
        'ctorch\nFloatStorage\n',
        [0x8c, 1],
        key,
        [0x8c, 3],
        'cpu',
        [0x4b, 4],
        't',
        [0x51, 0x4b, 0, 0x4b, 3, 0x4b, 3, 0x86, 0x4b, 3, 0x4b, 1, 0x86, 0x89],
        'ccollections\nOrderedDict\n',
        [0x29, 0x52],
        't',
        [0x52, 0x73, 0x2e],
      );
    const storage = { 'archive/data/0': new Uint8Array(16) };
    expect(() => readTorchStateDict(archive(tensor('0'), storage), 'past.bin')).toThrow(/past\.bin: tensor "w": view .* runs past its storage of 4 elements/);
    expect(() => readTorchStateDict(archive(tensor('9'), storage), 'gone.bin')).toThrow(/gone\.bin: tensor "w": its storage data\/9 is missing/);
  });
});
