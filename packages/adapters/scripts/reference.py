"""Float64 reference outputs for @smoa/adapters tests, computed from the definitions in the SMoA spec
(not from our TypeScript). Run: python3 scripts/reference.py  (numpy only). Writes
test-fixtures/reference/<case>.safetensors: weight [out, in] (float32), optional bias, x, each adapter
weight under its PEFT key, delta (scaled update, float32) and y = x (W + delta)^T + b; SMoA spectral
blocks also get rows.k / cols.k (int32) and the smallest score gap; PiSSA gets lowrank = s * B0 A0.
Metadata "config" holds the adapter config in the TypeScript API's own field names.
"""
import json
import os
import struct

import numpy as np

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test-fixtures", "reference")


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name])
        dtype = {np.dtype(np.float32): "F32", np.dtype(np.int32): "I32"}[arr.dtype]
        data = arr.tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def split_sizes(n, k):
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def ranks(r, k, given=None):
    return list(given) if given is not None else split_sizes(r, k)


def svd64(w):
    return np.linalg.svd(w.astype(np.float64), full_matrices=False)


def scores(x, s):
    e = x ** 2 * s ** 2
    den = e.sum(1)
    num = (e * np.arange(len(s))).sum(1)
    # The authors' code clamps the denominator at float32 epsilon in absolute terms (see order.ts).
    return num / np.maximum(den, np.finfo(np.float32).eps)


def spectral_orders(w):
    u, s, vt = svd64(w)
    rs, cs = scores(u, s), scores(vt.T, s)
    return np.argsort(rs, kind="stable"), np.argsort(cs, kind="stable"), rs, cs


def min_gap(sc):
    v = np.sort(sc)
    return float(np.min(np.diff(v))) if len(v) > 1 else float("inf")


def kaiming(rng, rows, fan_in):
    b = 1 / np.sqrt(fan_in)
    return rng.uniform(-b, b, (rows, fan_in))


def f32(a):
    return np.asarray(a, dtype=np.float32)


def smoa_blocks(rng, w, cfg):
    out, inn = w.shape
    k, r = cfg["numBlocks"], cfg["r"]
    rk = ranks(r, k, cfg.get("branchRanks"))
    ro, co, rs, cs = spectral_orders(w)
    rows, cols = np.array_split(ro, k), np.array_split(co, k)
    w64 = w.astype(np.float64)
    delta = np.zeros_like(w64)
    params, extra = {}, {}
    for i in range(k):
        extra[f"rows.{i}"] = rows[i].astype(np.int32)
        extra[f"cols.{i}"] = cols[i].astype(np.int32)
        if rk[i] == 0:
            continue
        a = f32(kaiming(rng, rk[i], len(cols[i]))).astype(np.float64)
        b = f32(rng.normal(0, 0.5, (len(rows[i]), rk[i]))).astype(np.float64)
        params[f"lora_A.{i}.weight"], params[f"lora_B.{i}.weight"] = a, b
        delta[np.ix_(rows[i], cols[i])] = (b @ a) * w64[np.ix_(rows[i], cols[i])]
    delta *= cfg.get("alpha", r) / r
    extra_meta = {"min_score_gap": min(min_gap(rs), min_gap(cs))}
    return delta, params, extra, extra_meta


def energy_groups(s, k):
    q = len(s)
    total = s.sum()
    if not total > 0:
        return np.concatenate([[0], np.cumsum(split_sizes(q, k))])
    e = np.cumsum(s) / total
    g = np.clip(np.ceil(e * k - 1e-12) - 1, 0, k - 1).astype(int)
    b = [0] + [int((g < i).sum()) for i in range(1, k)] + [q]
    for i in range(1, k):
        b[i] = max(b[i], b[i - 1] + 1)
    for i in range(k - 1, 0, -1):
        b[i] = min(b[i], b[i + 1] - 1)
    return b


