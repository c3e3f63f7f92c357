#!/usr/bin/env python3
"""Reference values for StrataNN and StrataOptim, computed in float64 with numpy only.

Writes Tests/StrataNNTests/Fixtures/nn_reference.json (layers, losses, activations, sequence
models) and Tests/StrataOptimTests/Fixtures/optim_reference.json (optimizers, schedules,
gradient clipping). Every formula below is written out
from its definition (PyTorch semantics, as documented for torch.nn and torch.optim); nothing
calls a deep-learning framework. Inputs come from fixed numpy seeds, so running the script
again gives the same file.

Each tensor is stored as {"shape": [...], "values": [...]} (row-major, flattened).

    python3 Scripts/make_nn_fixtures.py
"""

import json
import math
import os

import numpy as np

from sequence_references import sequence_cases

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NN_OUT = os.path.join(ROOT, "Tests", "StrataNNTests", "Fixtures", "nn_reference.json")
OPTIM_OUT = os.path.join(ROOT, "Tests", "StrataOptimTests", "Fixtures", "optim_reference.json")


def t(a):
    """A tensor as JSON: shape plus flat float values."""
    a = np.asarray(a, dtype=np.float64)
    assert np.all(np.isfinite(a)), "fixture values must be finite"
    return {"shape": list(a.shape), "values": [float(v) for v in a.reshape(-1)]}


def ti(a):
    """An integer tensor as JSON."""
    a = np.asarray(a, dtype=np.int64)
    return {"shape": list(a.shape), "values": [int(v) for v in a.reshape(-1)]}


# MARK: - Linear

def linear_cases():
    cases = []
    rng = np.random.default_rng(1)
    for name, in_shape, out_features in [("rank2", (3, 4), 5), ("rank3", (2, 3, 4), 2)]:
        x = rng.standard_normal(in_shape)
        w = rng.standard_normal((out_features, in_shape[-1])) * 0.5
        b = rng.standard_normal(out_features) * 0.5
        y = x @ w.T + b
        g = rng.standard_normal(y.shape)
        x2 = x.reshape(-1, in_shape[-1])
        g2 = g.reshape(-1, out_features)
        dx = (g2 @ w).reshape(in_shape)
        dw = g2.T @ x2
        db = g2.sum(axis=0)
        cases.append({"name": name, "x": t(x), "weight": t(w), "bias": t(b), "upstream": t(g),
                      "y": t(y), "dx": t(dx), "dweight": t(dw), "dbias": t(db)})
    return cases


# MARK: - Convolution and pooling

def conv2d(x, w, b, stride, padding, dilation):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    sh, sw = stride
    ph, pw = padding
    dh, dw = dilation
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    y = np.zeros((n, o, oh, ow))
    for ni in range(n):
        for oi in range(o):
            for i in range(oh):
                for j in range(ow):
                    s = 0.0
                    for ci in range(c):
                        for ki in range(kh):
                            for kj in range(kw):
                                s += xp[ni, ci, i * sh + ki * dh, j * sw + kj * dw] * w[oi, ci, ki, kj]
                    y[ni, oi, i, j] = s + (b[oi] if b is not None else 0.0)
    return y


def conv2d_backward(x, w, g, stride, padding, dilation):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    sh, sw = stride
    ph, pw = padding
    dh, dw = dilation
    _, _, oh, ow = g.shape
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    dxp = np.zeros_like(xp)
    dwt = np.zeros_like(w)
    for ni in range(n):
        for oi in range(o):
            for i in range(oh):
                for j in range(ow):
                    gv = g[ni, oi, i, j]
                    for ci in range(c):
                        for ki in range(kh):
                            for kj in range(kw):
                                r, s = i * sh + ki * dh, j * sw + kj * dw
                                dwt[oi, ci, ki, kj] += gv * xp[ni, ci, r, s]
                                dxp[ni, ci, r, s] += gv * w[oi, ci, ki, kj]
    return dxp[:, :, ph:ph + h, pw:pw + wd], dwt, g.sum(axis=(0, 2, 3))


