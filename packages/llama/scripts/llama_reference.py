#!/usr/bin/env python3
"""A float64 numpy reference of Hugging Face's LlamaForCausalLM, and the fixtures it generates.

Writes packages/llama/test-fixtures/generated/<name>/ for configurations the shared parity fixtures do
not cover: config.json, the weights (model.safetensors, or shards with model.safetensors.index.json)
stored as F32, F16 or BF16, and expected.safetensors with
  input_ids [2, T] int32   two prompts, the second left-padded with token 0
  attention_mask [2, T]    1 for tokens, 0 for padding
  logits [2, T, V]         each row's logits computed alone (positions from 0), zeros at padding
  greedy [2, N] int32      N greedy tokens after each prompt alone (full recompute, argmax)
  inv_freq [headDim / 2]   the rotary inverse frequencies (F64)

The reference follows transformers' modeling_llama.py: RMSNorm, rotate-half rotary embeddings with
rope_theta and the "linear" / "llama3" scalings, grouped-query attention, head_dim, attention and MLP
biases, tied or separate lm_head, SwiGLU. Weights are rounded to their storage dtype first, then
everything runs in float64. Needs only numpy; CI does not run it (the fixtures are committed).

Usage: python3 packages/llama/scripts/llama_reference.py [case ...]
"""
import json
import math
import os
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test-fixtures", "generated")


# ---------------------------------------------------------------- the model

def inv_freq(cfg):
    hd = head_dim(cfg)
    inv = 1.0 / (cfg["rope_theta"] ** (np.arange(0, hd, 2, dtype=np.float64) / hd))
    s = cfg.get("rope_scaling")
    if not s:
        return inv
    kind = s.get("rope_type", s.get("type"))
    if kind == "linear":
        return inv / s["factor"]
    if kind == "llama3":
        factor, low, high = s["factor"], s["low_freq_factor"], s["high_freq_factor"]
        old = s["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        scaled = np.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
        return np.where(medium, smoothed, scaled)
    raise ValueError(kind)


def head_dim(cfg):
    return cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]


def rms_norm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rotate_half(x):
    h = x.shape[-1] // 2
    return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)


def linear(W, name, x):
    y = x @ W[name + ".weight"].T
    if name + ".bias" in W:
        y = y + W[name + ".bias"]
    return y


