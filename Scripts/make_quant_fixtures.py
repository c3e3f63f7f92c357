#!/usr/bin/env python3
"""Writes Tests/StrataCoreTests/Fixtures/quant_reference.json: small GGML-encoded matrices with
their dequantised values and products, computed by llama.cpp's gguf-py (numpy), independently
of Strata's C kernels.

For each type (Q4_0, Q4_1, Q8_0, Q4_K, Q6_K, F16, BF16, F32) one case holds:
  rows, columns       the matrix is [rows, columns], columns the contiguous axis (ggml ne0)
  bytes               the encoded matrix, base64
  source              (quantisable types) the float32 values gguf-py quantised into `bytes`, base64
  dequantized         gguf.quants.dequantize(bytes), float32 little-endian, base64
  product             x @ dequantizedᵀ in float64, [tokens, rows], row-major JSON numbers
  edges               (F16, BF16, F32) rounding edge values, their encoding by gguf-py and its dequantisation
with x, float32 [tokens, columns] in base64, shared by all cases at the top level.

gguf-py does not quantise Q4_K/Q6_K, so those bytes are random valid blocks (finite float16
scales, any codes) and gguf-py's dequantisation is the reference. Fixed seeds: running it
again gives the same file.

    python3 Scripts/make_quant_fixtures.py
"""
import base64
import json
import os

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import quants

ROWS, COLUMNS, TOKENS = 4, 256, 17


def b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def weights(rng: np.random.Generator) -> np.ndarray:
    """Rows of different scales and offsets, with a few blocks that probe the quantisers' edges."""
    w = rng.standard_normal((ROWS, COLUMNS)).astype(np.float32)
    w *= np.array([[0.02], [0.5], [3.0], [0.1]], dtype=np.float32)
    w[3] += np.float32(0.25)                 # a row that is not centred (Q4_1's minimum)
    w[0, 32:64] = 0                          # an all-zero block (scale 0)
    w[1, 64:96] = np.float32(0.75)           # a constant block
    w[2, 96:128] = rng.standard_normal(32).astype(np.float32) * np.float32(0.5)
    w[2, 100], w[2, 110] = -4.0, 4.0         # equal magnitudes of both signs: the first one sets Q4_0's sign
    return w


# Values that test half/bfloat16 rounding: ties, overflow to infinity, subnormals, signed zero.
FLOAT_EDGES = np.array([65504, 65519, 65520, 70000, -65520, 1 + 2**-11, 1 + 3 * 2**-11, 2**-24, 2**-25,
                        3 * 2**-26, 6e-8, 1e-10, -0.0, 2**-14, 2**-14 - 2**-25, 1.00390625, 1.01171875,
                        3.0e38, 3.4e38, -1e-45, 123.456, np.inf, -np.inf], dtype=np.float32)


def random_k_blocks(rng: np.random.Generator, qtype: T) -> np.ndarray:
    block_size, type_size = quants.GGML_QUANT_SIZES[qtype]
    n_blocks = ROWS * COLUMNS // block_size
    raw = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
    def f16_bytes(values):
        return np.asarray(values, dtype=np.float16).view(np.uint8).reshape(n_blocks, 2)
    if qtype == T.Q4_K:      # d, dmin, 12 bytes of scales, 128 of nibbles
        raw[:, 0:2] = f16_bytes(rng.uniform(0.001, 0.05, n_blocks))
        raw[:, 2:4] = f16_bytes(rng.uniform(0.001, 0.05, n_blocks))
    elif qtype == T.Q6_K:    # 128 ql, 64 qh, 16 int8 scales, d
        raw[:, 208:210] = f16_bytes(rng.uniform(0.0005, 0.01, n_blocks) * rng.choice([-1, 1], n_blocks))
    return raw.reshape(ROWS, -1)


def case(qtype: T, rng: np.random.Generator, x: np.ndarray) -> dict:
    result = {"type": qtype.name, "ggml_type": int(qtype), "rows": ROWS, "columns": COLUMNS}
    if qtype in (T.Q4_K, T.Q6_K):
        encoded = random_k_blocks(rng, qtype)
    else:
        source = weights(rng)
        if qtype in (T.F16, T.BF16, T.F32):
            with np.errstate(over="ignore"):   # 65520 and up become infinity in float16, as intended
                edge_bytes = quants.quantize(FLOAT_EDGES, qtype).view(np.uint8)
            result["edges"] = {"source": b64(FLOAT_EDGES), "bytes": b64(edge_bytes),
                               "dequantized": b64(quants.dequantize(edge_bytes, qtype).astype(np.float32, copy=False))}
        encoded = quants.quantize(source, qtype).view(np.uint8).reshape(ROWS, -1)
        result["source"] = b64(source)
    dequantized = quants.dequantize(encoded, qtype).astype(np.float32, copy=False).reshape(ROWS, COLUMNS)
    product = x.astype(np.float64) @ dequantized.astype(np.float64).T
    assert np.isfinite(product).all()
    result.update(bytes=b64(encoded), dequantized=b64(dequantized),
                  product=[float(v) for v in product.ravel()])
    return result


def main() -> None:
    rng = np.random.default_rng(999)
    x = rng.standard_normal((TOKENS, COLUMNS)).astype(np.float32)
    x[1] *= np.float32(1e-3)                          # a small token
    x[2, 0:32] = 0                                    # a zero block in x
    x[3] += np.float32(2.0)                           # a token with an offset (Q4_1's and Q4_K's minimum terms)
    cases = []
    for i, qtype in enumerate([T.Q4_0, T.Q4_1, T.Q8_0, T.Q4_K, T.Q6_K, T.F16, T.BF16, T.F32]):
        cases.append(case(qtype, np.random.default_rng(1000 + i), x))
    path = os.path.join(os.path.dirname(__file__), "..", "Tests", "StrataCoreTests", "Fixtures", "quant_reference.json")
    with open(path, "w") as f:
        json.dump({"generator": "Scripts/make_quant_fixtures.py (gguf-py, numpy)", "tokens": TOKENS, "columns": COLUMNS,
                   "x": b64(x), "cases": cases}, f, indent=1, allow_nan=False)
        f.write("\n")
    print(f"wrote {os.path.normpath(path)} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