def conv_cases():
    rng = np.random.default_rng(2)
    configs = [
        # name, (N, C, H, W), out channels, kernel, stride, padding, dilation, bias
        ("basic", (2, 3, 5, 6), 4, (3, 3), (1, 1), (0, 0), (1, 1), True),
        ("stride2_pad1", (2, 2, 7, 6), 3, (3, 3), (2, 2), (1, 1), (1, 1), True),
        ("dilation2_nobias", (1, 2, 7, 8), 2, (3, 2), (1, 2), (2, 2), (2, 2), False),
        ("asymmetric", (2, 1, 6, 5), 3, (2, 3), (2, 1), (0, 1), (1, 1), True),
    ]
    cases = []
    for name, xs, o, k, stride, padding, dilation, has_bias in configs:
        x = rng.standard_normal(xs)
        w = rng.standard_normal((o, xs[1]) + k) * 0.4
        b = rng.standard_normal(o) * 0.3 if has_bias else None
        y = conv2d(x, w, b, stride, padding, dilation)
        g = rng.standard_normal(y.shape)
        dx, dw, db = conv2d_backward(x, w, g, stride, padding, dilation)
        case = {"name": name, "x": t(x), "weight": t(w), "stride": list(stride), "padding": list(padding),
                "dilation": list(dilation), "hasBias": has_bias, "y": t(y), "upstream": t(g),
                "dx": t(dx), "dweight": t(dw)}
        if has_bias:
            case["bias"] = t(b)
            case["dbias"] = t(db)
        cases.append(case)
    return cases


def pool2d(x, kernel, stride, padding, kind):
    n, c, h, w = x.shape
    kh, kw = kernel
    sh, sw = stride
    ph, pw = padding
    oh = (h + 2 * ph - kh) // sh + 1
    ow = (w + 2 * pw - kw) // sw + 1
    y = np.zeros((n, c, oh, ow))
    # Where each output takes its value from (max) or spreads its gradient to (average).
    taps = {}
    for ni in range(n):
        for ci in range(c):
            for i in range(oh):
                for j in range(ow):
                    best, best_at, total, inside = -math.inf, None, 0.0, []
                    for ki in range(kh):
                        for kj in range(kw):
                            r, s = i * sh - ph + ki, j * sw - pw + kj
                            if 0 <= r < h and 0 <= s < w:
                                v = x[ni, ci, r, s]
                                inside.append((r, s))
                                total += v
                                if v > best:
                                    best, best_at = v, (r, s)
                    if kind == "max":
                        y[ni, ci, i, j] = best
                        taps[(ni, ci, i, j)] = [(best_at, 1.0)]
                    else:
                        # count_include_pad=True: the padded zeros count, so divide by kh*kw.
                        y[ni, ci, i, j] = total / (kh * kw)
                        taps[(ni, ci, i, j)] = [(p, 1.0 / (kh * kw)) for p in inside]
    return y, taps


def pool_cases():
    rng = np.random.default_rng(3)
    configs = [
        ("max_k2", "max", (2, 3, 4, 6), (2, 2), (2, 2), (0, 0)),
        ("max_k3_s2_p1", "max", (2, 2, 7, 6), (3, 3), (2, 2), (1, 1)),
        ("max_k2x3_s1", "max", (1, 2, 5, 5), (2, 3), (1, 1), (0, 1)),
        ("avg_k2", "avg", (2, 3, 4, 6), (2, 2), (2, 2), (0, 0)),
        ("avg_k3_s2_p1", "avg", (2, 2, 7, 6), (3, 3), (2, 2), (1, 1)),
        ("avg_k2x3_s1", "avg", (1, 2, 5, 5), (2, 3), (1, 1), (0, 1)),
    ]
    cases = []
    for name, kind, xs, kernel, stride, padding in configs:
        x = rng.standard_normal(xs)
        y, taps = pool2d(x, kernel, stride, padding, kind)
        g = rng.standard_normal(y.shape)
        dx = np.zeros_like(x)
        for (ni, ci, i, j), spread in taps.items():
            for (r, s), weight in spread:
                dx[ni, ci, r, s] += g[ni, ci, i, j] * weight
        cases.append({"name": name, "kind": kind, "x": t(x), "kernel": list(kernel), "stride": list(stride),
                      "padding": list(padding), "y": t(y), "upstream": t(g), "dx": t(dx)})
    return cases


