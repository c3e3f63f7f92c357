#!/usr/bin/env python3
"""Reference outputs for Strata's BERT sentence encoder (all-MiniLM-L6-v2), independent of Strata.

Writes Tests/StrataModelsTests/Fixtures/minilm_reference.json with:

  tokenizer.cases   token ids from Hugging Face `tokenizers` (the Rust BertNormalizer,
                    BertPreTokenizer, WordPiece and [CLS]/[SEP] template read from the
                    model's tokenizer.json) for a set of hard texts: accents, emoji, CJK,
                    Korean, runs of spaces and digits, punctuation clusters, URLs, mixed case,
                    over-long words, control characters, special tokens written in the text.
                    Truncation and padding (128 in that file) are switched off.
  sentences         for a few sentences of different lengths (one longer than 256 tokens, cut
                    to the 256 of sentence_bert_config.json): the ids, and the embedding from
                    a BERT forward pass written out below in numpy (float64 arithmetic on the
                    float32 weights), mean-pooled over the attention mask and L2-normalised,
                    as modules.json and 1_Pooling/config.json ask. Rounded to 6 decimals.
  pair              the cosine of "A man is eating food." and "A man is eating a piece of
                    bread." (sentence-transformers documents 0.7553 for this model).

The weights are read straight from model.safetensors (8-byte little-endian header length,
JSON header, raw little-endian data); neither torch nor transformers is used.

    python3 Scripts/bert_reference.py [MODEL_DIR]     # default Models/all-MiniLM-L6-v2
"""

import json
import math
import os
import struct
import sys

import numpy as np
from tokenizers import Tokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "StrataModelsTests", "Fixtures", "minilm_reference.json")

HARD_TEXTS = [
    "café naïve Ångström résumé Crème Brûlée",
    "e\u0301cole de\u0301ja\u0300 vu (decomposed accents)",
    "I love pizza 🍕😀 and thumbs 👍🏽 up!",
    "中文字符 and 日本語のテキスト mixed",
    "한국어 텍스트 안녕하세요",
    "lots     of\t\tspaces\n\nand   newlines   ",
    "1234567890123 3.14159 1,000,000 $42.50 50%",
    "Wait... what?!?! (really) [sic] {ok} <tag> --- *** ~~ @#^&",
    "https://example.com/path/to/page?query=1&x=y#frag user.name@mail.org",
    "MiXeD CaSe WoRdS iPhone McDonald's O'Neill DON'T",
    "a" * 120 + " supercalifragilisticexpialidocious pneumonoultramicroscopicsilicovolcanoconiosis",
    "tab\there\u0000nul\u0007bell\u200bzero\ufeffbom\ufffdrepl\u00adsoft\x0bvt\x85nel\u2028ls",
    "hello [MASK] world[SEP]and [UNK] [mask]",
    "Ελληνικά Русский текст العربية עברית",
    "ﬁ ligature Ǆ İstanbul Straße ΣΑΣ Kelvin\u212a",
    "ภาษาไทย हिन्दी ২০২৪ tiếng Việt",
    "☃ ♞ ⚡ ∑ ∞ ≠ → ™ © ® ° ± ½",
    "“curly quotes” ‘single’ — en–dash … ellipsis ¿qué? ¡sí!",
    "",
    "   \t  ",
    "A man is eating food.",
    "A man is eating a piece of bread.",
]

LONG_SENTENCE = " ".join(
    ["The quick brown fox jumps over the lazy dog while the committee deliberates on budgets."] * 24)

SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "Hi",
    "The new movie is awesome, and the soundtrack was composed by a Grammy-winning artist.",
    "Swift is a general-purpose programming language built using a modern approach to safety, "
    "performance, and software design patterns; it was introduced at WWDC in 2014.",
    "Café au lait, naïve résumé — 中文 and emoji 🍕!",
    LONG_SENTENCE,
]


