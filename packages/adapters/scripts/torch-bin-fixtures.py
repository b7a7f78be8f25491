"""Writes the adapter_model.bin fixtures (torch.save's zip + pickle format) under test-fixtures/.

Run with a Python that has PyTorch (Debian: apt-get install python3-torch; made with torch 1.13):
    python3 scripts/torch-bin-fixtures.py

- peft_tiny_mha/{smoa,lora}_bin/: the safetensors adapters of peft_tiny_mha/{smoa,lora}/, re-saved the way
  the SMoA authors' save_pretrained does by default (safe_serialization=False: torch.save of a plain dict).
- torch-bin/mixed.bin: an OrderedDict (as nn.Module.state_dict() returns, with its _metadata attribute)
  holding float32, float16, bfloat16 and float64 tensors, a transposed (non-contiguous) view, and two
  tensors sharing one storage; torch-bin/mixed.json lists their values as float32 for the test.
- torch-bin/os_system.bin, torch-bin/eval.bin: archives whose pickle calls os.system / builtins.eval
  when loaded with a plain unpickler (they only echo a word); a safe reader must refuse them.
"""
import collections
import io
import json
import os
import shutil
import struct
import zipfile

import torch

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test-fixtures")
DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    out = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        start, end = info["data_offsets"]
        buf = bytearray(raw[8 + n + start : 8 + n + end])
        out[key] = torch.frombuffer(buf, dtype=DTYPES[info["dtype"]]).reshape(info["shape"]).clone()
    return out


def twin(name):
    src = os.path.join(HERE, "peft_tiny_mha", name)
    dst = os.path.join(HERE, "peft_tiny_mha", f"{name}_bin")
    os.makedirs(dst, exist_ok=True)
    shutil.copy(os.path.join(src, "adapter_config.json"), os.path.join(dst, "adapter_config.json"))
    state = read_safetensors(os.path.join(src, "adapter_model.safetensors"))
    torch.save(dict(state), os.path.join(dst, "adapter_model.bin"))


def mixed():
    g = torch.Generator().manual_seed(0)
    base = torch.randn(4, 6, generator=g)
    shared = torch.randn(10, generator=g)
    d = collections.OrderedDict()
    d["f32"] = base
    d["f16"] = torch.randn(3, 5, generator=g).to(torch.float16)
    d["bf16"] = torch.randn(2, 7, generator=g).to(torch.bfloat16)
    d["f64"] = torch.randn(5, generator=g, dtype=torch.float64)
    d["transposed"] = base.t()  # a view with strides (1, 6) on base's storage
    d["head"] = shared[:4].view(2, 2)
    d["tail"] = shared[6:]  # storage offset 6
    d._metadata = collections.OrderedDict([("", {"version": 1})])  # what state_dict() attaches
    bin_path = os.path.join(HERE, "torch-bin", "mixed.bin")
    torch.save(d, bin_path)
    values = {k: {"shape": list(v.shape), "data": v.float().contiguous().flatten().tolist()} for k, v in d.items()}
    with open(os.path.join(HERE, "torch-bin", "mixed.json"), "w") as f:
        json.dump(values, f, indent=1)
        f.write("\n")


class Eval:
    def __reduce__(self):
        return (eval, ("print('pwned')",))


def hostile():
    torch.save({"x": Eval()}, os.path.join(HERE, "torch-bin", "eval.bin"))
    # os.system pickles as posix.system on Linux; write the classic "os\nsystem" GLOBAL by hand.
    pkl = b"\x80\x02}q\x00X\x01\x00\x00\x00xcos\nsystem\nX\x0b\x00\x00\x00echo pwnedq\x01\x85Rq\x02s."
    with zipfile.ZipFile(os.path.join(HERE, "torch-bin", "os_system.bin"), "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/version", "3\n")


if __name__ == "__main__":
    os.makedirs(os.path.join(HERE, "torch-bin"), exist_ok=True)
    twin("smoa")
    twin("lora")
    mixed()
    hostile()
