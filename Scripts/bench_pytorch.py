#!/usr/bin/env python3
"""PyTorch (CPU) peer of `strata bench NAME` for the workloads of ../shared/BENCHMARKS.md.

Runs one workload (gemm, mlp-mnist, mlp-mnist-int8, cnn-mnist, lstm-charlm, gpt-char, gpt2-generate,
gpt2-generate-quantized, mf-recsys,
minilm-embed) with the
shapes and hyper-parameters given there, on synthetic data from fixed seeds, with 2 threads; each figure is measured after a
warm-up and repeated, and the median and best are reported together with the process's peak
resident memory (getrusage ru_maxrss, which on Linux is the same VmHWM that Strata reads).
`--json PATH` writes the figures in Strata's JSON shape, with "framework" in place of
"strata_version".

    /opt/torchenv/bin/python Scripts/bench_pytorch.py gemm --json out.json
    /opt/torchenv/bin/python Scripts/bench_pytorch.py mlp-mnist [--loader dataloader]
    /opt/torchenv/bin/python Scripts/bench_pytorch.py cnn-mnist --runs 5
    /opt/torchenv/bin/python Scripts/bench_pytorch.py gpt-char --attention manual

Run counts follow Strata's BenchCommand so that the two compare run for run (default
--runs 5): gemm times one product per run, 5 runs (3 at n=2048) after 1 warm-up product;
mlp-mnist trains max(2, runs) epochs after 1 warm-up epoch and infers `runs` passes after 1
warm-up pass; cnn-mnist trains max(2, runs // 2) runs of 200 steps after 1 warm-up run;
lstm-charlm and gpt-char train `runs` runs of 100 and 50 steps after 1 warm-up run;
gpt2-generate decodes max(1, runs // 2) times after 1 warm-up generation; minilm-embed loads the
model max(1, runs // 2) times and embeds its 32 sentences `runs` times per batch size after 1
warm-up pass (needs Models/all-MiniLM-L6-v2 from Scripts/fetch_models.sh, and sentence-transformers
or transformers).

Language models (Strata's LanguageModelTrainer.trainStep and TextGeneration): the corpus is a
seeded random stream of 200,000 tokens over 65 symbols whose first 90% is the training part;
each step draws `batch` windows at random offsets (inputs, and targets shifted by one), zeroes
the gradients, takes the mean cross-entropy over all positions, back-propagates, steps the
optimiser and reads the loss. lstm-charlm is Embedding(65, 64)-LSTM(64, 256)-Linear(256, 65)
with Adam (lr 1e-3, betas 0.9/0.999); gpt-char is a GPT as Strata's (token and learned
position embeddings, pre-LayerNorm blocks with a fused qkv projection and a 4x tanh-GELU MLP,
final LayerNorm, head tied to the token embedding, no dropout) trained with AdamW (lr 1e-3,
betas 0.9/0.99, weight decay 0.1 on tensors of rank >= 2 and 0 on the rest), no clipping, no
schedule. `--attention sdpa` (default) uses F.scaled_dot_product_attention; `--attention
manual` writes attention out as a masked softmax. gpt2-generate builds GPT-2 small with random
weights (N(0, 0.02), the residual projections scaled by 1/sqrt(2 * layers) as Strata does) and
decodes greedily, batch 1, under torch.no_grad(): one forward pass over the 16-token prompt
fills a key/value cache (logits for every prompt position, as Strata computes them), then 64
single-token passes each append to it; "generate" is 64 tokens over prefill + decode time,
"decode" 64 over decode time alone, "prefill" the prompt's pass in ms.

Training batches: by default each epoch draws a fresh permutation (torch.randperm with a
seeded generator) and slices the index tensor into batches of the given size, gathering
rows with index_select; the last, partial batch is kept (60,000 = 468 x 128 + 96), as a
DataLoader with drop_last=False does. `--loader dataloader` uses
torch.utils.data.DataLoader(TensorDataset(x, y), batch_size, shuffle=True) instead, which
indexes and collates sample by sample and is slower.
"""

import argparse
import json
import math
import os
import resource
import statistics
import sys
import time
import warnings

# The PyPI wheel warns at import when numpy is absent; nothing here needs numpy.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy")

