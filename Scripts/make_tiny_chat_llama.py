#!/usr/bin/env python3
"""A tiny random Llama GGUF with a byte-level BPE tokenizer and a ChatML chat template, for the
server tests (Tests/StrataServeTests/Fixtures/tiny-chat-llama.gguf).

The tokenizer is GPT-2's byte-level scheme with no merges: 256 byte tokens (each byte written
as GPT-2's printable stand-in character), then the control tokens <|endoftext|> (EOS),
<|im_start|> and <|im_end|> (token type 3). The weights are random (float32), so what the model
writes is noise; the tests check the serving machinery, not the text. Context 128 positions,
so that a request for more tokens than fit is easy to make.

    python3 Scripts/make_tiny_chat_llama.py
"""

import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "StrataServeTests", "Fixtures", "tiny-chat-llama.gguf")

TEMPLATE = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content']"
            " + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")


def byte_tokens():
    """GPT-2's byte -> printable character table, in byte order."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return [table[b] for b in range(256)]


def main():
    import gguf
    rng = np.random.default_rng(20261129)
    tokens = byte_tokens() + ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    types = [1] * 256 + [3, 3, 3]
    v, c, f, h, kv, layers, context = len(tokens), 32, 64, 4, 2, 2, 128
    d = c // h

    def normal(*shape, std=0.2):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    tensors = {"token_embd.weight": normal(v, c, std=1.0), "output_norm.weight": 1 + normal(c, std=0.1),
               "output.weight": normal(v, c, std=0.5)}
    for i in range(layers):
        p = f"blk.{i}."
        tensors.update({p + "attn_q.weight": normal(h * d, c), p + "attn_k.weight": normal(kv * d, c),
                        p + "attn_v.weight": normal(kv * d, c), p + "attn_output.weight": normal(c, h * d),
                        p + "ffn_gate.weight": normal(f, c), p + "ffn_up.weight": normal(f, c),
                        p + "ffn_down.weight": normal(c, f), p + "attn_norm.weight": 1 + normal(c, std=0.1),
                        p + "ffn_norm.weight": 1 + normal(c, std=0.1)})
    w = gguf.GGUFWriter(OUT, "llama")
    w.add_name("tiny-chat-llama")
    w.add_block_count(layers)
    w.add_context_length(context)
    w.add_embedding_length(c)
    w.add_feed_forward_length(f)
    w.add_head_count(h)
    w.add_head_count_kv(kv)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_rope_dimension_count(d)
    w.add_vocab_size(v)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges([])
    w.add_eos_token_id(256)
    w.add_add_bos_token(False)
    w.add_chat_template(TEMPLATE)
    for name, t in tensors.items():
        w.add_tensor(name, np.ascontiguousarray(t, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
