#!/usr/bin/env python3
"""Reference outputs of SmolLM2-135M-Instruct (a Llama-architecture GGUF), computed with numpy.

Writes Tests/StrataModelsTests/Fixtures/smollm2_reference.json, the values the Swift Llama,
tokenizer and perplexity tests compare against. Independent of Strata: the weights are read with
gguf-py (GGUFReader) and dequantised to float32 with gguf.quants.dequantize, the forward pass is
written out here in float64 from the Llama papers' definitions, and the tokenizer is Hugging
Face `tokenizers` built from the GGUF's vocabulary and merges.

    python3 Scripts/llama_reference.py [--model Models/SmolLM2-135M-Instruct.Q4_1.gguf]
                                       [--dump-vocabulary /tmp/smollm2_vocab.json]

The model (Llama 2 style, Touvron et al. 2023):
    x = embed[ids]
    per block:  x += Wo · attention(rope(Wq·n), rope(Wk·n), Wv·n)  with n = rmsnorm(x) · attn_norm
                x += Wdown · (silu(Wgate·m) ∘ Wup·m)               with m = rmsnorm(x) · ffn_norm
    logits = embed · (rmsnorm(x) · output_norm)                   (the output head is tied)
Grouped-query attention: query head h reads key/value head h // (heads / kv_heads).
Rotary embeddings in GGUF llama files rotate ADJACENT pairs (2i, 2i+1) of each head by angle
pos · base^(-2i/d): llama.cpp's converter permutes the rows of Hugging Face's q_proj/k_proj
(which rotate the halves (i, i + d/2), "NeoX" style) so that ggml's normal rope applies.

Greedy decoding recomputes the whole sequence at every step (no key/value cache), so the Swift
cache is checked against a computation without one.

Perplexity: the text's tokens (no BOS: add_bos_token is false) are scored in one window when they
fit the context (every token after the first is predicted); `windowed` repeats llama.cpp's
perplexity tool for a small context: non-overlapping windows of n_ctx tokens, the tail that does
not fill a window dropped, and in each window only the predictions of tokens n_ctx/2 + 1 ..< n_ctx
counted.
"""

import argparse
import json
import math
import os

import numpy as np
import gguf
from gguf import GGUFReader
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, AddedToken

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "StrataModelsTests", "Fixtures")

# Texts the tokenizer must get exactly right: accents, emoji (with a skin-tone modifier),
# CJK, runs of spaces/newlines/tabs, digit runs (split one digit at a time by "smollm"),
# contractions, code, a no-break space and chat markup with special tokens.
HARD_TEXTS = [
    "Hello, world!",
    "The café in Zürich serves crème brûlée; naïve façades, São Paulo, Ångström.",
    "Emoji: 👋🏽 🎉🎉 ❤️ 🇫🇷 done",
    "日本語のテキストと中文字符，한국어도 있어요。",
    "Numbers 1234567890, 3.14159 and 2024-11-28 cost $1,299.99 (or 12%).",
    "spaces:  two   three    four\ttab\t\ttabs\n\nnewlines\n \n  end  ",
    "I'm sure they'll say it's fine, we've done what we'd planned, you're right.",
    "def square(x):\n    return x ** 2  # squared\n\nprint([square(i) for i in range(10)])\n",
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "no\u00a0break\u00a0space and a zero\u200bwidth joiner",
    "ALL CAPS, MiXeD cAsE, and under_score-words/slashes",
    "   leading spaces and trailing spaces   ",
]

CHAT_SYSTEM_DEFAULT = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"

GREEDY_STEPS = 24


def chatml(messages, add_generation_prompt=True):
    """The GGUF's ChatML template, written out: a default system message first when the
    conversation does not start with one, then <|im_start|>role\\ncontent<|im_end|>\\n each."""
    out = ""
    if messages[0]["role"] != "system":
        out += "<|im_start|>system\n" + CHAT_SYSTEM_DEFAULT + "<|im_end|>\n"
    for m in messages:
        out += "<|im_start|>" + m["role"] + "\n" + m["content"] + "<|im_end|>\n"
    if add_generation_prompt:
        out += "<|im_start|>assistant\n"
    return out


# MARK: - GGUF

def field(reader, key):
    return reader.fields[key].contents()


