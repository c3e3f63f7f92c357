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

out = {
    "rows": rows, "columns": columns, "tokens": tokens,
    "w": w.ravel().tolist(), "x": x.ravel().tolist(),
    "int8": {"codes": codes8.ravel().tolist(), "scales": scale8.tolist(), "y": y8.ravel().tolist(),
             "y_dynamic": y8dyn.ravel().tolist()},
    "int4_g16": {"group": group, "codes": packed4.ravel().tolist(), "scales": stored.ravel().tolist(), "y": y4.ravel().tolist()},
}
path = pathlib.Path(__file__).resolve().parent.parent / "Tests/StrataCoreTests/Fixtures/packed_reference.json"
path.write_text(json.dumps(out))
print("wrote", path)