import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

THREADS = 2


def peak_rss_mb():
    """The process's peak resident memory in MB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def figure(name, unit, values, higher_is_better=True):
    """median / best over per-run values, in the shape of Strata's BenchmarkFigure."""
    return {
        "name": name,
        "unit": unit,
        "median": float(statistics.median(values)),
        "best": float(max(values) if higher_is_better else min(values)),
        "runs": len(values),
    }


def repeated(runs, warmup, body):
    """Runs body `warmup` times unmeasured, then `runs` times; the seconds of each run."""
    for _ in range(warmup):
        body()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        body()
        times.append(time.perf_counter() - t0)
    return times


def batches(x, y, batch_size, generator, loader):
    """One shuffled pass over (x, y) in batches; see the module docstring for `loader`."""
    if loader == "dataloader":
        dl = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(x, y), batch_size=batch_size, shuffle=True,
            generator=generator)
        yield from dl
        return
    perm = torch.randperm(x.shape[0], generator=generator)
    for idx in perm.split(batch_size):
        yield x.index_select(0, idx), y.index_select(0, idx)


def train_epoch(model, optimizer, loss_fn, x, y, batch_size, generator, loader, max_steps=None):
    """One pass of forward, loss, backward and Adam step per batch; returns the last loss."""
    model.train()
    loss = None
    for step, (xb, yb) in enumerate(batches(x, y, batch_size, generator, loader)):
        if max_steps is not None and step >= max_steps:
            break
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
    return loss


# ---------------------------------------------------------------------------------------------
# Workloads


def bench_gemm(args):
    """C = A·B, float32, square n = 256 ... 2048, in GFLOP/s (2 n^3 flops per product)."""
    results = []
    for n in (256, 512, 1024, 2048):
        g = torch.Generator().manual_seed(n)
        a = torch.rand(n, n, generator=g)
        b = torch.rand(n, n, generator=g)
        flops = 2.0 * n * n * n
        runs = max(3, args.runs // 2) if n >= 2048 else args.runs
        inner = args.gemm_inner

        def body():
            for _ in range(inner):
                torch.matmul(a, b)

        times = repeated(runs, 1, body)
        results.append(figure(f"n={n}", "GFLOP/s", [inner * flops / t / 1e9 for t in times]))
    return results


def bench_mlp(args):
    """MLP 784-512(ReLU)-10, Adam 1e-3, batch 128, one epoch of 60,000 per run; infer at 1000."""
    torch.manual_seed(1)
    n = 60_000
    g = torch.Generator().manual_seed(1)
    x = torch.rand(n, 784, generator=g)
    y = torch.randint(0, 10, (n,), generator=g)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(1)

    last = {}

    def train():
        last["loss"] = train_epoch(model, optimizer, loss_fn, x, y, 128, shuffle, args.loader)

    train_times = repeated(max(2, args.runs), 1, train)
    print(f"  (last training loss {last['loss'].item():.4f})", file=sys.stderr)

    def infer():
        model.eval()
        with torch.no_grad():
            return torch.cat([model(xb) for xb in x.split(1000)])

    infer_times = repeated(args.runs, 1, infer)
    return [
        figure("train", "samples/s", [n / t for t in train_times]),
        figure("infer", "samples/s", [n / t for t in infer_times]),
    ]


def bench_mlp_int8(args):
    """mlp-mnist inference (784-512(ReLU)-10, 60,000 samples at batch 1000): float32, then the
    same model after torch.ao.quantization.quantize_dynamic({nn.Linear}, qint8) -- int8 weights
    per output channel, activations quantised per batch at run time."""
    torch.manual_seed(1)
    n = 60_000
    g = torch.Generator().manual_seed(1)
    x = torch.rand(n, 784, generator=g)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10)).eval()
    quantized = torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)

    def infer(m):
        with torch.no_grad():
            return torch.cat([m(xb) for xb in x.split(1000)])

    float_times = repeated(args.runs, 1, lambda: infer(model))
    int8_times = repeated(args.runs, 1, lambda: infer(quantized))
    return [
        figure("infer-float32", "samples/s", [n / t for t in float_times]),
        figure("infer-int8-dynamic", "samples/s", [n / t for t in int8_times]),
    ]


