#!/usr/bin/env python3
"""Writes the GGUF reader's reference fixture with llama.cpp's gguf-py (0.19), an implementation
independent of Strata's:

  Tests/StrataIOTests/Fixtures/small.gguf       a small GGUF v3 file: every metadata value type,
                                                typed and nested arrays, tensors of types F32, F16,
                                                I32, Q8_0, Q4_0, Q4_1, Q4_K, Q6_K with known shapes
  Tests/StrataIOTests/Fixtures/small.gguf.json  what gguf-py's GGUFReader reads back from it

In the JSON every metadata value (array elements too) is {"type": NAME, "value": V} with V a
decimal string for integers and floats (exact: the shortest repr of the stored value), a JSON
bool for bools, a JSON string for strings, and for arrays a list of such values, with
"element_type": NAME beside it (nested for arrays of arrays). Tensor dimensions are in GGUF order (ne0 first); offsets are
relative to the data section; each tensor's raw bytes are given in full in hex (with their SHA-256).

Fixed seeds: running it again gives the same files.

    python3 Scripts/make_gguf_fixtures.py
"""
import hashlib
import json
import os
import struct

import numpy as np
import gguf
from gguf import GGUFReader, GGUFValueType, GGUFWriter, GGMLQuantizationType as Q

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "StrataIOTests", "Fixtures")
GGUF_PATH = os.path.join(OUT, "small.gguf")
JSON_PATH = os.path.join(OUT, "small.gguf.json")

V = GGUFValueType


def f16_bytes(x):
    return np.array([x], dtype=np.float16).tobytes()


