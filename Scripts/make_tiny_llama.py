#!/usr/bin/env python3
"""A tiny random Llama in Hugging Face's layout, the same weights as GGUF, and its logits.

Writes Tests/StrataModelsTests/Fixtures/tiny-llama/{config.json, model.safetensors} (the names
and shapes of transformers' LlamaForCausalLM: model.embed_tokens.weight,
model.layers.N.self_attn.{q,k,v,o}_proj.weight, model.layers.N.mlp.{gate,up,down}_proj.weight,
model.layers.N.{input,post_attention}_layernorm.weight, model.norm.weight, lm_head.weight) and
Tests/StrataModelsTests/Fixtures/tiny_llama_reference.json (ids and their logits). The safetensors
file is written here with numpy and json, as the format describes: an 8-byte little-endian header
length, a JSON header of dtype/shape/data_offsets, then the raw little-endian data.

The forward pass is written out in float64 from the definitions, with Hugging Face's rotary
pairing: each head's first half i is rotated with its second half i + d/2 ("rotate_half",
GPT-NeoX style), at angle position · theta^(-2i/d). Grouped-query attention: 4 query heads share
2 key/value heads (query head h reads kv head h // 2). The output head is separate (untied).

It also writes the same model as GGUF with gguf-py's GGUFWriter (tiny-llama.gguf, float32), the
way llama.cpp's converter does: llama.* metadata, ggml tensor names, and the rows of q_proj and
k_proj permuted within each head so that the halves pairing (i, i + d/2) becomes the adjacent
pairing (2i, 2i+1) of ggml's normal rope. Loaded with adjacent pairing it must give the same
logits. Three small malformed GGUFs (tiny-llama-bad-*.gguf) exercise the loader's errors.

    python3 Scripts/make_tiny_llama.py
"""

import json
import math
import os
import struct

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "StrataModelsTests", "Fixtures")

CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_act": "silu",
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "num_hidden_layers": 2,
    "vocab_size": 64,
    "max_position_embeddings": 128,
    "rms_norm_eps": 1e-6,
    "rope_theta": 10000.0,
    "rope_scaling": None,
    "tie_word_embeddings": False,
    "attention_bias": False,
    "mlp_bias": False,
    "torch_dtype": "float32",
    "bos_token_id": 1,
    "eos_token_id": 2,
}

IDS = [1, 17, 42, 5, 63, 0, 29, 8, 8, 50]