def read_safetensors(path):
    """name -> float64 array, from the raw file (F32, F16 and BF16 accepted)."""
    with open(path, "rb") as f:
        blob = f.read()
    (header_length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + header_length])
    data = memoryview(blob)[8 + header_length:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = data[begin:end]
        if info["dtype"] == "F32":
            values = np.frombuffer(raw, dtype="<f4")
        elif info["dtype"] == "F16":
            values = np.frombuffer(raw, dtype="<f2")
        elif info["dtype"] == "BF16":
            values = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            continue  # e.g. the int64 embeddings.position_ids buffer
        tensors[name] = values.reshape(info["shape"]).astype(np.float64)
    return tensors


def layer_norm(x, weight, bias, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


_erf = np.frompyfunc(math.erf, 1, 1)


def gelu(x):
    """The exact GELU BERT uses: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2))."""
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))


def bert_forward(w, config, ids):
    """Last hidden states [T, hidden] of one unpadded sequence (token type 0 throughout)."""
    t = len(ids)
    heads = config["num_attention_heads"]
    hidden = config["hidden_size"]
    d = hidden // heads
    eps = config["layer_norm_eps"]
    x = (w["embeddings.word_embeddings.weight"][ids]
         + w["embeddings.position_embeddings.weight"][:t]
         + w["embeddings.token_type_embeddings.weight"][0])
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."

        def dense(name, v):
            return v @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        q = dense("attention.self.query", x).reshape(t, heads, d).transpose(1, 0, 2)   # [H, T, d]
        k = dense("attention.self.key", x).reshape(t, heads, d).transpose(1, 0, 2)
        v = dense("attention.self.value", x).reshape(t, heads, d).transpose(1, 0, 2)
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(d)                                # [H, T, T]
        scores -= scores.max(axis=-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=-1, keepdims=True)
        context = (probs @ v).transpose(1, 0, 2).reshape(t, hidden)                      # [T, hidden]
        x = layer_norm(dense("attention.output.dense", context) + x,
                       w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        h = gelu(dense("intermediate.dense", x))
        x = layer_norm(dense("output.dense", h) + x,
                       w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    return x


def embed(w, config, ids):
    """Mean over the tokens (no padding here, so every token counts), then L2 normalisation."""
    pooled = bert_forward(w, config, ids).mean(axis=0)
    return pooled / max(np.linalg.norm(pooled), 1e-12)


def main():
    model_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Models", "all-MiniLM-L6-v2")
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    with open(os.path.join(model_dir, "sentence_bert_config.json")) as f:
        max_length = json.load(f)["max_seq_length"]
    with open(os.path.join(model_dir, "1_Pooling", "config.json")) as f:
        pooling = json.load(f)
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]

    tokenizer = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    cases = [{"text": text, "ids": tokenizer.encode(text).ids} for text in HARD_TEXTS]

    weights = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    sentences = []
    for text in SENTENCES:
        ids = tokenizer.encode(text).ids
        truncated = len(ids) > max_length
        if truncated:
            ids = ids[:max_length - 1] + [ids[-1]]   # keep [SEP] last, as sentence-transformers does
        vector = embed(weights, config, np.array(ids))
        sentences.append({"text": text, "ids": ids, "truncated": truncated,
                          "embedding": [round(float(v), 6) for v in vector]})
        print(f"{len(ids):4d} tokens{' (truncated)' if truncated else ''}: {text[:60]!r}", file=sys.stderr)

    a, b = (np.array(s["embedding"]) for s in sentences[:2])
    cosine = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    print(f"cosine({SENTENCES[0]!r}, {SENTENCES[1]!r}) = {cosine:.4f}", file=sys.stderr)

    fixture = {
        "source": "Scripts/bert_reference.py (HF tokenizers " + __import__("tokenizers").__version__
                  + ", numpy " + np.__version__ + ")",
        "model": os.path.basename(os.path.normpath(model_dir)),
        "max_seq_length": max_length,
        "tokenizer": {"cases": cases},
        "sentences": sentences,
        "pair": {"a": SENTENCES[0], "b": SENTENCES[1], "cosine": round(cosine, 6)},
    }
    tmp = OUT + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=True, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, OUT)
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