# MARK: - Normalisation

def batchnorm_cases():
    rng = np.random.default_rng(4)
    eps, momentum = 1e-5, 0.1
    cases = []
    for name, xs in [("nc", (6, 3)), ("nchw", (4, 2, 3, 3))]:
        c = xs[1]
        x = rng.standard_normal(xs) * 1.5 + 0.7
        gamma = 1 + 0.3 * rng.standard_normal(c)
        beta = 0.2 * rng.standard_normal(c)
        rm0 = 0.1 * rng.standard_normal(c)
        rv0 = 1 + 0.2 * rng.uniform(size=c)
        axes = tuple(i for i in range(len(xs)) if i != 1)
        shape = [1] * len(xs)
        shape[1] = c
        m = x.size // c                     # values per channel
        mean = x.mean(axis=axes)
        var_biased = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)
        var_unbiased = var_biased * m / (m - 1)
        sigma = np.sqrt(var_biased + eps)
        xhat = (x - mean.reshape(shape)) / sigma.reshape(shape)
        y_train = xhat * gamma.reshape(shape) + beta.reshape(shape)
        rm1 = (1 - momentum) * rm0 + momentum * mean
        rv1 = (1 - momentum) * rv0 + momentum * var_unbiased
        # Evaluation with the updated running statistics, on a fresh input.
        x_eval = rng.standard_normal(xs)
        y_eval = ((x_eval - rm1.reshape(shape)) / np.sqrt(rv1.reshape(shape) + eps)) * gamma.reshape(shape) + beta.reshape(shape)
        # Training-mode gradients for an upstream gradient g.
        g = rng.standard_normal(xs)
        gg = g * gamma.reshape(shape)
        dx = (gg - gg.mean(axis=axes, keepdims=True) - xhat * (gg * xhat).mean(axis=axes, keepdims=True)) / sigma.reshape(shape)
        dgamma = (g * xhat).sum(axis=axes)
        dbeta = g.sum(axis=axes)
        cases.append({"name": name, "x": t(x), "weight": t(gamma), "bias": t(beta),
                      "runningMean": t(rm0), "runningVar": t(rv0), "epsilon": eps, "momentum": momentum,
                      "yTrain": t(y_train), "runningMeanAfter": t(rm1), "runningVarAfter": t(rv1),
                      "xEval": t(x_eval), "yEval": t(y_eval),
                      "upstream": t(g), "dx": t(dx), "dweight": t(dgamma), "dbias": t(dbeta)})
    return cases


def layernorm_cases():
    rng = np.random.default_rng(5)
    eps = 1e-5
    cases = []
    for name, xs, normalized, affine in [("last_axis", (3, 4, 6), [6], True),
                                         ("two_axes", (2, 3, 4), [3, 4], True),
                                         ("no_affine", (4, 5), [5], False)]:
        k = len(normalized)
        axes = tuple(range(len(xs) - k, len(xs)))
        batch_axes = tuple(range(len(xs) - k))
        x = rng.standard_normal(xs) * 2 + 0.5
        gamma = 1 + 0.3 * rng.standard_normal(normalized) if affine else np.ones(normalized)
        beta = 0.2 * rng.standard_normal(normalized) if affine else np.zeros(normalized)
        mean = x.mean(axis=axes, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
        sigma = np.sqrt(var + eps)
        xhat = (x - mean) / sigma
        y = xhat * gamma + beta
        g = rng.standard_normal(xs)
        # d/dx of (x - mean)/sqrt(var + eps) applied to gg = g * gamma.
        gg = g * gamma
        dx = (gg - gg.mean(axis=axes, keepdims=True) - xhat * (gg * xhat).mean(axis=axes, keepdims=True)) / sigma
        dgamma = (g * xhat).sum(axis=batch_axes)
        dbeta = g.sum(axis=batch_axes)
        case = {"name": name, "x": t(x), "normalizedShape": normalized, "affine": affine, "epsilon": eps,
                "y": t(y), "upstream": t(g), "dx": t(dx)}
        if affine:
            case.update({"weight": t(gamma), "bias": t(beta), "dweight": t(dgamma), "dbias": t(dbeta)})
        cases.append(case)
    return cases


# MARK: - Losses

def log_softmax(z):
    m = z.max(axis=1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))