def load_model(path):
    reader = GGUFReader(path)
    assert field(reader, "general.architecture") == "llama"
    cfg = {
        "layers": int(field(reader, "llama.block_count")),
        "width": int(field(reader, "llama.embedding_length")),
        "hidden": int(field(reader, "llama.feed_forward_length")),
        "heads": int(field(reader, "llama.attention.head_count")),
        "kv_heads": int(field(reader, "llama.attention.head_count_kv")),
        "eps": float(field(reader, "llama.attention.layer_norm_rms_epsilon")),
        "rope_base": float(field(reader, "llama.rope.freq_base")),
        "context": int(field(reader, "llama.context_length")),
    }
    weights = {}
    for t in reader.tensors:
        # dequantize gives [ne1, ne0] (rows, columns): ggml's ne0 is the fastest axis.
        w = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float64)
        weights[t.name] = w.reshape([int(n) for n in reversed(t.shape)]) if w.ndim > 1 else w.reshape(-1)
    vocab = {
        "tokens": [str(s) for s in field(reader, "tokenizer.ggml.tokens")],
        "token_type": [int(v) for v in field(reader, "tokenizer.ggml.token_type")],
        "merges": [str(s) for s in field(reader, "tokenizer.ggml.merges")],
        "pre": field(reader, "tokenizer.ggml.pre"),
        "eos": int(field(reader, "tokenizer.ggml.eos_token_id")),
    }
    return cfg, weights, vocab


# MARK: - Tokenizer

def build_tokenizer(vocab, special):
    """Hugging Face BPE over the GGUF's vocabulary: byte-level, no prefix space, SmolLM's
    pre-tokenizer (each digit alone, then GPT-2's pattern). With `special`, the control tokens
    (token_type 3) are recognised in the text."""
    assert vocab["pre"] == "smollm"
    ids = {tok: i for i, tok in enumerate(vocab["tokens"])}
    merges = [tuple(m.split(" ")) for m in vocab["merges"]]
    tok = Tokenizer(models.BPE(ids, merges, fuse_unk=False))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    if special:
        tok.add_special_tokens([AddedToken(t, special=True, normalized=False)
                                for t, kind in zip(vocab["tokens"], vocab["token_type"]) if kind == 3])
    return tok


# MARK: - Forward pass (float64)

def rmsnorm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rope_adjacent(x, base):
    """x: [T, H, D]; rotates pairs (2i, 2i+1) by position · base^(-2i/D)."""
    t, _, d = x.shape
    inv = base ** (-np.arange(0, d, 2, dtype=np.float64) / d)            # [D/2]
    ang = np.arange(t, dtype=np.float64)[:, None] * inv[None, :]          # [T, D/2]
    cos, sin = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    a, b = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = a * cos - b * sin
    out[..., 1::2] = a * sin + b * cos
    return out


def forward(cfg, w, ids, last_only=False):
    """Logits [T, vocab] (or [1, vocab] for the last position) of token ids [T]."""
    t = len(ids)
    heads, kvh = cfg["heads"], cfg["kv_heads"]
    d = cfg["width"] // heads
    group = heads // kvh
    emb = w["token_embd.weight"]                                            # [V, C]
    x = emb[np.array(ids)]                                                  # [T, C]
    causal = np.triu(np.full((t, t), -np.inf), k=1)
    for i in range(cfg["layers"]):
        p = f"blk.{i}."
        n = rmsnorm(x, w[p + "attn_norm.weight"], cfg["eps"])
        q = (n @ w[p + "attn_q.weight"].T).reshape(t, heads, d)
        k = (n @ w[p + "attn_k.weight"].T).reshape(t, kvh, d)
        v = (n @ w[p + "attn_v.weight"].T).reshape(t, kvh, d)
        q, k = rope_adjacent(q, cfg["rope_base"]), rope_adjacent(k, cfg["rope_base"])
        out = np.empty((t, heads, d))
        for h in range(heads):
            kv = h // group
            s = q[:, h, :] @ k[:, kv, :].T / math.sqrt(d) + causal          # [T, T]
            s = np.exp(s - s.max(axis=-1, keepdims=True))
            s /= s.sum(axis=-1, keepdims=True)
            out[:, h, :] = s @ v[:, kv, :]
        x = x + out.reshape(t, heads * d) @ w[p + "attn_output.weight"].T
        m = rmsnorm(x, w[p + "ffn_norm.weight"], cfg["eps"])
        gate = m @ w[p + "ffn_gate.weight"].T
        up = m @ w[p + "ffn_up.weight"].T
        x = x + (gate / (1 + np.exp(-gate)) * up) @ w[p + "ffn_down.weight"].T
    x = rmsnorm(x, w["output_norm.weight"], cfg["eps"])
    if last_only:
        x = x[-1:]
    return x @ emb.T


def log_softmax(logits):
    m = logits.max(axis=-1, keepdims=True)
    return logits - m - np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))


def top(logits, k):
    order = np.argsort(-logits, kind="stable")[:k]
    return [int(i) for i in order], [round(float(logits[i]), 5) for i in order]


