#!/usr/bin/env python3
"""PyTorch (CPU) peer of `strata bench mf-recsys` (../shared/BENCHMARKS.md).

Biased matrix factorisation, 943 users, 1,682 items, 32 factors, user and item biases, MSE,
Adam lr 1e-3, batch 1024, over 100,000 synthetic ratings 1-5 from a seeded low-rank model;
one warm-up epoch, then one measured epoch per run (5 runs: the workload's 5 epochs), 2 threads.
Each epoch draws a seeded permutation and slices it into batches, as Strata's bench does.

    /opt/torchenv/bin/python Scripts/bench_mf_recsys_pytorch.py [--runs 5] [--json out.json]
"""

import argparse
import json
import resource
import statistics
import time
import warnings

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")

import torch  # noqa: E402
from torch import nn  # noqa: E402


class BiasedMF(nn.Module):
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


def synthetic(users=943, items=1682, count=100_000, rank=8, seed=1):
    g = torch.Generator().manual_seed(seed)
    u = torch.randint(users, (count,), generator=g)
    i = torch.randint(items, (count,), generator=g)
    scale = (0.6 / rank ** 0.5) ** 0.5
    p = torch.randn(users, rank, generator=g) * scale
    q = torch.randn(items, rank, generator=g) * scale
    r = 3.5 + 0.4 * torch.randn(users, generator=g)[u] + 0.5 * torch.randn(items, generator=g)[i]
    r = r + (p[u] * q[i]).sum(1) + 0.8 * torch.randn(count, generator=g)
    return u, i, r.round().clamp(1, 5)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    u, i, r = synthetic()
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
    result = {
        "workload": "mf-recsys", "framework": f"pytorch {torch.__version__}", "threads": torch.get_num_threads(),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "results": [{"name": "train", "unit": "ratings/s", "median": statistics.median(rates), "best": max(rates), "runs": len(rates)}],
    }
    print(f"mf-recsys (PyTorch {torch.__version__}, {torch.get_num_threads()} threads)")
    print(f"  train  median {result['results'][0]['median']:10.1f}  best {result['results'][0]['best']:10.1f}  ratings/s")
    print(f"  peak memory {result['peak_rss_mb']:.1f} MB")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
