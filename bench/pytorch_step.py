"""The PyTorch anchor for `pnpm bench` (bench/pytorch.mjs runs it): the same training step as
bench/train-step.mjs (a Llama-shaped model, LoRA r16 on q,k,v,up,down, AdamW, causal-LM cross-entropy),
written with torch only, so the ratio reads against a mature CPU implementation.

Prints one JSON line: the median step time, the threads, the BLAS library torch really mapped into this
process (from /proc/self/maps, since Debian's torch uses whichever libblas.so.3 the alternatives system
points to) and a matmul throughput as a sanity check of that BLAS.

usage: python3 pytorch_step.py '{"hidden":512,...,"threads":2,"runs":3}'
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

cfg = json.loads(sys.argv[1])
H, L, NH, I, V, T, B = (cfg[k] for k in ("hidden", "layers", "heads", "intermediate", "vocab", "seq", "batch"))
R = cfg.get("r", 16)
THREADS = cfg.get("threads", 1)
RUNS = cfg.get("runs", 3)
torch.set_num_threads(THREADS)
torch.manual_seed(0)
HD = H // NH


def blas_in_use():
    """Which library torch's sgemm_ calls resolve to: dlsym through libtorch_cpu's own handle searches it
    and its dependencies in load order, as the dynamic linker did for torch. (Debian's torch links both
    libblas.so.3 and libopenblas.so.0, so "which BLAS files are mapped" alone cannot tell.)"""
    import ctypes
    import glob

    class DlInfo(ctypes.Structure):
        _fields_ = [("fname", ctypes.c_char_p), ("fbase", ctypes.c_void_p), ("sname", ctypes.c_char_p), ("saddr", ctypes.c_void_p)]

    provider = None
    libs = glob.glob(os.path.join(os.path.dirname(torch.__file__), "lib", "libtorch_cpu.so*"))
    try:
        handle = ctypes.CDLL(libs[0] if libs else None)
        addr = ctypes.cast(handle.sgemm_, ctypes.c_void_p)
        info = DlInfo()
        if ctypes.CDLL(None).dladdr(addr, ctypes.byref(info)) and info.fname:
            provider = os.path.realpath(info.fname.decode())
    except (AttributeError, OSError):
        pass  # no sgemm_ reachable (e.g. a wheel with MKL linked statically)
    mapped = []
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and any(k in os.path.basename(parts[-1]).lower() for k in ("blas", "mkl", "blis")):
                real = os.path.realpath(parts[-1])
                if real not in mapped:
                    mapped.append(real)
    name = (provider or "").lower()
    if "openblas" in name:
        kind = "openblas"
    elif "mkl" in name:
        kind = "mkl"
    elif "blis" in name:
        kind = "blis"
    elif "libblas" in name:
        kind = "reference"  # netlib's reference BLAS (Debian's libblas3): ~30x slower matmul
    elif provider is None and "mkl" in torch.__config__.show().lower() and "blas_info=mkl" in torch.__config__.show().lower():
        kind = "mkl"
    else:
        kind = "unknown"
    return kind, provider, mapped


class LoRALinear(torch.nn.Module):
    def __init__(self, out_f, in_f, lora):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(out_f, in_f) * 0.02, requires_grad=False)
        self.lora = lora
        if lora:
            self.a = torch.nn.Parameter(torch.randn(R, in_f) / math.sqrt(in_f))
            self.b = torch.nn.Parameter(torch.zeros(out_f, R))
            self.scale = 1.0  # alpha / r with alpha = r, as in the JS bench's defaults

    def forward(self, x):
        y = F.linear(x, self.weight)
        if self.lora:
            y = y + F.linear(F.linear(x, self.a), self.b) * self.scale
        return y


def rms(x, w, eps=1e-5):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


pos = torch.arange(T)
inv = 1.0 / (10000 ** (torch.arange(0, HD, 2).float() / HD))
ang = torch.outer(pos.float(), inv)
cos, sin = torch.cat([ang.cos()] * 2, -1), torch.cat([ang.sin()] * 2, -1)


def rope(x):
    x1, x2 = x[..., : HD // 2], x[..., HD // 2 :]
    return x * cos + torch.cat([-x2, x1], -1) * sin


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.q, self.k, self.v = LoRALinear(H, H, True), LoRALinear(H, H, True), LoRALinear(H, H, True)
        self.o = LoRALinear(H, H, False)
        self.gate, self.up, self.down = LoRALinear(I, H, False), LoRALinear(I, H, True), LoRALinear(H, I, True)
        self.n1 = torch.nn.Parameter(torch.ones(H), requires_grad=False)
        self.n2 = torch.nn.Parameter(torch.ones(H), requires_grad=False)

    def forward(self, x):
        h = rms(x, self.n1)
        q, k, v = (p(h).view(B, T, NH, HD).transpose(1, 2) for p in (self.q, self.k, self.v))
        a = F.scaled_dot_product_attention(rope(q), rope(k), v, is_causal=True) if hasattr(F, "scaled_dot_product_attention") else None
        if a is None:
            s = (rope(q) @ rope(k).transpose(-1, -2)) / math.sqrt(HD)
            s = s.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
            a = s.softmax(-1) @ v
        x = x + self.o(a.transpose(1, 2).reshape(B, T, H))
        h = rms(x, self.n2)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Parameter(torch.randn(V, H) * 0.02, requires_grad=False)
        self.blocks = torch.nn.ModuleList(Block() for _ in range(L))
        self.norm = torch.nn.Parameter(torch.ones(H), requires_grad=False)
        self.head = LoRALinear(V, H, False)

    def forward(self, ids):
        x = self.embed[ids]
        for b in self.blocks:
            x = b(x)
        return self.head(rms(x, self.norm))


model = Model()
params = [p for p in model.parameters() if p.requires_grad]
opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.01)
ids = (torch.arange(B * T) * 7919 % V).view(B, T)


def step():
    logits = model(ids)
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), ids[:, 1:].reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss.item()


for _ in range(2):
    step()
times = []
for _ in range(RUNS):
    t0 = time.perf_counter()
    step()
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
med = times[len(times) // 2] if len(times) % 2 else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2

n = 1024
a, b = torch.randn(n, n), torch.randn(n, n)
a @ b
t0 = time.perf_counter()
for _ in range(5):
    a @ b
mm = 5 * 2 * n**3 / ((time.perf_counter() - t0) * 1e9)

kind, provider, libs = blas_in_use()
print(json.dumps({
    "ms": med, "samples": times, "threads": torch.get_num_threads(), "torch": torch.__version__,
    "blas": kind, "sgemmFrom": provider, "blasLibraries": libs, "matmulGflops1024": mm, "trainable": sum(p.numel() for p in params),
}))