def make_weights(rng):
    c, f = CONFIG["hidden_size"], CONFIG["intermediate_size"]
    h, kv = CONFIG["num_attention_heads"], CONFIG["num_key_value_heads"]
    d = c // h
    v = CONFIG["vocab_size"]

    def normal(*shape, std=0.2):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    w = {"model.embed_tokens.weight": normal(v, c, std=1.0)}
    for i in range(CONFIG["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "self_attn.q_proj.weight"] = normal(h * d, c)
        w[p + "self_attn.k_proj.weight"] = normal(kv * d, c)
        w[p + "self_attn.v_proj.weight"] = normal(kv * d, c)
        w[p + "self_attn.o_proj.weight"] = normal(c, h * d)
        w[p + "mlp.gate_proj.weight"] = normal(f, c)
        w[p + "mlp.up_proj.weight"] = normal(f, c)
        w[p + "mlp.down_proj.weight"] = normal(c, f)
        w[p + "input_layernorm.weight"] = (1 + normal(c, std=0.1)).astype(np.float32)
        w[p + "post_attention_layernorm.weight"] = (1 + normal(c, std=0.1)).astype(np.float32)
    w["model.norm.weight"] = (1 + normal(c, std=0.1)).astype(np.float32)
    w["lm_head.weight"] = normal(v, c)
    return w


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name], dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def rmsnorm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rope_halves(x, theta):
    """x: [T, H, D]; rotates (x[i], x[i + D/2]) by position · theta^(-2i/D) (HF rotate_half)."""
    t, _, d = x.shape
    inv = theta ** (-np.arange(0, d, 2, dtype=np.float64) / d)             # [D/2]
    ang = np.arange(t, dtype=np.float64)[:, None] * inv[None, :]           # [T, D/2]
    cos = np.concatenate([np.cos(ang), np.cos(ang)], axis=-1)[:, None, :]  # [T, 1, D]
    sin = np.concatenate([np.sin(ang), np.sin(ang)], axis=-1)[:, None, :]
    rotated = np.concatenate([-x[..., d // 2:], x[..., :d // 2]], axis=-1)
    return x * cos + rotated * sin


def forward(w, ids):
    w = {k: v.astype(np.float64) for k, v in w.items()}
    c, h, kv = CONFIG["hidden_size"], CONFIG["num_attention_heads"], CONFIG["num_key_value_heads"]
    d, eps, theta = c // h, CONFIG["rms_norm_eps"], CONFIG["rope_theta"]
    t = len(ids)
    x = w["model.embed_tokens.weight"][np.array(ids)]
    mask = np.triu(np.full((t, t), -np.inf), k=1)
    for i in range(CONFIG["num_hidden_layers"]):
        p = f"model.layers.{i}."
        n = rmsnorm(x, w[p + "input_layernorm.weight"], eps)
        q = rope_halves((n @ w[p + "self_attn.q_proj.weight"].T).reshape(t, h, d), theta)
        k = rope_halves((n @ w[p + "self_attn.k_proj.weight"].T).reshape(t, kv, d), theta)
        v = (n @ w[p + "self_attn.v_proj.weight"].T).reshape(t, kv, d)
        out = np.empty((t, h, d))
        for head in range(h):
            g = head // (h // kv)
            s = q[:, head] @ k[:, g].T / math.sqrt(d) + mask
            s = np.exp(s - s.max(axis=-1, keepdims=True))
            out[:, head] = (s / s.sum(axis=-1, keepdims=True)) @ v[:, g]
        x = x + out.reshape(t, c) @ w[p + "self_attn.o_proj.weight"].T
        m = rmsnorm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate, up = m @ w[p + "mlp.gate_proj.weight"].T, m @ w[p + "mlp.up_proj.weight"].T
        x = x + (gate / (1 + np.exp(-gate)) * up) @ w[p + "mlp.down_proj.weight"].T
    x = rmsnorm(x, w["model.norm.weight"], eps)
    return x @ w["lm_head.weight"].T


GGUF_NAMES = {
    "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down", "input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm",
}


def permute_rows(w, heads):
    """Hugging Face q/k rows -> GGUF order: within each head, row j of the first half and row j
    of the second half become rows 2j and 2j+1 (what llama.cpp's converter does)."""
    rows = w.shape[0]
    return w.reshape(heads, 2, rows // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def gguf_tensors(weights):
    """The weights under ggml names, q/k permuted."""
    out = {"token_embd.weight": weights["model.embed_tokens.weight"],
           "output_norm.weight": weights["model.norm.weight"],
           "output.weight": weights["lm_head.weight"]}
    for i in range(CONFIG["num_hidden_layers"]):
        for hf, gg in GGUF_NAMES.items():
            w = weights[f"model.layers.{i}.{hf}.weight"]
            if gg == "attn_q":
                w = permute_rows(w, CONFIG["num_attention_heads"])
            elif gg == "attn_k":
                w = permute_rows(w, CONFIG["num_key_value_heads"])
            out[f"blk.{i}.{gg}.weight"] = w
    return out


def write_gguf(path, tensors, layers=None, heads=None):
    import gguf
    w = gguf.GGUFWriter(path, "llama")
    w.add_block_count(layers if layers is not None else CONFIG["num_hidden_layers"])
    w.add_context_length(CONFIG["max_position_embeddings"])
    w.add_embedding_length(CONFIG["hidden_size"])
    w.add_feed_forward_length(CONFIG["intermediate_size"])
    w.add_head_count(heads if heads is not None else CONFIG["num_attention_heads"])
    w.add_head_count_kv(CONFIG["num_key_value_heads"])
    w.add_rope_freq_base(CONFIG["rope_theta"])
    w.add_layer_norm_rms_eps(CONFIG["rms_norm_eps"])
    w.add_rope_dimension_count(CONFIG["hidden_size"] // CONFIG["num_attention_heads"])
    w.add_vocab_size(CONFIG["vocab_size"])
    for name, t in tensors.items():
        w.add_tensor(name, np.ascontiguousarray(t, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    rng = np.random.default_rng(20241128)
    weights = make_weights(rng)
    folder = os.path.join(FIXTURES, "tiny-llama")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(folder, "model.safetensors"), weights)
    tensors = gguf_tensors(weights)
    write_gguf(os.path.join(FIXTURES, "tiny-llama.gguf"), tensors)
    first = {k: tensors[k] for k in ["token_embd.weight", "blk.0.attn_norm.weight", "blk.0.attn_q.weight"]}
    # 5 heads do not divide the width 32.
    write_gguf(os.path.join(FIXTURES, "tiny-llama-bad-heads.gguf"), {"token_embd.weight": tensors["token_embd.weight"]}, heads=5)
    # blk.0.attn_k.weight is missing.
    write_gguf(os.path.join(FIXTURES, "tiny-llama-bad-missing.gguf"), first, layers=1)
    # blk.0.attn_k.weight has the query's shape [32, 32] instead of [16, 32].
    write_gguf(os.path.join(FIXTURES, "tiny-llama-bad-shape.gguf"),
               dict(first, **{"blk.0.attn_k.weight": tensors["blk.0.attn_q.weight"]}), layers=1)
    logits = forward(weights, IDS)
    out = {"source": "Scripts/make_tiny_llama.py", "ids": IDS,
           "logits": {"shape": list(logits.shape), "values": [round(float(v), 7) for v in logits.reshape(-1)]}}
    with open(os.path.join(FIXTURES, "tiny_llama_reference.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote tiny-llama/ and tiny_llama_reference.json; logits", logits.shape)


if __name__ == "__main__":
    main()