def cross_entropy(z, y, reduction, smoothing, ignore):
    """PyTorch's F.cross_entropy on [N, C] logits; returns the loss and d(loss)/d(logits)."""
    n, c = z.shape
    lp = log_softmax(z)
    valid = y != ignore
    safe = np.where(valid, y, 0)
    nll = -lp[np.arange(n), safe]
    smooth = -lp.mean(axis=1)          # -sum_j log p_j / C
    per = np.where(valid, (1 - smoothing) * nll + smoothing * smooth, 0.0)
    count = valid.sum()
    if reduction == "none":
        loss, scale = per, np.ones(n)
    elif reduction == "sum":
        loss, scale = per.sum(), np.ones(n)
    else:
        loss, scale = per.sum() / count, np.full(n, 1.0 / count)
    q = np.full((n, c), smoothing / c)
    q[np.arange(n), safe] += 1 - smoothing
    grad = (np.exp(lp) - q) * (scale * valid)[:, None]
    return loss, grad


def loss_cases():
    rng = np.random.default_rng(6)
    out = {"crossEntropy": [], "nllLoss": [], "binaryCrossEntropy": [], "mseLoss": []}
    n, c = 6, 5
    z = rng.standard_normal((n, c)) * 2
    y = rng.integers(0, c, size=n)
    y_ignored = y.copy()
    y_ignored[[1, 4]] = -100
    for name, targets, reduction, smoothing in [
        ("mean", y, "mean", 0.0), ("sum", y, "sum", 0.0), ("none", y, "none", 0.0),
        ("smoothing_mean", y, "mean", 0.1), ("smoothing_none", y, "none", 0.1),
        ("ignore_mean", y_ignored, "mean", 0.0), ("ignore_sum", y_ignored, "sum", 0.0),
        ("ignore_none", y_ignored, "none", 0.0), ("ignore_smoothing_mean", y_ignored, "mean", 0.1),
    ]:
        loss, grad = cross_entropy(z, targets, reduction, smoothing, -100)
        # For reduction none, the gradient is for an upstream gradient of ones.
        out["crossEntropy"].append({"name": name, "logits": t(z), "targets": ti(targets), "reduction": reduction,
                                    "labelSmoothing": smoothing, "loss": t(loss), "dlogits": t(grad)})
    # Classes on axis 1 of [N, C, d]: the loss is over every (n, d) position.
    z3 = rng.standard_normal((2, 4, 3))
    y3 = rng.integers(0, 4, size=(2, 3))
    y3[0, 1] = -100
    flat = z3.transpose(0, 2, 1).reshape(-1, 4)
    for reduction in ["mean", "none"]:
        loss, grad = cross_entropy(flat, y3.reshape(-1), reduction, 0.0, -100)
        if reduction == "none":
            loss = loss.reshape(2, 3)
        grad = grad.reshape(2, 3, 4).transpose(0, 2, 1)
        out["crossEntropy"].append({"name": "spatial_" + reduction, "logits": t(z3), "targets": ti(y3),
                                    "reduction": reduction, "labelSmoothing": 0.0, "loss": t(loss), "dlogits": t(grad)})

    lp = log_softmax(rng.standard_normal((n, c)))
    for name, targets, reduction in [("mean", y, "mean"), ("sum", y, "sum"), ("none", y, "none"),
                                     ("ignore_mean", y_ignored, "mean"), ("ignore_none", y_ignored, "none")]:
        valid = targets != -100
        per = np.where(valid, -lp[np.arange(n), np.where(valid, targets, 0)], 0.0)
        loss = {"none": per, "sum": per.sum(), "mean": per.sum() / valid.sum()}[reduction]
        grad = np.zeros((n, c))
        scale = 1.0 / valid.sum() if reduction == "mean" else 1.0
        for i in range(n):
            if valid[i]:
                grad[i, targets[i]] = -scale
        out["nllLoss"].append({"name": name, "logProbabilities": t(lp), "targets": ti(targets),
                               "reduction": reduction, "loss": t(loss), "dinput": t(grad)})

    logits = np.array([-30.0, -4.0, -1.5, -0.2, 0.0, 0.3, 1.7, 5.0, 25.0, 2.2])
    hard = np.array([0, 1, 0, 1, 1, 0, 1, 0, 1, 1], dtype=np.float64)
    soft = np.array([0.1, 0.9, 0.3, 0.5, 0.0, 1.0, 0.75, 0.2, 0.6, 0.4])
    for name, targets in [("hard", hard), ("soft", soft)]:
        # -[y log s(z) + (1 - y) log(1 - s(z))], with log s(z) = -log(1 + e^-z).
        per = targets * np.logaddexp(0, -logits) + (1 - targets) * np.logaddexp(0, logits)
        sig = 1 / (1 + np.exp(-logits))
        for reduction in ["mean", "sum", "none"]:
            loss = {"none": per, "sum": per.sum(), "mean": per.mean()}[reduction]
            grad = (sig - targets) / (len(logits) if reduction == "mean" else 1)
            out["binaryCrossEntropy"].append({"name": name + "_" + reduction, "logits": t(logits),
                                              "targets": t(targets), "reduction": reduction,
                                              "loss": t(loss), "dlogits": t(grad)})

    pred = rng.standard_normal((3, 4))
    target = rng.standard_normal((3, 4))
    for reduction in ["mean", "sum", "none"]:
        d = pred - target
        loss = {"none": d ** 2, "sum": (d ** 2).sum(), "mean": (d ** 2).mean()}[reduction]
        grad = 2 * d / (d.size if reduction == "mean" else 1)
        out["mseLoss"].append({"name": reduction, "prediction": t(pred), "target": t(target),
                               "reduction": reduction, "loss": t(loss), "dprediction": t(grad)})
    return out