def greedy(cfg, w, prompt_ids, eos):
    ids = list(prompt_ids)
    steps = []
    first = None
    for _ in range(GREEDY_STEPS):
        logits = forward(cfg, w, ids, last_only=True)[0]
        if first is None:
            first = logits
        order = np.argsort(-logits, kind="stable")[:2]
        steps.append({"id": int(order[0]), "gap": round(float(logits[order[0]] - logits[order[1]]), 5)})
        ids.append(int(order[0]))
        if int(order[0]) == eos:
            break
    return first, steps


def perplexity(cfg, w, ids, context):
    """(scored tokens, mean NLL) as described in the module doc."""
    if len(ids) <= context:
        lp = log_softmax(forward(cfg, w, ids))
        nll = [-lp[i, ids[i + 1]] for i in range(len(ids) - 1)]
    else:
        nll = []
        first = context // 2
        for c in range(len(ids) // context):
            window = ids[c * context:(c + 1) * context]
            lp = log_softmax(forward(cfg, w, window))
            nll += [-lp[i, window[i + 1]] for i in range(first, context - 1)]
    return len(nll), float(np.mean(nll))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=os.path.join(ROOT, "Models", "SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--out", default=os.path.join(FIXTURES, "smollm2_reference.json"))
    ap.add_argument("--dump-vocabulary", help="also write the GGUF's tokens, token types and merges as JSON here")
    args = ap.parse_args()

    cfg, w, vocab = load_model(args.model)
    if args.dump_vocabulary:
        with open(args.dump_vocabulary, "w", encoding="utf-8") as f:
            json.dump({"tokens": vocab["tokens"], "token_type": vocab["token_type"], "merges": vocab["merges"]},
                      f, ensure_ascii=False)
    plain, chat_tok = build_tokenizer(vocab, special=False), build_tokenizer(vocab, special=True)

    tokenizer_cases = []
    for text in HARD_TEXTS:
        ids = chat_tok.encode(text, add_special_tokens=False).ids
        plain_ids = plain.encode(text, add_special_tokens=False).ids
        assert plain.decode(plain_ids, skip_special_tokens=False) == text, text
        tokenizer_cases.append({"text": text, "ids_special": ids, "ids_plain": plain_ids})

    prompts = [
        {"name": "france", "text": "The capital of France is", "chat": False},
        {"name": "story", "text": "Once upon a time, in a small village by the sea,", "chat": False},
        {"name": "code", "text": "def fibonacci(n):\n", "chat": False},
        {"name": "water", "text": "Water boils at a temperature of", "chat": False},
        {"name": "chat", "text": chatml([{"role": "user", "content": "What is the capital of France?"}]), "chat": True},
    ]
    generations = []
    for p in prompts:
        ids = (chat_tok if p["chat"] else plain).encode(p["text"], add_special_tokens=False).ids
        logits, steps = greedy(cfg, w, ids, vocab["eos"])
        top_ids, top_values = top(logits, 10)
        generated = [s["id"] for s in steps]
        generations.append({
            "name": p["name"], "prompt": p["text"], "chat": p["chat"], "prompt_ids": ids,
            "last_logits_top_ids": top_ids, "last_logits_top_values": top_values,
            "greedy": steps,
            "greedy_text": chat_tok.decode(generated, skip_special_tokens=False),
        })
        print(f"{p['name']}: {generations[-1]['greedy_text']!r}  min gap {min(s['gap'] for s in steps):.3f}")

    with open(os.path.join(FIXTURES, "perplexity.txt"), encoding="utf-8") as f:
        text = f.read()
    ids = plain.encode(text, add_special_tokens=False).ids
    n, mean = perplexity(cfg, w, ids, cfg["context"])
    window = 128
    wn, wmean = perplexity(cfg, w, ids, window)
    print(f"perplexity: {len(ids)} tokens, {n} scored, mean NLL {mean:.5f}, perplexity {math.exp(mean):.4f}")
    print(f"windowed (n_ctx {window}): {wn} scored, mean NLL {wmean:.5f}, perplexity {math.exp(wmean):.4f}")

    out = {
        "source": "Scripts/llama_reference.py",
        "model": os.path.basename(args.model),
        "tokenizer": tokenizer_cases,
        "generations": generations,
        "perplexity": {
            "file": "perplexity.txt", "token_count": len(ids), "ids": ids,
            "whole": {"context": cfg["context"], "tokens": n, "mean_nll": round(mean, 6), "perplexity": round(math.exp(mean), 5)},
            "windowed": {"context": window, "tokens": wn, "mean_nll": round(wmean, 6), "perplexity": round(math.exp(wmean), 5)},
        },
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.relpath(args.out, ROOT))


if __name__ == "__main__":
    main()
