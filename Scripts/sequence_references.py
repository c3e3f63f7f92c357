"""Reference values for the sequence layers and models (LSTM, GRU, multi-head attention,
transformer block, GPT), written out from their papers' and PyTorch's documented equations
in float64 numpy. Imported by make_nn_fixtures.py, which writes them into nn_reference.json
under "sequence". State-dict keys are Strata's."""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def layer_norm(x, w, b, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def recurrent_weights(rng, gates, inputs, hidden, layers):
    bound = 1 / np.sqrt(hidden)
    state = {}
    for l in range(layers):
        fan_in = inputs if l == 0 else hidden
        state["weight_ih.%d" % l] = rng.uniform(-bound, bound, (gates * hidden, fan_in))
        state["weight_hh.%d" % l] = rng.uniform(-bound, bound, (gates * hidden, hidden))
        state["bias_ih.%d" % l] = rng.uniform(-bound, bound, gates * hidden)
        state["bias_hh.%d" % l] = rng.uniform(-bound, bound, gates * hidden)
    return state


def lstm_reference(rng):
    batch, steps, inputs, hidden, layers = 2, 5, 3, 4, 2
    w = recurrent_weights(rng, 4, inputs, hidden, layers)
    x = rng.standard_normal((batch, steps, inputs))
    h0 = rng.standard_normal((layers, batch, hidden)) * 0.5
    c0 = rng.standard_normal((layers, batch, hidden)) * 0.5
    seq, hs, cs = x, [], []
    for l in range(layers):
        h, c, out = h0[l], c0[l], []
        for t in range(steps):
            z = seq[:, t] @ w["weight_ih.%d" % l].T + w["bias_ih.%d" % l] + h @ w["weight_hh.%d" % l].T + w["bias_hh.%d" % l]
            i, f, g, o = np.split(z, 4, axis=1)
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            h = sigmoid(o) * np.tanh(c)
            out.append(h)
        seq = np.stack(out, axis=1)
        hs.append(h)
        cs.append(c)
    return {"state": w, "x": x, "h0": h0, "c0": c0, "output": seq, "hn": np.stack(hs), "cn": np.stack(cs),
            "inputSize": inputs, "hiddenSize": hidden, "layers": layers}


def gru_reference(rng):
    batch, steps, inputs, hidden, layers = 2, 4, 3, 5, 2
    w = recurrent_weights(rng, 3, inputs, hidden, layers)
    x = rng.standard_normal((batch, steps, inputs))
    h0 = rng.standard_normal((layers, batch, hidden)) * 0.5
    seq, hs = x, []
    for l in range(layers):
        h, out = h0[l], []
        for t in range(steps):
            xi = seq[:, t] @ w["weight_ih.%d" % l].T + w["bias_ih.%d" % l]
            hh = h @ w["weight_hh.%d" % l].T + w["bias_hh.%d" % l]
            xr, xz, xn = np.split(xi, 3, axis=1)
            hr, hz, hn = np.split(hh, 3, axis=1)
            r, z = sigmoid(xr + hr), sigmoid(xz + hz)
            n = np.tanh(xn + r * hn)
            h = (1 - z) * n + z * h
            out.append(h)
        seq = np.stack(out, axis=1)
        hs.append(h)
    return {"state": w, "x": x, "h0": h0, "output": seq, "hn": np.stack(hs),
            "inputSize": inputs, "hiddenSize": hidden, "layers": layers}


def attention(q_in, k_in, v_in, w, prefix, heads, causal, allowed=None):
    """Multi-head attention with c_attn [3E, E] and c_proj (GPT-2 keys), as torch.nn.MultiheadAttention computes it."""
    e = q_in.shape[-1]
    d = e // heads
    wi, bi = w[prefix + "c_attn.weight"], w[prefix + "c_attn.bias"]

    def project(x, part):
        y = x @ wi[part * e:(part + 1) * e].T + bi[part * e:(part + 1) * e]
        return y.reshape(x.shape[0], x.shape[1], heads, d).transpose(0, 2, 1, 3)

    q, k, v = project(q_in, 0), project(k_in, 1), project(v_in, 2)
    scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d)
    tq, tk = scores.shape[-2], scores.shape[-1]
    keep = np.ones(scores.shape, dtype=bool)
    if causal:
        keep &= np.tril(np.ones((tq, tk), dtype=bool), k=tk - tq)
    if allowed is not None:
        keep &= allowed
    scores = np.where(keep, scores, -np.inf)
    out = softmax(scores) @ v
    out = out.transpose(0, 2, 1, 3).reshape(q_in.shape[0], tq, e)
    return out @ w[prefix + "c_proj.weight"].T + w[prefix + "c_proj.bias"]