# MARK: - Activations

def activation_cases():
    x = np.concatenate([np.linspace(-6, 6, 25), [-30.0, -12.0, -0.01, 0.01, 12.0, 30.0]])
    c = math.sqrt(2 / math.pi)
    gelu_tanh = 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x ** 3)))
    gelu_erf = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x])
    silu = x / (1 + np.exp(-x))
    softplus = np.logaddexp(0, x)
    sigmoid = 1 / (1 + np.exp(-x))
    return {"x": t(x), "geluTanh": t(gelu_tanh), "geluErf": t(gelu_erf), "silu": t(silu),
            "softplus": t(softplus), "sigmoid": t(sigmoid), "tanh": t(np.tanh(x)),
            "relu": t(np.maximum(x, 0)), "leakyRelu": t(np.where(x > 0, x, 0.01 * x))}


# MARK: - Optimizers (torch.optim update rules, as documented)

def sgd(p, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    p = p.copy()
    buf = None
    history = []
    for g in grads:
        d = g + weight_decay * p
        if momentum != 0:
            buf = d.copy() if buf is None else momentum * buf + (1 - dampening) * d
            d = d + momentum * buf if nesterov else buf
        p = p - lr * d
        history.append(p.copy())
    return history


def adam(p, grads, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):
    p = p.copy()
    b1, b2 = betas
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    history = []
    for step, g in enumerate(grads, start=1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** step)
        v_hat = v / (1 - b2 ** step)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        history.append(p.copy())
    return history


def rmsprop(p, grads, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    p = p.copy()
    sq = np.zeros_like(p)
    avg_g = np.zeros_like(p)
    buf = np.zeros_like(p)
    history = []
    for g in grads:
        g = g + weight_decay * p
        sq = alpha * sq + (1 - alpha) * g * g
        if centered:
            avg_g = alpha * avg_g + (1 - alpha) * g
            denom = np.sqrt(sq - avg_g * avg_g) + eps
        else:
            denom = np.sqrt(sq) + eps
        if momentum > 0:
            buf = momentum * buf + g / denom
            p = p - lr * buf
        else:
            p = p - lr * g / denom
        history.append(p.copy())
    return history


def adagrad(p, grads, lr, lr_decay=0.0, eps=1e-10, weight_decay=0.0):
    p = p.copy()
    total = np.zeros_like(p)
    history = []
    for step, g in enumerate(grads, start=1):
        g = g + weight_decay * p
        clr = lr / (1 + (step - 1) * lr_decay)
        total = total + g * g
        p = p - clr * g / (np.sqrt(total) + eps)
        history.append(p.copy())
    return history


def optimizer_cases():
    rng = np.random.default_rng(7)
    p0 = rng.standard_normal((2, 3))
    grads = [rng.standard_normal((2, 3)) for _ in range(3)]
    specs = [
        ("sgd", "SGD", {"lr": 0.1}, sgd(p0, grads, 0.1)),
        ("sgd_momentum", "SGD", {"lr": 0.1, "momentum": 0.9}, sgd(p0, grads, 0.1, momentum=0.9)),
        ("sgd_momentum_dampening", "SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5},
         sgd(p0, grads, 0.1, momentum=0.9, dampening=0.5)),
        ("sgd_nesterov", "SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True},
         sgd(p0, grads, 0.1, momentum=0.9, nesterov=True)),
        ("sgd_weight_decay", "SGD", {"lr": 0.1, "weightDecay": 0.01}, sgd(p0, grads, 0.1, weight_decay=0.01)),
        ("sgd_momentum_weight_decay", "SGD", {"lr": 0.05, "momentum": 0.9, "weightDecay": 0.1},
         sgd(p0, grads, 0.05, momentum=0.9, weight_decay=0.1)),
        ("adam", "Adam", {"lr": 0.01}, adam(p0, grads, 0.01)),
        ("adam_betas_l2", "Adam", {"lr": 0.02, "beta1": 0.8, "beta2": 0.95, "weightDecay": 0.1},
         adam(p0, grads, 0.02, betas=(0.8, 0.95), weight_decay=0.1)),
        ("adamw", "AdamW", {"lr": 0.01, "weightDecay": 0.1}, adam(p0, grads, 0.01, weight_decay=0.1, decoupled=True)),
        ("rmsprop", "RMSProp", {"lr": 0.01}, rmsprop(p0, grads, 0.01)),
        ("rmsprop_centered_momentum", "RMSProp", {"lr": 0.01, "momentum": 0.9, "centered": True},
         rmsprop(p0, grads, 0.01, momentum=0.9, centered=True)),
        ("rmsprop_weight_decay", "RMSProp", {"lr": 0.01, "alpha": 0.9, "weightDecay": 0.1},
         rmsprop(p0, grads, 0.01, alpha=0.9, weight_decay=0.1)),
        ("adagrad", "Adagrad", {"lr": 0.1}, adagrad(p0, grads, 0.1)),
        ("adagrad_decay", "Adagrad", {"lr": 0.1, "lrDecay": 0.5, "weightDecay": 0.05},
         adagrad(p0, grads, 0.1, lr_decay=0.5, weight_decay=0.05)),
    ]
    return [{"name": name, "optimizer": kind, "hyper": hyper, "initial": t(p0),
             "gradients": [t(g) for g in grads], "after": [t(p) for p in history]}
            for name, kind, hyper, history in specs]


# MARK: - Schedules and clipping

def schedule_cases():
    steps = list(range(0, 26))
    step_lr = [0.1 * 0.5 ** (s // 3) for s in steps]
    exp_lr = [0.1 * 0.9 ** s for s in steps]
    period, lo = 10, 0.001
    # PyTorch's closed form of CosineAnnealingLR; Strata holds the minimum after `period`.
    cosine = [lo + (0.1 - lo) * (1 + math.cos(math.pi * min(s, period) / period)) / 2 for s in steps]
    base, warm, total, minimum = 1e-3, 5, 20, 1e-4

    def warmup_cosine(s):
        # Linear warm-up to `base` ((s + 1) / warm), then cosine to `minimum` at `total` (nanoGPT).
        if s < warm:
            return base * (s + 1) / warm
        ratio = min(s - warm, total - warm) / (total - warm)
        return minimum + (base - minimum) * (1 + math.cos(math.pi * ratio)) / 2

    return {"steps": steps,
            "stepLR": {"base": 0.1, "stepSize": 3, "gamma": 0.5, "values": step_lr},
            "exponentialLR": {"base": 0.1, "gamma": 0.9, "values": exp_lr},
            "cosineAnnealingLR": {"base": 0.1, "period": period, "minimum": lo, "values": cosine},
            "warmupCosine": {"base": base, "warmupSteps": warm, "totalSteps": total, "minimum": minimum,
                             "values": [warmup_cosine(s) for s in steps]}}


def clip_cases():
    rng = np.random.default_rng(8)
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((2, 2))]
    cases = []
    for name, max_norm in [("clipped", 1.0), ("unchanged", 100.0)]:
        norm = math.sqrt(sum(float((g ** 2).sum()) for g in grads))
        coef = min(1.0, max_norm / (norm + 1e-6))      # torch.nn.utils.clip_grad_norm_
        cases.append({"name": name, "maxNorm": max_norm, "gradients": [t(g) for g in grads],
                      "norm": norm, "clipped": [t(g * coef) for g in grads]})
    return cases


def dumps(fixture):
    """JSON with one line per case, so that a change shows up as a readable diff."""
    def compact(v):
        return json.dumps(v, separators=(",", ":"))
    lines = ["{"]
    keys = list(fixture)
    for i, key in enumerate(keys):
        value = fixture[key]
        end = "," if i < len(keys) - 1 else ""
        if isinstance(value, list):
            lines.append(" %s:[" % compact(key))
            lines += ["  " + compact(v) + ("," if j < len(value) - 1 else "") for j, v in enumerate(value)]
            lines.append(" ]" + end)
        elif isinstance(value, dict) and all(isinstance(v, list) and v and isinstance(v[0], dict) for v in value.values()):
            lines.append(" %s:{" % compact(key))
            sub = list(value)
            for j, name in enumerate(sub):
                lines.append("  %s:[" % compact(name))
                lines += ["   " + compact(v) + ("," if k < len(value[name]) - 1 else "") for k, v in enumerate(value[name])]
                lines.append("  ]" + ("," if j < len(sub) - 1 else ""))
            lines.append(" }" + end)
        else:
            lines.append(" %s:%s%s" % (compact(key), compact(value), end))
    lines.append("}")
    return "\n".join(lines) + "\n"


def write(path, fixture):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(dumps(fixture))
    print("wrote", os.path.relpath(path, ROOT))


def main():
    generator = "Scripts/make_nn_fixtures.py (numpy, float64)"
    write(NN_OUT, {
        "generator": generator,
        "linear": linear_cases(),
        "conv2d": conv_cases(),
        "pool2d": pool_cases(),
        "batchNorm": batchnorm_cases(),
        "layerNorm": layernorm_cases(),
        "losses": loss_cases(),
        "activations": activation_cases(),
        "sequence": sequence_cases(t, ti),
    })
    write(OPTIM_OUT, {
        "generator": generator,
        "optimizers": optimizer_cases(),
        "schedules": schedule_cases(),
        "clipGradientNorm": clip_cases(),
    })


if __name__ == "__main__":
    main()