def forward(W, cfg, ids):
    """Logits [T, V] for one unpadded sequence at positions 0..T-1."""
    T = len(ids)
    H, KV, hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], head_dim(cfg)
    eps = cfg["rms_norm_eps"]
    freqs = np.arange(T, dtype=np.float64)[:, None] * inv_freq(cfg)[None, :]
    emb = np.concatenate([freqs, freqs], axis=-1)
    cos, sin = np.cos(emb), np.sin(emb)
    causal = np.triu(np.full((T, T), -np.inf), k=1)
    h = W["model.embed_tokens.weight"][np.asarray(ids)]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}"
        x = rms_norm(h, W[p + ".input_layernorm.weight"], eps)
        q = linear(W, p + ".self_attn.q_proj", x).reshape(T, H, hd).transpose(1, 0, 2)
        k = linear(W, p + ".self_attn.k_proj", x).reshape(T, KV, hd).transpose(1, 0, 2)
        v = linear(W, p + ".self_attn.v_proj", x).reshape(T, KV, hd).transpose(1, 0, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = np.repeat(k, H // KV, axis=0)
        v = np.repeat(v, H // KV, axis=0)
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(hd) + causal
        scores = scores - scores.max(axis=-1, keepdims=True)
        probs = np.exp(scores)
        probs = probs / probs.sum(axis=-1, keepdims=True)
        o = (probs @ v).transpose(1, 0, 2).reshape(T, H * hd)
        h = h + linear(W, p + ".self_attn.o_proj", o)
        x = rms_norm(h, W[p + ".post_attention_layernorm.weight"], eps)
        g = linear(W, p + ".mlp.gate_proj", x)
        u = linear(W, p + ".mlp.up_proj", x)
        h = h + linear(W, p + ".mlp.down_proj", g / (1 + np.exp(-g)) * u)
    h = rms_norm(h, W["model.norm.weight"], eps)
    head = W["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else W["lm_head.weight"]
    return h @ head.T


def greedy(W, cfg, ids, n):
    """n greedy tokens by full recompute, and the smallest top-1 / top-2 logit gap seen."""
    ids = list(ids)
    out, gap = [], float("inf")
    for _ in range(n):
        last = forward(W, cfg, ids)[-1]
        order = np.argsort(-last, kind="stable")
        gap = min(gap, last[order[0]] - last[order[1]])
        out.append(int(order[0]))
        ids.append(int(order[0]))
    return out, gap


# ---------------------------------------------------------------- storage

def round_to(dtype, a):
    """float64 -> values representable in the storage dtype (round to nearest even)."""
    a32 = a.astype(np.float32)
    if dtype == "F32":
        return a32.astype(np.float64)
    if dtype == "F16":
        return a32.astype(np.float16).astype(np.float64)
    if dtype == "BF16":
        bits = a32.view(np.uint32).astype(np.uint64)
        rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint32) << 16
        return rounded.astype(np.uint32).view(np.float32).astype(np.float64)
    raise ValueError(dtype)


def encode(dtype, a):
    if dtype == "F32":
        return a.astype("<f4").tobytes()
    if dtype == "F64":
        return a.astype("<f8").tobytes()
    if dtype == "I32":
        return a.astype("<i4").tobytes()
    if dtype == "F16":
        return a.astype("<f2").tobytes()
    if dtype == "BF16":
        return (a.astype(np.float32).view(np.uint32) >> 16).astype("<u2").tobytes()
    raise ValueError(dtype)


def write_safetensors(path, tensors, metadata=None):
    """tensors: name -> (dtype, array). Names sorted, header padded to 8 bytes, as the reference writer."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        dtype, a = tensors[name]
        data = encode(dtype, np.ascontiguousarray(a))
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)


# ---------------------------------------------------------------- fixtures

def random_weights(cfg, rng, dtype):
    D, I, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    H, KV, hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], head_dim(cfg)
    W = {"model.embed_tokens.weight": rng.normal(0, 1, (V, D))}

    def lin(name, out_f, in_f, bias):
        W[name + ".weight"] = rng.normal(0, 1 / math.sqrt(in_f), (out_f, in_f))
        if bias:
            W[name + ".bias"] = rng.normal(0, 0.1, (out_f,))

    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}"
        W[p + ".input_layernorm.weight"] = 1 + rng.normal(0, 0.1, (D,))
        W[p + ".post_attention_layernorm.weight"] = 1 + rng.normal(0, 0.1, (D,))
        # Qwen2: biases on q/k/v always, none on o_proj (its config has no attention_bias field).
        qwen2 = cfg["model_type"] == "qwen2"
        ab, mb = qwen2 or cfg.get("attention_bias", False), cfg.get("mlp_bias", False)
        lin(p + ".self_attn.q_proj", H * hd, D, ab)
        lin(p + ".self_attn.k_proj", KV * hd, D, ab)
        lin(p + ".self_attn.v_proj", KV * hd, D, ab)
        lin(p + ".self_attn.o_proj", D, H * hd, ab and not qwen2)
        lin(p + ".mlp.gate_proj", I, D, mb)
        lin(p + ".mlp.up_proj", I, D, mb)
        lin(p + ".mlp.down_proj", D, I, mb)
    W["model.norm.weight"] = 1 + rng.normal(0, 0.1, (D,))
    if not cfg["tie_word_embeddings"]:
        lin("lm_head", V, D, False)
    return {k: round_to(dtype, v) for k, v in W.items()}


BASE = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_act": "silu",
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
    "num_hidden_layers": 2,
    "vocab_size": 64,
    "rms_norm_eps": 1e-6,
    "rope_theta": 10000.0,
    "rope_scaling": None,
    "max_position_embeddings": 64,
    "tie_word_embeddings": False,
    "attention_bias": False,
    "mlp_bias": False,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "torch_dtype": "float32",
}

# An override that removes the key from the base config.
ABSENT = object()

# name -> (config overrides, storage dtype, shards)
CASES = {
    "gqa_attention_bias_sharded": ({"hidden_size": 48, "num_attention_heads": 6, "num_key_value_heads": 2, "attention_bias": True}, "F32", 2),
    "tied_mlp_bias": ({"tie_word_embeddings": True, "mlp_bias": True}, "F32", 1),
    "llama3_rope_mqa": ({"hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 1, "rope_theta": 100.0,
                         "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                          "original_max_position_embeddings": 64}}, "F32", 1),
    "linear_rope": ({"rope_theta": 100.0, "rope_scaling": {"type": "linear", "factor": 2.0}}, "F32", 1),
    "bf16_gqa": ({"num_key_value_heads": 2, "torch_dtype": "bfloat16"}, "BF16", 1),
    "fp16": ({"torch_dtype": "float16"}, "F16", 1),
    "explicit_head_dim": ({"num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16}, "F32", 1),
    # Qwen2-style: q/k/v biases without an o_proj bias, tied embeddings, rope_theta 1e6, GQA.
    "qwen2_qkv_bias_tied": ({"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "attention_bias": ABSENT, "mlp_bias": ABSENT,
                             "num_key_value_heads": 2, "rope_theta": 1000000.0, "tie_word_embeddings": True,
                             "use_sliding_window": False, "sliding_window": 4096, "max_window_layers": 2, "torch_dtype": "bfloat16"}, "BF16", 1),
    # Mistral-style: sliding_window longer than every sequence here (longer sequences are refused), GQA.
    "mistral_sliding_window": ({"architectures": ["MistralForCausalLM"], "model_type": "mistral", "attention_bias": ABSENT, "mlp_bias": ABSENT,
                                "num_key_value_heads": 2, "sliding_window": 32}, "F32", 1),
    # Llama 3.2-style: llama3 rope scaling with tied embeddings, GQA and an explicit head_dim, sharded BF16.
    "llama32_tied_llama3_rope": ({"num_key_value_heads": 2, "head_dim": 16, "tie_word_embeddings": True, "rope_theta": 500000.0,
                                  "rope_scaling": {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                                   "original_max_position_embeddings": 16}, "torch_dtype": "bfloat16"}, "BF16", 2),
}

PROMPT_LEN, SHORT_LEN, NEW_TOKENS = 12, 7, 8


def make_case(name, overrides, dtype, shards):
    cfg = {k: v for k, v in {**BASE, **overrides}.items() if v is not ABSENT}
    for seed in range(100):
        rng = np.random.default_rng(1000 + seed)
        W = random_weights(cfg, rng, dtype)
        long = [1] + [int(t) for t in rng.integers(3, cfg["vocab_size"], PROMPT_LEN - 1)]
        short = [1] + [int(t) for t in rng.integers(3, cfg["vocab_size"], SHORT_LEN - 1)]
        g_long, gap_long = greedy(W, cfg, long, NEW_TOKENS)
        g_short, gap_short = greedy(W, cfg, short, NEW_TOKENS)
        # A float32 implementation must reproduce argmax exactly: refuse near-ties.
        if min(gap_long, gap_short) > 1e-2:
            break
    else:
        raise RuntimeError(f"{name}: no seed without near-ties")
    V, T = cfg["vocab_size"], PROMPT_LEN
    ids = np.zeros((2, T), dtype=np.int64)
    mask = np.zeros((2, T), dtype=np.int64)
    logits = np.zeros((2, T, V))
    for b, prompt in enumerate([long, short]):
        ids[b, T - len(prompt):] = prompt
        mask[b, T - len(prompt):] = 1
        logits[b, T - len(prompt):] = forward(W, cfg, prompt)

    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    names = sorted(W)
    if shards == 1:
        write_safetensors(os.path.join(d, "model.safetensors"), {k: (dtype, W[k]) for k in names}, {"format": "pt"})
    else:
        weight_map = {}
        for s in range(shards):
            file = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
            part = names[s::shards]
            write_safetensors(os.path.join(d, file), {k: (dtype, W[k]) for k in part}, {"format": "pt"})
            weight_map.update({k: file for k in part})
        with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": 0}, "weight_map": weight_map}, f, indent=2)
            f.write("\n")
    write_safetensors(os.path.join(d, "expected.safetensors"), {
        "input_ids": ("I32", ids),
        "attention_mask": ("I32", mask),
        "logits": ("F32", logits),
        "greedy": ("I32", np.array([g_long, g_short])),
        "inv_freq": ("F64", inv_freq(cfg)),
    })
    print(f"{name}: seed {1000 + seed}, greedy gaps {gap_long:.3g} / {gap_short:.3g}")


if __name__ == "__main__":
    import sys
    # Names on the command line regenerate only those cases.
    wanted = sys.argv[1:] or list(CASES)
    for name in wanted:
        overrides, dtype, shards = CASES[name]
        make_case(name, overrides, dtype, shards)
