"""A tiny random GPT-2 in Hugging Face's own format, and its logits and greedy tokens from
Hugging Face transformers (an implementation independent of Strata), for GPT2HuggingFaceTests.

Run with a Python that has torch and transformers (they are not needed by the tests):
    /opt/torchenv/bin/python Scripts/make_gpt2_fixture.py
Writes Tests/StrataModelsTests/Fixtures/tiny-gpt2/ (config.json, model.safetensors, vocab.json,
merges.txt: what `save_pretrained` and a GPT-2 tokenizer folder hold) and
Tests/StrataModelsTests/Fixtures/tiny_gpt2_reference.json.

The vocabulary is GPT-2's byte-level alphabet (256 one-byte tokens), a few merges and
<|endoftext|>, so that any text encodes; the weights are GPT-2's initialisation with a fixed seed.
"""
import json
import os

import torch
from transformers import GPT2Config, GPT2LMHeadModel

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "StrataModelsTests", "Fixtures")
OUT = os.path.join(ROOT, "tiny-gpt2")


def byte_alphabet():
    """GPT-2's bytes -> printable characters table (from its paper's released encoder description)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(printable, chars)}


alphabet = byte_alphabet()
tokens = [alphabet[b] for b in range(256)]
merges = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "a")]
for a, b in merges:
    tokens.append(a + b)
tokens.append("<|endoftext|>")
vocab = {t: i for i, t in enumerate(tokens)}

torch.manual_seed(7)
config = GPT2Config(vocab_size=len(tokens), n_positions=32, n_embd=32, n_layer=2, n_head=4,
                    bos_token_id=vocab["<|endoftext|>"], eos_token_id=vocab["<|endoftext|>"])
model = GPT2LMHeadModel(config).eval()
# GPT-2's initialisation (std 0.02) gives near-uniform logits and leaves biases and LayerNorms
# at 0 / 1: scale the weights up and give the rest values, so that a loader that dropped,
# misplaced or failed to transpose one would show, and greedy decoding does not repeat one token.
with torch.no_grad():
    for name, p in model.named_parameters():
        if name.endswith(".bias") or ".ln_" in name or name.startswith("transformer.ln_f"):
            p.add_(torch.randn_like(p) * 0.1)
        else:
            p.mul_(30)
os.makedirs(OUT, exist_ok=True)
model.save_pretrained(OUT, safe_serialization=True)
with open(os.path.join(OUT, "vocab.json"), "w", encoding="utf-8") as f:
    json.dump(vocab, f, ensure_ascii=False)
with open(os.path.join(OUT, "merges.txt"), "w", encoding="utf-8") as f:
    f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
for extra in ["generation_config.json"]:
    path = os.path.join(OUT, extra)
    if os.path.exists(path):
        os.remove(path)

ids = [vocab[alphabet[b]] for b in b"The cat"] + [vocab["Ġthe"], vocab["in"], 3, 200, 261]
with torch.no_grad():
    logits = model(torch.tensor([ids])).logits[0]
    greedy = model.generate(torch.tensor([ids]), max_new_tokens=12, do_sample=False,
                            pad_token_id=config.eos_token_id)[0, len(ids):].tolist()
reference = {"ids": ids, "logits": {"shape": list(logits.shape), "values": logits.flatten().tolist()},
             "greedy": greedy}
with open(os.path.join(ROOT, "tiny_gpt2_reference.json"), "w") as f:
    json.dump(reference, f)
print("wrote", OUT, "and tiny_gpt2_reference.json;", sum(p.numel() for p in model.parameters()), "parameters; greedy", greedy)