class ConvNet(nn.Module):
    """Conv(1→32,3,p1)-ReLU-MaxPool2-Conv(32→64,3,p1)-ReLU-MaxPool2-Flatten-Linear(3136→128)-ReLU-Linear(128→10)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(3136, 128), nn.ReLU(),
            nn.Linear(128, 10))

    def forward(self, x):
        return self.net(x)


def bench_cnn(args):
    """The ConvNet, Adam 1e-3, batch 64, 200 steps per run over 12,800 synthetic 28x28 samples."""
    torch.manual_seed(1)
    steps, batch = 200, 64
    n = steps * batch
    g = torch.Generator().manual_seed(2)
    x = torch.rand(n, 1, 28, 28, generator=g)
    y = torch.randint(0, 10, (n,), generator=g)
    model = ConvNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(2)

    last = {}

    def train():
        last["loss"] = train_epoch(model, optimizer, loss_fn, x, y, batch, shuffle, args.loader,
                                   max_steps=steps)

    times = repeated(max(2, args.runs // 2), 1, train)
    print(f"  (last training loss {last['loss'].item():.4f})", file=sys.stderr)
    return [figure("train", "samples/s", [n / t for t in times])]


# ---------------------------------------------------------------------------------------------
# Language models


class TokenStream:
    """Random windows of a seeded random token stream, as Strata's TextCorpus.batch(.train, ...)."""

    def __init__(self, vocabulary=65, length=200_000, validation_fraction=0.1, seed=3, batch_seed=1337):
        ids = torch.randint(0, vocabulary, (length,), generator=torch.Generator().manual_seed(seed))
        self.train = ids[: length - round(length * validation_fraction)]
        self.generator = torch.Generator().manual_seed(batch_seed)

    def batch(self, size, context):
        """`size` windows of `context` tokens: inputs [size, context] and the targets after them."""
        starts = torch.randint(0, self.train.numel() - context, (size,), generator=self.generator)
        windows = self.train[starts[:, None] + torch.arange(context + 1)]
        return windows[:, :-1].contiguous(), windows[:, 1:].contiguous()


def train_language_model(args, model, optimizer, steps, batch, context):
    """Training tokens/s over `steps` steps per run, `runs` runs after one warm-up run."""
    stream = TokenStream()
    last = {}

    def train():
        for _ in range(steps):
            model.train()
            x, y = stream.batch(batch, context)
            optimizer.zero_grad(set_to_none=True)
            logits = model(x)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            loss.backward()
            optimizer.step()
            last["loss"] = loss.item()

    times = repeated(args.runs, 1, train)
    print(f"  (last training loss {last['loss']:.4f})", file=sys.stderr)
    tokens = steps * batch * context
    return [figure("train", "tokens/s", [tokens / t for t in times])]


class LSTMLanguageModel(nn.Module):
    """Embedding(vocabulary, 64)-LSTM(64, 256)-Linear(256, vocabulary), from a zero state."""

    def __init__(self, vocabulary=65, embedding=64, hidden=256):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, embedding)
        self.lstm = nn.LSTM(embedding, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocabulary)

    def forward(self, ids):
        outputs, _ = self.lstm(self.embedding(ids))
        return self.head(outputs)


def bench_lstm(args):
    """LSTM char-LM, sequence 64, batch 32, Adam lr 1e-3 (betas 0.9/0.999), 100 steps per run."""
    torch.manual_seed(1)
    model = LSTMLanguageModel()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), weight_decay=0)
    return train_language_model(args, model, optimizer, steps=100, batch=32, context=64)