def smoa_subspaces(rng, w, cfg):
    out, inn = w.shape
    k, r = cfg["numBlocks"], cfg["r"]
    rk = ranks(r, k, cfg.get("branchRanks"))
    u, s, vt = svd64(w)
    b_ = energy_groups(s, k)
    delta = np.zeros((out, inn))
    params = {}
    for i in range(k):
        if rk[i] == 0:
            continue
        lo, hi = b_[i], b_[i + 1]
        m = u[:, lo:hi] @ np.diag(s[lo:hi]) @ vt[lo:hi]
        a = f32(kaiming(rng, rk[i], inn)).astype(np.float64)
        bb = f32(rng.normal(0, 0.5, (out, rk[i]))).astype(np.float64)
        params[f"lora_A.{i}.weight"], params[f"lora_B.{i}.weight"] = a, bb
        delta += (bb @ a) * m
    return delta * cfg.get("alpha", r) / r, params, {}, {"groups": [int(x) for x in b_]}


def lora(rng, w, cfg):
    out, inn = w.shape
    r = cfg["r"]
    alpha = cfg.get("alpha", r)
    scale = alpha / np.sqrt(r) if cfg.get("rslora") else alpha / r
    a = f32(kaiming(rng, r, inn)).astype(np.float64)
    b = f32(rng.normal(0, 0.5, (out, r))).astype(np.float64)
    return scale * b @ a, {"lora_A.weight": a, "lora_B.weight": b}, {}, {}


def hira(rng, w, cfg):
    out, inn = w.shape
    r = cfg["r"]
    a = f32(kaiming(rng, r, inn)).astype(np.float64)
    b = f32(rng.normal(0, 0.5, (out, r))).astype(np.float64)
    return cfg.get("alpha", r) / r * (b @ a) * w.astype(np.float64), {"lora_A.weight": a, "lora_B.weight": b}, {}, {}


def melora(rng, w, cfg):
    out, inn = w.shape
    k, r = cfg["numBlocks"], cfg["r"]
    alpha = cfg.get("alpha", r)
    rk = ranks(r, k)
    rb = np.concatenate([[0], np.cumsum(split_sizes(out, k))])
    cb = np.concatenate([[0], np.cumsum(split_sizes(inn, k))])
    delta = np.zeros((out, inn))
    params = {}
    for i in range(k):
        if rk[i] == 0:
            continue
        a = f32(kaiming(rng, rk[i], cb[i + 1] - cb[i])).astype(np.float64)
        b = f32(rng.normal(0, 0.5, (rb[i + 1] - rb[i], rk[i]))).astype(np.float64)
        params[f"lora_A.{i}.weight"], params[f"lora_B.{i}.weight"] = a, b
        delta[rb[i]:rb[i + 1], cb[i]:cb[i + 1]] = alpha / rk[i] * b @ a
    return delta, params, {}, {}


def dora(rng, w, cfg):
    out, inn = w.shape
    r = cfg["r"]
    alpha = cfg.get("alpha", r)
    scale = alpha / np.sqrt(r) if cfg.get("rslora") else alpha / r
    w64 = w.astype(np.float64)
    a = f32(kaiming(rng, r, inn)).astype(np.float64)
    b = f32(rng.normal(0, 0.5, (out, r))).astype(np.float64)
    m = f32(np.linalg.norm(w64, axis=1) * rng.uniform(0.5, 1.5, out)).astype(np.float64)
    v = w64 + scale * b @ a
    wp = m[:, None] * v / np.linalg.norm(v, axis=1, keepdims=True)
    return wp - w64, {"lora_A.weight": a, "lora_B.weight": b, "lora_magnitude_vector": m}, {}, {}


def pissa(rng, w, cfg):
    r = cfg["r"]
    alpha = cfg.get("alpha", r)
    u, s, vt = svd64(w)
    lowrank = u[:, :r] @ np.diag(s[:r]) @ vt[:r]
    # Trained factors replace the initial ones: dW = s B A + (W_res - W) with W_res = W - lowrank.
    delta, params, _, _ = lora(rng, w, {**cfg, "init": "default"})
    return delta - lowrank, params, {"lowrank": f32(lowrank)}, {}