def k_quant_blocks(rng, qtype, rows, columns):
    """Random K-quant blocks with finite float16 scales (gguf-py cannot quantise K types)."""
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, size=(rows, columns // block_size, type_size), dtype=np.uint8)
    for r in range(rows):
        for b in range(columns // block_size):
            if qtype == Q.Q4_K:     # d, dmin (float16) first, then scales[12], qs[128]
                blocks[r, b, 0:2] = np.frombuffer(f16_bytes(rng.uniform(0.01, 0.1)), np.uint8)
                blocks[r, b, 2:4] = np.frombuffer(f16_bytes(rng.uniform(0.01, 0.1)), np.uint8)
            elif qtype == Q.Q6_K:   # ql[128], qh[64], scales[16], d (float16) last
                blocks[r, b, 208:210] = np.frombuffer(f16_bytes(rng.uniform(0.001, 0.01)), np.uint8)
    return blocks.reshape(rows, -1)


def write_fixture():
    rng = np.random.default_rng(20240607)
    w = GGUFWriter(GGUF_PATH, arch="strata-test")  # adds general.architecture first

    # One scalar of every type.
    w.add_uint8("test.uint8", 200)
    w.add_int8("test.int8", -100)
    w.add_uint16("test.uint16", 60000)
    w.add_int16("test.int16", -30000)
    w.add_uint32("test.uint32", 4_000_000_000)
    w.add_int32("test.int32", -2_000_000_000)
    w.add_float32("test.float32", 3.14159)
    w.add_bool("test.bool_true", True)
    w.add_bool("test.bool_false", False)
    w.add_string("test.string", "héllo, wörld ✓ 日本")
    w.add_key_value("test.empty_string", "", V.STRING)
    w.add_uint64("test.uint64", 2**63 + 5)
    w.add_int64("test.int64", -(2**62) - 7)
    w.add_float64("test.float64", 2.718281828459045)

    # Typed arrays of every element type.
    w.add_key_value("test.array.uint8", [0, 1, 255], V.ARRAY, V.UINT8)
    w.add_key_value("test.array.int8", [-128, 0, 127], V.ARRAY, V.INT8)
    w.add_key_value("test.array.uint16", [0, 65535], V.ARRAY, V.UINT16)
    w.add_key_value("test.array.int16", [-32768, 32767, 1], V.ARRAY, V.INT16)
    w.add_key_value("test.array.uint32", [4294967295, 0, 7], V.ARRAY, V.UINT32)
    w.add_key_value("test.array.int32", [-1, 2, -3, 2147483647], V.ARRAY, V.INT32)
    w.add_key_value("test.array.float32", [0.5, -1.25, 1e-3, 65504.0], V.ARRAY, V.FLOAT32)
    w.add_key_value("test.array.bool", [True, False, True], V.ARRAY, V.BOOL)
    w.add_key_value("test.array.uint64", [0, 2**64 - 1], V.ARRAY, V.UINT64)
    w.add_key_value("test.array.int64", [-(2**63), 2**63 - 1], V.ARRAY, V.INT64)
    w.add_key_value("test.array.float64", [1.0 / 3.0, -2.5e300], V.ARRAY, V.FLOAT64)
    w.add_key_value("test.array.string", ["a", "", "ĠHello", "日本語", "<|im_end|>"], V.ARRAY, V.STRING)

    # Arrays of arrays (gguf-py infers the inner element types: int -> INT32, str -> STRING).
    w.add_key_value("test.array.nested_int32", [[1, 2, 3], [4], [5, 6]], V.ARRAY)
    w.add_key_value("test.array.nested_string", [["x", "yz"], ["w"]], V.ARRAY)
    w.add_key_value("test.array.nested_twice", [[[1], [2, 3]], [[4]]], V.ARRAY)

    # A small tokenizer-like block, as llama.cpp files carry it.
    tokens = ["<unk>", "<s>", "</s>"] + [f"tok{i}" for i in range(61)]
    w.add_tokenizer_model("gpt2")
    w.add_token_list(tokens)
    w.add_token_types([1 if i >= 3 else 3 for i in range(len(tokens))])
    w.add_token_merges(["t o", "to k", "tok 1"])
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_chat_template("{% for m in messages %}{{ m['content'] }}\n{% endfor %}")

    # Tensors: numpy shapes are (outer..., ne0); GGUF stores them reversed (ne0 first).
    w.add_tensor("f32.vector", rng.standard_normal(7).astype(np.float32))
    w.add_tensor("f32.matrix", rng.standard_normal((3, 5)).astype(np.float32))
    w.add_tensor("f32.cube", rng.standard_normal((2, 3, 4)).astype(np.float32))
    w.add_tensor("f16.matrix", rng.standard_normal((4, 6)).astype(np.float16))
    w.add_tensor("f16.4d", rng.standard_normal((1, 2, 1, 3)).astype(np.float16))
    w.add_tensor("i32.ids", np.arange(-2, 3, dtype=np.int32))
    for name, qtype, shape in [("q8_0.weight", Q.Q8_0, (3, 64)),
                               ("q4_0.weight", Q.Q4_0, (2, 32)),
                               ("q4_1.weight", Q.Q4_1, (4, 64))]:
        data = rng.standard_normal(shape).astype(np.float32)
        w.add_tensor(name, gguf.quants.quantize(data, qtype), raw_dtype=qtype)
    w.add_tensor("q4_k.weight", k_quant_blocks(rng, Q.Q4_K, 2, 256), raw_dtype=Q.Q4_K)
    w.add_tensor("q6_k.weight", k_quant_blocks(rng, Q.Q6_K, 1, 512), raw_dtype=Q.Q6_K)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def scalar_json(vtype, value):
    if vtype == V.BOOL:
        return bool(value)
    if vtype == V.STRING:
        return value
    if vtype in (V.FLOAT32, V.FLOAT64):
        return repr(float(value))
    return str(int(value))


def decode_value(field, vtype, parts, index):
    """Decodes one value of `vtype` from gguf-py's flat part list; returns (json, next index)."""
    if vtype == V.STRING:  # parts: length, bytes
        return {"type": "string", "value": str(bytes(parts[index + 1]), encoding="utf-8")}, index + 2
    if vtype == V.ARRAY:   # parts: element type, count, elements...
        element_type = V(int(parts[index][0]))
        count = int(parts[index + 1][0])
        index += 2
        values = []
        for _ in range(count):
            value, index = decode_value(field, element_type, parts, index)
            values.append(value)
        return {"type": "array", "element_type": element_type.name.lower(), "value": values}, index
    return {"type": vtype.name.lower(), "value": scalar_json(vtype, parts[index][0])}, index + 1


def read_back():
    r = GGUFReader(GGUF_PATH)
    keys, metadata = [], {}
    for key, field in r.fields.items():
        if key.startswith("GGUF."):
            continue
        keys.append(key)
        # parts: key length, key bytes, value type, then the value's parts.
        vtype = V(int(field.parts[2][0]))
        value, end = decode_value(field, vtype, field.parts, 3)
        assert end == len(field.parts), key
        metadata[key] = value

    tensors = []
    for t in r.tensors:
        raw = bytes(np.asarray(t.data).tobytes())
        assert len(raw) == t.n_bytes, t.name
        tensors.append({
            "name": t.name,
            "type": t.tensor_type.name,
            "type_id": int(t.tensor_type),
            "dimensions": [int(d) for d in t.shape],  # gguf-py keeps ne0 first here
            "element_count": int(t.n_elements),
            "byte_count": int(t.n_bytes),
            "offset": int(t.data_offset - r.data_offset),
            "sha256": hashlib.sha256(raw).hexdigest(),
            "data_hex": raw.hex(),
        })
    version = int(r.fields["GGUF.version"].parts[0][0])
    return {
        "generated_by": "Scripts/make_gguf_fixtures.py (gguf-py %s GGUFReader)" % getattr(gguf, "__version__", "0.19"),
        "version": version,
        "alignment": int(r.alignment),
        "data_offset": int(r.data_offset),
        "file_size": os.path.getsize(GGUF_PATH),
        "metadata_keys": keys,
        "metadata": metadata,
        "tensors": tensors,
    }


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    write_fixture()
    reference = read_back()
    with open(JSON_PATH, "w") as f:
        json.dump(reference, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {GGUF_PATH} ({reference['file_size']} bytes, {len(reference['tensors'])} tensors, "
          f"{len(reference['metadata_keys'])} keys) and {JSON_PATH}")