class KeyValueCache:
    """Keys and values [B, H, T, D] of earlier positions per attention layer, grown by concatenation."""

    def __init__(self):
        self.entries = {}
        self.length = 0

    def append(self, layer, k, v):
        if layer in self.entries:
            past_k, past_v = self.entries[layer]
            k, v = torch.cat([past_k, k], dim=2), torch.cat([past_v, v], dim=2)
        self.entries[layer] = (k, v)
        self.length = k.shape[2]
        return k, v


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention with a fused qkv projection [3E, E] and an output projection."""

    def __init__(self, width, heads, context, attention):
        super().__init__()
        self.heads = heads
        self.attention = attention
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        # mask[i, j]: query position i may attend to key position j (j <= i).
        self.register_buffer("mask", torch.ones(context, context, dtype=torch.bool).tril(), persistent=False)

    def forward(self, x, cache=None):
        b, t, e = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, e // self.heads).permute(2, 0, 3, 1, 4)
        if cache is not None:
            k, v = cache.append(self, k, v)
        past = k.shape[2] - t
        if self.attention == "sdpa":
            if past == 0:
                y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            elif t == 1:   # one new query sees every cached position
                y = F.scaled_dot_product_attention(q, k, v)
            else:
                y = F.scaled_dot_product_attention(q, k, v, attn_mask=self.mask[past:past + t, :past + t])
        else:
            scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.shape[-1]))
            scores = scores.masked_fill(~self.mask[past:past + t, :past + t], float("-inf"))
            y = F.softmax(scores, dim=-1) @ v
        return self.out(y.transpose(1, 2).reshape(b, t, e))


class Block(nn.Module):
    """Pre-LayerNorm transformer block: x + Attention(LN(x)), then x + MLP(LN(x)) with a 4x tanh-GELU MLP."""

    def __init__(self, width, heads, context, attention):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = CausalSelfAttention(width, heads, context, attention)
        self.ln_2 = nn.LayerNorm(width)
        self.expand = nn.Linear(width, 4 * width)
        self.project = nn.Linear(4 * width, width)

    def forward(self, x, cache=None):
        x = x + self.attn(self.ln_1(x), cache)
        return x + self.project(F.gelu(self.expand(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    """Strata's GPT: token + learned position embeddings, pre-LN blocks, final LN, head tied to wte."""

    def __init__(self, vocabulary, context, layers, heads, width, attention):
        super().__init__()
        self.context = context
        self.wte = nn.Embedding(vocabulary, width)
        self.wpe = nn.Parameter(torch.empty(context, width))
        self.blocks = nn.ModuleList(Block(width, heads, context, attention) for _ in range(layers))
        self.ln_f = nn.LayerNorm(width)
        # GPT-2's initialisation, as Strata's: N(0, 0.02), zero biases, and the projections
        # into the residual stream scaled down by sqrt(2 * layers).
        residual_std = 0.02 / math.sqrt(2 * layers)
        with torch.no_grad():
            nn.init.normal_(self.wte.weight, std=0.02)
            nn.init.normal_(self.wpe, std=0.02)
            for block in self.blocks:
                for linear in (block.attn.qkv, block.attn.out, block.expand, block.project):
                    residual = linear is block.attn.out or linear is block.project
                    nn.init.normal_(linear.weight, std=residual_std if residual else 0.02)
                    nn.init.zeros_(linear.bias)

    def forward(self, ids, cache=None):
        t = ids.shape[1]
        offset = cache.length if cache is not None else 0
        assert offset + t <= self.context, f"{offset + t} positions exceed the context of {self.context}"
        x = self.wte(ids) + self.wpe[offset:offset + t]
        for block in self.blocks:
            x = block(x, cache)
        return F.linear(self.ln_f(x), self.wte.weight)   # [B, T, vocabulary], tied head


def bench_gpt_char(args):
    """GPT 4 layers, 4 heads, width 128, context 128, vocab 65, batch 16, AdamW lr 1e-3, 50 steps per run."""
    torch.manual_seed(1)
    model = GPT(vocabulary=65, context=128, layers=4, heads=4, width=128, attention=args.attention)
    params = list(model.parameters())
    optimizer = torch.optim.AdamW(
        [{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1},
         {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}],
        lr=1e-3, betas=(0.9, 0.99))
    return train_language_model(args, model, optimizer, steps=50, batch=16, context=128)