def attention_weights(rng, e, prefix=""):
    return {prefix + "c_attn.weight": rng.standard_normal((3 * e, e)) * 0.3,
            prefix + "c_attn.bias": rng.standard_normal(3 * e) * 0.1,
            prefix + "c_proj.weight": rng.standard_normal((e, e)) * 0.3,
            prefix + "c_proj.bias": rng.standard_normal(e) * 0.1}


def attention_reference(rng):
    batch, steps, memory, e, heads = 2, 4, 3, 8, 2
    w = attention_weights(rng, e)
    x = rng.standard_normal((batch, steps, e))
    mem = rng.standard_normal((batch, memory, e))
    padding = np.array([[False, False, False, True], [False, False, False, False]])
    causal_padded = attention(x, x, x, w, "", heads, True, allowed=~padding[:, None, None, :])
    cross = attention(x, mem, mem, w, "", heads, False)
    return {"state": w, "x": x, "memory": mem, "heads": heads, "keyPaddingMask": padding.astype(np.float64),
            "causalPadded": causal_padded, "cross": cross}


def block_weights(rng, e, prefix):
    w = {prefix + "ln_1.weight": 1 + 0.1 * rng.standard_normal(e), prefix + "ln_1.bias": 0.1 * rng.standard_normal(e),
         prefix + "ln_2.weight": 1 + 0.1 * rng.standard_normal(e), prefix + "ln_2.bias": 0.1 * rng.standard_normal(e),
         prefix + "mlp.c_fc.weight": rng.standard_normal((4 * e, e)) * 0.3,
         prefix + "mlp.c_fc.bias": rng.standard_normal(4 * e) * 0.1,
         prefix + "mlp.c_proj.weight": rng.standard_normal((e, 4 * e)) * 0.2,
         prefix + "mlp.c_proj.bias": rng.standard_normal(e) * 0.1}
    w.update(attention_weights(rng, e, prefix + "attn."))
    return w


def block(x, w, prefix, heads):
    """Pre-LayerNorm GPT-2 block: x + attn(ln_1(x)), then + mlp(ln_2(x))."""
    a = layer_norm(x, w[prefix + "ln_1.weight"], w[prefix + "ln_1.bias"])
    x = x + attention(a, a, a, w, prefix + "attn.", heads, True)
    m = layer_norm(x, w[prefix + "ln_2.weight"], w[prefix + "ln_2.bias"])
    hidden = gelu_tanh(m @ w[prefix + "mlp.c_fc.weight"].T + w[prefix + "mlp.c_fc.bias"])
    return x + hidden @ w[prefix + "mlp.c_proj.weight"].T + w[prefix + "mlp.c_proj.bias"]


def block_reference(rng):
    e, heads = 8, 2
    w = block_weights(rng, e, "")
    x = rng.standard_normal((2, 5, e))
    return {"state": w, "x": x, "heads": heads, "y": block(x, w, "", heads)}


def gpt_reference(rng):
    vocab, context, layers, heads, e = 11, 6, 2, 2, 8
    w = {"wte.weight": rng.standard_normal((vocab, e)) * 0.5, "wpe.weight": rng.standard_normal((context, e)) * 0.2,
         "ln_f.weight": 1 + 0.1 * rng.standard_normal(e), "ln_f.bias": 0.1 * rng.standard_normal(e)}
    for l in range(layers):
        w.update(block_weights(rng, e, "h.%d." % l))
    ids = rng.integers(0, vocab, (2, 5))
    x = w["wte.weight"][ids] + w["wpe.weight"][:5]
    for l in range(layers):
        x = block(x, w, "h.%d." % l, heads)
    x = layer_norm(x, w["ln_f.weight"], w["ln_f.bias"])
    logits = x @ w["wte.weight"].T
    return {"state": w, "ids": ids, "logits": logits,
            "config": {"vocabularySize": vocab, "context": context, "layers": layers, "heads": heads, "width": e}}


def sequence_cases(t, ti):
    """All sequence references, with tensors converted by `t` (floats) and `ti` (integers)."""
    rng = np.random.default_rng(11)

    def convert(case):
        out = {}
        for key, value in case.items():
            if key == "state":
                out[key] = {k: t(v) for k, v in value.items()}
            elif key == "ids":
                out[key] = ti(value)
            elif isinstance(value, np.ndarray):
                out[key] = t(value)
            else:
                out[key] = value
        return out

    return {"lstm": convert(lstm_reference(rng)), "gru": convert(gru_reference(rng)),
            "attention": convert(attention_reference(rng)), "block": convert(block_reference(rng)),
            "gpt": convert(gpt_reference(rng))}