METHODS = {"smoa_blocks": smoa_blocks, "smoa_subspaces": smoa_subspaces, "lora": lora, "hira": hira, "melora": melora, "dora": dora, "pissa": pissa}

CASES = [
    ("smoa_out_gt_in_k3", "smoa_blocks", 48, 32, {"method": "smoa", "r": 7, "numBlocks": 3, "alpha": 14}, True),
    ("smoa_out_lt_in_k4", "smoa_blocks", 24, 40, {"method": "smoa", "r": 8, "numBlocks": 4}, False),
    ("smoa_k1", "smoa_blocks", 20, 30, {"method": "smoa", "r": 4, "numBlocks": 1, "alpha": 2}, False),
    ("smoa_k2_zero_rank_uneven", "smoa_blocks", 33, 27, {"method": "smoa", "r": 5, "numBlocks": 2, "branchRanks": [5, 0], "alpha": 10}, True),
    ("smoa_k3_branch_ranks", "smoa_blocks", 50, 45, {"method": "smoa", "r": 7, "numBlocks": 3, "branchRanks": [1, 4, 2]}, False),
    ("smoa_subspaces_k2", "smoa_subspaces", 36, 28, {"method": "smoa", "r": 6, "numBlocks": 2, "partition": "subspaces", "alpha": 12}, False),
    ("smoa_subspaces_k3_zero_rank", "smoa_subspaces", 28, 40, {"method": "smoa", "r": 5, "numBlocks": 3, "branchRanks": [2, 0, 3], "partition": "subspaces"}, True),
    ("lora", "lora", 30, 20, {"method": "lora", "r": 4, "alpha": 8}, True),
    ("rslora", "lora", 30, 20, {"method": "lora", "r": 4, "alpha": 8, "rslora": True}, False),
    ("hira", "hira", 24, 36, {"method": "hira", "r": 3, "alpha": 6}, False),
    ("melora_k3", "melora", 40, 31, {"method": "melora", "r": 6, "numBlocks": 3, "alpha": 12}, True),
    ("dora", "dora", 20, 32, {"method": "dora", "r": 4, "alpha": 8}, True),
    ("pissa", "pissa", 30, 24, {"method": "lora", "r": 5, "alpha": 10, "init": "pissa"}, False),
]


def near_tie_weight(rng, out, inn, eps):
    # Row 1 repeats row 0 and column 1 repeats column 0 up to a float32-representable nudge, so their
    # scores differ by O(eps): float32 arithmetic cannot be trusted to order them.
    w = rng.normal(0, 1, (out, inn))
    w[1] = w[0] * (1 + eps)
    w[:, 1] = w[:, 0] * (1 - eps)
    w[1, 3] += 3 * eps
    return f32(w)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    cases = list(CASES) + [("smoa_near_tie", "smoa_blocks", 40, 48, {"method": "smoa", "r": 6, "numBlocks": 2}, False)]
    for seed, (name, kind, out, inn, cfg, with_bias) in enumerate(cases):
        rng = np.random.default_rng(1000 + seed)
        w = near_tie_weight(rng, out, inn, 2e-6) if name == "smoa_near_tie" else f32(rng.normal(0, 1, (out, inn)) / np.sqrt(inn))
        bias = f32(rng.normal(0, 0.1, out)) if with_bias else None
        delta, params, extra, meta = METHODS[kind](rng, w, cfg)
        x = f32(rng.normal(0, 1, (7, inn)))
        y = x.astype(np.float64) @ (w.astype(np.float64) + delta).T
        if bias is not None:
            y += bias
        tensors = {"weight": w, "x": x, "delta": f32(delta), "y": f32(y), **{k: f32(v) for k, v in params.items()}, **extra}
        if bias is not None:
            tensors["bias"] = bias
        metadata = {"config": json.dumps(cfg), "out_features": str(out), "in_features": str(inn), **{k: json.dumps(v) for k, v in meta.items()}}
        write_safetensors(os.path.join(OUT_DIR, f"{name}.safetensors"), tensors, metadata)
        print(name, out, inn, {k: v for k, v in meta.items()})


if __name__ == "__main__":
    main()