def bench_gpt2_generate(args):
    """GPT-2 small, random weights: greedy decoding of 64 tokens after a 16-token prompt, with a KV cache."""
    torch.manual_seed(1)
    model = GPT(vocabulary=50_257, context=1024, layers=12, heads=12, width=768, attention=args.attention)
    model.eval()
    prompt = torch.tensor([[(i * 997) % 50_257 for i in range(16)]])
    prefill, decode, total = [], [], []
    generated = []
    with torch.no_grad():
        for run in range(max(1, args.runs // 2) + 1):   # run 0 warms up
            cache = KeyValueCache()
            tokens = []
            t0 = time.perf_counter()
            logits = model(prompt, cache)[0, -1]
            t1 = time.perf_counter()
            for _ in range(64):
                token = int(logits.argmax())
                tokens.append(token)
                logits = model(torch.tensor([[token]]), cache)[0, -1]
            t2 = time.perf_counter()
            generated = tokens
            if run == 0:
                continue
            prefill.append((t1 - t0) * 1e3)
            decode.append(64 / (t2 - t1))
            total.append(64 / (t2 - t0))
    print(f"  (first generated ids {generated[:8]})", file=sys.stderr)
    return [
        figure("generate", "tokens/s", total),
        figure("decode", "tokens/s", decode),
        figure("prefill", "ms", prefill, higher_is_better=False),
    ]


def bench_gpt2_generate_quantized(args):
    """gpt2-generate-quantized: GPT-2 small, random weights, greedy decoding of 32 tokens after a
    16-token prompt, float32 and after torch.ao.quantization.quantize_dynamic({nn.Linear}, qint8)
    (int8 weights per output channel, activations rounded at run time), in one run."""
    torch.manual_seed(1)
    model = GPT(vocabulary=50_257, context=1024, layers=12, heads=12, width=768, attention=args.attention).eval()
    quantized = torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    prompt = torch.tensor([[(i * 997) % 50_257 for i in range(16)]])

    def decode_rates(m):
        rates = []
        with torch.no_grad():
            for run in range(max(1, args.runs // 2) + 1):   # run 0 warms up
                cache = KeyValueCache()
                logits = m(prompt, cache)[0, -1]
                t0 = time.perf_counter()
                for _ in range(32):
                    logits = m(torch.tensor([[int(logits.argmax())]]), cache)[0, -1]
                if run > 0:
                    rates.append(32 / (time.perf_counter() - t0))
        return rates

    return [figure("decode-float32", "tokens/s", decode_rates(model)),
            figure("decode-int8", "tokens/s", decode_rates(quantized))]


# MARK: - mf-recsys

class BiasedMF(nn.Module):
    """mean + b_u + b_i + p_u . q_i with embedding tables (factors N(0, 0.1), biases zero)."""

    def __init__(self, users, items, factors, mean):
        super().__init__()
        self.p = nn.Embedding(users, factors)
        self.q = nn.Embedding(items, factors)
        self.bu = nn.Embedding(users, 1)
        self.bi = nn.Embedding(items, 1)
        for e in (self.p, self.q):
            nn.init.normal_(e.weight, std=0.1)
        for e in (self.bu, self.bi):
            nn.init.zeros_(e.weight)
        self.mean = mean

    def forward(self, u, i):
        dot = (self.p(u) * self.q(i)).sum(dim=1)
        return self.mean + self.bu(u).squeeze(1) + self.bi(i).squeeze(1) + dot


def synthetic_ratings(users=943, items=1682, count=100_000, rank=8, seed=1):
    """Ratings 1-5 from a seeded biased low-rank model plus noise, rounded."""
    g = torch.Generator().manual_seed(seed)
    u = torch.randint(users, (count,), generator=g)
    i = torch.randint(items, (count,), generator=g)
    scale = (0.6 / rank ** 0.5) ** 0.5
    p = torch.randn(users, rank, generator=g) * scale
    q = torch.randn(items, rank, generator=g) * scale
    r = 3.5 + 0.4 * torch.randn(users, generator=g)[u] + 0.5 * torch.randn(items, generator=g)[i]
    r = r + (p[u] * q[i]).sum(1) + 0.8 * torch.randn(count, generator=g)
    return u, i, r.round().clamp(1, 5)


def bench_mf_recsys(args):
    """Biased MF, 943 users, 1,682 items, 32 factors, MSE, Adam 1e-3, batch 1024: one warm-up
    epoch, then one measured epoch per run over a seeded permutation, as Strata's bench."""
    torch.manual_seed(1)
    u, i, r = synthetic_ratings()
    model = BiasedMF(943, 1682, 32, r.mean().item())
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    g = torch.Generator().manual_seed(2)

    def epoch():
        order = torch.randperm(len(r), generator=g)
        for start in range(0, len(r), 1024):
            idx = order[start:start + 1024]
            loss = loss_fn(model(u[idx], i[idx]), r[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    epoch()
    rates = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        epoch()
        rates.append(len(r) / (time.perf_counter() - t0))
    return [figure("train", "ratings/s", rates)]


# MARK: - minilm-embed

# The 32 sentences of Strata's `strata bench minilm-embed` (Sources/StrataCLI/Bench+Embeddings.swift,
# BenchCommand.benchSentences); keep the two lists identical.
BENCH_SENTENCES = [
    'The quarterly report shows that revenue grew by twelve percent compared with last year.',
    'A man is riding a bicycle along the river on a sunny afternoon.',
    'Please remember to water the plants in the kitchen while I am away next week.',
    'The new library opens on Monday and will stay open until nine in the evening.',
    'Scientists have discovered a new species of frog in the rainforests of Ecuador.',
    'My flight was delayed by three hours because of a storm over Chicago.',
    'She plays the violin in the city orchestra and teaches music at a local school.',
    'The recipe calls for two cups of flour, one egg and a pinch of salt.',
    'Our team will review the pull request tomorrow morning before the release.',
    "The museum's collection includes paintings from the seventeenth and eighteenth centuries.",
    'He forgot his umbrella at the café and walked home in the rain.',
    'Electric cars are becoming cheaper as battery prices continue to fall.',
    'The children built a sandcastle near the water and watched the tide come in.',
    'Customers can return unused items within thirty days for a full refund.',
    'The committee postponed its decision until more data on the project costs is available.',
    "A good night's sleep improves memory, mood and concentration during the day.",
    'The train to Edinburgh leaves from platform four at a quarter past ten.',
    'Farmers in the valley expect an early harvest after an unusually warm spring.',
    'The software update fixes several security issues and improves battery life.',
    'We watched the sunset from the top of the hill before driving back to town.',
    'The restaurant on the corner serves the best noodle soup in the neighbourhood.',
    'Researchers trained the model on millions of sentences collected from public websites.',
    'Two dogs were playing with a red ball in the park.',
    'The meeting has been moved to the large conference room on the third floor.',
    'Heavy snowfall closed several mountain roads and delayed deliveries across the region.',
    'The author signed copies of her latest novel at the bookstore downtown.',
    'Regular exercise lowers the risk of heart disease and helps control weight.',
    'The bridge will be closed for repairs from Friday night until Sunday afternoon.',
    'A woman is slicing tomatoes in a small kitchen.',
    'The city council approved a plan to plant ten thousand trees over five years.',
    'Students must submit their final essays through the online portal by midnight.',
    'The old lighthouse on the cliff has guided ships safely into the harbour for a century.',
]


def minilm_directory(args):
    """--model-dir, else $STRATA_MODELS/all-MiniLM-L6-v2, else Models/all-MiniLM-L6-v2 in the repository."""
    if args.model_dir:
        return args.model_dir
    root = os.environ.get("STRATA_MODELS", os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Models"))
    return os.path.join(root, "all-MiniLM-L6-v2")


def load_sentence_encoder(model_dir, implementation):
    """A function (sentences, batch_size) -> [N, 384] float tensor of normalised mean-pooled embeddings.

    sentence-transformers: SentenceTransformer(model_dir).encode, which reads modules.json,
    sorts by length, pads per batch, truncates at max_seq_length 256, mean-pools and normalises.
    transformers: the same pipeline written out over AutoTokenizer + AutoModel (BertModel).
    """
    if implementation == "sentence-transformers":
        from sentence_transformers import SentenceTransformer
        model = SentenceTransformer(model_dir, device="cpu")
        model.eval()

        def encode(sentences, batch_size):
            return model.encode(sentences, batch_size=batch_size, convert_to_tensor=True, show_progress_bar=False)
        return encode

    from transformers import AutoModel, AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir)
    model.eval()
    with open(os.path.join(model_dir, "sentence_bert_config.json")) as f:
        max_length = json.load(f)["max_seq_length"]

    def encode(sentences, batch_size):
        order = sorted(range(len(sentences)), key=lambda i: -len(sentences[i]))
        out = [None] * len(sentences)
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                members = order[start:start + batch_size]
                batch = tokenizer([sentences[i] for i in members], padding=True, truncation=True,
                                  max_length=max_length, return_tensors="pt")
                hidden = model(**batch).last_hidden_state                     # [B, T, C]
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)   # [B, T, 1]
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = F.normalize(pooled, p=2, dim=1)
                for i, vector in zip(members, pooled):
                    out[i] = vector
        return torch.stack(out)
    return encode


def bench_minilm_embed(args):
    """all-MiniLM-L6-v2: sentences/s embedding BENCH_SENTENCES one at a time (batch 1) and as one
    batch of 32, `runs` runs each after one warm-up, under inference mode; plus the load time
    (max(1, runs // 2) loads), as Strata's bench."""
    model_dir = minilm_directory(args)
    if not os.path.exists(os.path.join(model_dir, "model.safetensors")):
        sys.exit(f"all-MiniLM-L6-v2 not found in {model_dir}: run Scripts/fetch_models.sh or pass --model-dir")
    implementation = args.embed_impl
    if implementation == "auto":
        try:
            import sentence_transformers  # noqa: F401
            implementation = "sentence-transformers"
        except ImportError:
            implementation = "transformers"
    args.embed_impl = implementation

    encoder = None
    loads = []
    for _ in range(max(1, args.runs // 2)):
        t0 = time.perf_counter()
        encoder = load_sentence_encoder(model_dir, implementation)
        loads.append((time.perf_counter() - t0) * 1e3)

    with torch.inference_mode():
        pair = encoder(["A man is eating food.", "A man is eating a piece of bread."], 2)
        cosine = float(F.cosine_similarity(pair[0:1], pair[1:2])[0])
        print(f"  ({implementation}: cosine of the MiniLM example pair {cosine:.4f}, expected 0.7553)", file=sys.stderr)
        results = []
        for batch_size in (1, 32):
            seconds = repeated(args.runs, 1, lambda: encoder(BENCH_SENTENCES, batch_size))
            results.append(figure(f"batch {batch_size}", "sentences/s", [len(BENCH_SENTENCES) / t for t in seconds]))
    results.append(figure("load", "ms", loads, higher_is_better=False))
    return results


# MARK: - smollm2-generate

SMOLLM2_PROMPT = "The quick brown fox jumps over the lazy dog. Once upon a time, in a land far away, there lived a king"


def bench_smollm2_generate(args):
    """SmolLM2-135M-Instruct from the same GGUF file (transformers dequantises it to float32):
    the first 16 prompt tokens, then 128 greedy tokens with the KV cache, end-of-sequence ignored."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    path = args.gguf or os.path.join(os.environ.get("STRATA_MODELS", os.path.join(os.path.dirname(__file__), "..", "Models")),
                                     "SmolLM2-135M-Instruct.Q4_1.gguf")
    directory, name = os.path.split(os.path.abspath(path))
    t0 = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(directory, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(directory, gguf_file=name, torch_dtype=torch.float32)
    model.eval()
    load_ms = (time.perf_counter() - t0) * 1e3
    prompt = torch.tensor([tokenizer(SMOLLM2_PROMPT, add_special_tokens=False)["input_ids"][:16]])
    prefill, decode, generated = [], [], []
    with torch.no_grad():
        for run in range(max(1, args.runs // 2) + 1):   # run 0 warms up
            t0 = time.perf_counter()
            out = model(prompt, use_cache=True)
            token = int(out.logits[0, -1].argmax())
            t1 = time.perf_counter()
            tokens, past = [token], out.past_key_values
            for _ in range(127):
                out = model(torch.tensor([[token]]), past_key_values=past, use_cache=True)
                past = out.past_key_values
                token = int(out.logits[0, -1].argmax())
                tokens.append(token)
            t2 = time.perf_counter()
            generated = tokens
            if run == 0:
                continue
            prefill.append((t1 - t0) * 1e3)
            decode.append(127 / (t2 - t1))
    print(f"  (prompt ids {prompt[0].tolist()}; first generated ids {generated[:8]})", file=sys.stderr)
    return [
        figure("decode", "tokens/s", decode),
        figure("prefill", "ms", prefill, higher_is_better=False),
        figure("load", "ms", [load_ms], higher_is_better=False),
    ]


WORKLOADS = {"gemm": bench_gemm, "mlp-mnist": bench_mlp, "mlp-mnist-int8": bench_mlp_int8, "cnn-mnist": bench_cnn,
             "lstm-charlm": bench_lstm, "gpt-char": bench_gpt_char, "gpt2-generate": bench_gpt2_generate,
             "gpt2-generate-quantized": bench_gpt2_generate_quantized,
             "mf-recsys": bench_mf_recsys, "minilm-embed": bench_minilm_embed,
             "smollm2-generate": bench_smollm2_generate}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("workload", choices=sorted(WORKLOADS))
    p.add_argument("--json", metavar="PATH", help="write the figures as JSON to PATH")
    p.add_argument("--runs", type=int, default=5, help="measured runs per figure (default 5, as Strata)")
    p.add_argument("--threads", type=int, default=THREADS, help="torch.set_num_threads (default 2)")
    p.add_argument("--loader", choices=("index", "dataloader"), default="index",
                   help="how training batches are drawn (default: index permutation)")
    p.add_argument("--attention", choices=("sdpa", "manual"), default="sdpa",
                   help="gpt-char / gpt2-generate attention: F.scaled_dot_product_attention (default) "
                        "or written out with a masked softmax")
    p.add_argument("--model-dir", metavar="DIR",
                   help="minilm-embed: the all-MiniLM-L6-v2 folder (default $STRATA_MODELS or Models/all-MiniLM-L6-v2)")
    p.add_argument("--embed-impl", choices=("auto", "sentence-transformers", "transformers"), default="auto",
                   help="minilm-embed: sentence-transformers' encode (default when installed) or transformers "
                        "with the same pooling written out")
    p.add_argument("--gguf", metavar="PATH",
                   help="smollm2-generate: the GGUF file (default $STRATA_MODELS or Models/SmolLM2-135M-Instruct.Q4_1.gguf)")
    p.add_argument("--gemm-inner", type=int, default=1,
                   help="products per timed gemm run (default 1, as Strata)")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    rss_import = peak_rss_mb()
    load_start = os.getloadavg()[0]
    results = WORKLOADS[args.workload](args)
    report = {
        "workload": args.workload,
        "framework": f"pytorch {torch.__version__}",
        "threads": torch.get_num_threads(),
        "blas": "MKL" if torch.backends.mkl.is_available() else "other",
        "loader": args.loader,
        # 1-minute load average before and after: on a 2-core machine anything above ~0.5
        # before the run means another process competed for the cores (see Scripts/README.md).
        "load_average_1m": [round(load_start, 2), round(os.getloadavg()[0], 2)],
        "rss_after_import_mb": round(rss_import, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "results": results,
    }
    setting = f"loader {args.loader}"
    if args.workload.startswith("gpt"):
        report["attention"] = args.attention
        setting = f"attention {args.attention}"
    elif args.workload == "lstm-charlm":
        setting = "random windows"
    elif args.workload == "minilm-embed":
        report["implementation"] = args.embed_impl
        setting = args.embed_impl

    print(f"{report['workload']}  ({report['framework']}, {report['threads']} threads, "
          f"{report['blas']}, {setting})")
    for r in results:
        print(f"  {r['name']:<18}median {r['median']:10.1f}  best {r['best']:10.1f}  {r['unit']}"
              f"  ({r['runs']} runs)")
    print(f"  peak memory {report['peak_rss_mb']:.1f} MB (after import {report['rss_after_import_mb']:.1f} MB)")
    print(f"  load average (1 min) {report['load_average_1m'][0]:.2f} before, "
          f"{report['load_average_1m'][1]:.2f} after")
    if args.json:
        tmp = args.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(report, f, indent=2, sort_keys=True)
            f.write("\n")
        os.replace(tmp, args.json)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
