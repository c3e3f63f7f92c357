#!/usr/bin/env python3
"""Reference values for Strata's packed weights (PackedMatrix), written with numpy alone.

int8 per output channel: scale = max|row| / 127, codes = rint(w / scale) (round half to even).
int4 groups (GGUF Q4_0's rule): d = the group's value of largest magnitude / -8, codes =
min(15, trunc(w / d + 8.5)), the scale stored as float16. Dynamic int8 activations: each row of x
as int8 codes with scale max|row| / 127, products summed exactly in integers.

Writes Tests/StrataCoreTests/Fixtures/packed_reference.json:
  w [rows, columns], x [tokens, columns] (float32 values),
  int8: codes, scales, y = x . deq(W)^T (float64), y_dynamic (integer sums times both scales),
  int4_g16: codes (two a byte, value 2i in the low nibble), scales (float16 values), y.
  int8_log, int4_g16_log: the same with one-byte logarithmic scale codes (eighth-octave grid:
  int8 scale 2^((c - 192) / 8), int4 a sign bit and 2^((m - 100) / 8); each scale rounded up
  to the grid and the codes computed against it): scale_codes, scales, codes.
"""
import json
import pathlib
import numpy as np

rows, columns, tokens = 6, 80, 3
rng = np.random.default_rng(20261129)
w = (rng.standard_normal((rows, columns)) * 0.3).astype(np.float32)
w[2, :] = 0  # a row of zeros: scale 0
x = rng.standard_normal((tokens, columns)).astype(np.float32)


def int8_rows(m):
    amax = np.abs(m).max(axis=1).astype(np.float32)
    scale = (amax / np.float32(127)).astype(np.float32)
    inv = np.where(scale > 0, np.float32(1) / np.where(scale > 0, scale, 1), 0).astype(np.float32)
    codes = np.clip(np.rint(m * inv[:, None]), -127, 127).astype(np.int8)
    return codes, scale


codes8, scale8 = int8_rows(w)
deq8 = codes8.astype(np.float64) * scale8.astype(np.float64)[:, None]
y8 = x.astype(np.float64) @ deq8.T
xcodes, xscale = int8_rows(x)
y8dyn = (xcodes.astype(np.int64) @ codes8.astype(np.int64).T).astype(np.float64) * xscale.astype(np.float64)[:, None] * scale8.astype(np.float64)[None, :]

group = 16
g = w.reshape(rows, columns // group, group)
idx = np.abs(g).argmax(axis=2)
peak = np.take_along_axis(g, idx[:, :, None], axis=2)[:, :, 0]
d = (peak / np.float32(-8)).astype(np.float32)
inv = np.where(d != 0, np.float32(1) / np.where(d != 0, d, 1), 0).astype(np.float32)
n = np.minimum(15, np.trunc(g * inv[:, :, None] + np.float32(8.5))).astype(np.int64).reshape(rows, columns)
stored = d.astype(np.float16).astype(np.float32)
deq4 = (n - 8).astype(np.float64) * np.repeat(stored.astype(np.float64), group, axis=1)
y4 = x.astype(np.float64) @ deq4.T
packed4 = (n[:, 0::2] | (n[:, 1::2] << 4)).astype(np.uint8)

# One-byte logarithmic scale codes. A code's value: 2^floor(e / 8) * float32(2^((e mod 8) / 8)).
EIGHTHS = [np.float32(2.0 ** (j / 8)) for j in range(8)]


def grid_value(code, offset):
    if code == 0:
        return np.float32(0)
    e = code - offset
    return np.float32(np.ldexp(EIGHTHS[e % 8], e // 8))


def grid_code(s, offset, max_code):
    """The smallest code >= 1 whose value is >= s (s > 0)."""
    for c in range(1, max_code + 1):
        if grid_value(c, offset) >= s:
            return c
    raise ValueError("scale beyond the grid")


scale8_codes = [0 if v == 0 else grid_code(v, 192, 255) for v in scale8]
scale8_log = np.array([grid_value(c, 192) for c in scale8_codes], dtype=np.float32)
inv_log = np.where(scale8_log > 0, np.float32(1) / np.where(scale8_log > 0, scale8_log, 1), 0).astype(np.float32)
codes8_log = np.clip(np.rint(w * inv_log[:, None]), -127, 127).astype(np.int8)

d_codes = []
for v in d.ravel():
    if v == 0:
        d_codes.append(0)
    else:
        d_codes.append(grid_code(abs(v), 100, 127) | (0x80 if v < 0 else 0))
d_log = np.array([(-1 if c & 0x80 else 1) * grid_value(c & 0x7F, 100) for c in d_codes], dtype=np.float32).reshape(d.shape)
inv4_log = np.where(d_log != 0, np.float32(1) / np.where(d_log != 0, d_log, 1), 0).astype(np.float32)
n_log = np.clip(np.trunc(g * inv4_log[:, :, None] + np.float32(8.5)), 0, 15).astype(np.int64).reshape(rows, columns)
packed4_log = (n_log[:, 0::2] | (n_log[:, 1::2] << 4)).astype(np.uint8)

out = {
    "rows": rows, "columns": columns, "tokens": tokens,
    "w": w.ravel().tolist(), "x": x.ravel().tolist(),
    "int8": {"codes": codes8.ravel().tolist(), "scales": scale8.tolist(), "y": y8.ravel().tolist(),
             "y_dynamic": y8dyn.ravel().tolist()},
    "int4_g16": {"group": group, "codes": packed4.ravel().tolist(), "scales": stored.ravel().tolist(), "y": y4.ravel().tolist()},
    "int8_log": {"scale_codes": scale8_codes, "scales": scale8_log.tolist(), "codes": codes8_log.ravel().tolist()},
    "int4_g16_log": {"scale_codes": d_codes, "scales": d_log.ravel().tolist(), "codes": packed4_log.ravel().tolist()},
}
path = pathlib.Path(__file__).resolve().parent.parent / "Tests/StrataCoreTests/Fixtures/packed_reference.json"
path.write_text(json.dumps(out))
print("wrote", path)
