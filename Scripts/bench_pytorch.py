#!/usr/bin/env python3
"""PyTorch (CPU) peer of `strata bench NAME` for the workloads of ../shared/BENCHMARKS.md.

Runs one workload (gemm, mlp-mnist, cnn-mnist) with the shapes and hyper-parameters given
there, on synthetic data from fixed seeds, with 2 threads; each figure is measured after a
warm-up and repeated, and the median and best are reported together with the process's peak
resident memory (getrusage ru_maxrss, which on Linux is the same VmHWM that Strata reads).
`--json PATH` writes the figures in Strata's JSON shape, with "framework" in place of
"strata_version".

    /opt/torchenv/bin/python Scripts/bench_pytorch.py gemm --json out.json
    /opt/torchenv/bin/python Scripts/bench_pytorch.py mlp-mnist [--loader dataloader]
    /opt/torchenv/bin/python Scripts/bench_pytorch.py cnn-mnist --runs 5

Run counts follow Strata's BenchCommand so that the two compare run for run (default
--runs 5): gemm times one product per run, 5 runs (3 at n=2048) after 1 warm-up product;
mlp-mnist trains max(2, runs) epochs after 1 warm-up epoch and infers `runs` passes after 1
warm-up pass; cnn-mnist trains max(2, runs // 2) runs of 200 steps after 1 warm-up run.

Training batches: by default each epoch draws a fresh permutation (torch.randperm with a
seeded generator) and slices the index tensor into batches of the given size, gathering
rows with index_select; the last, partial batch is kept (60,000 = 468 x 128 + 96), as a
DataLoader with drop_last=False does. `--loader dataloader` uses
torch.utils.data.DataLoader(TensorDataset(x, y), batch_size, shuffle=True) instead, which
indexes and collates sample by sample and is slower.
"""

import argparse
import json
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


WORKLOADS = {"gemm": bench_gemm, "mlp-mnist": bench_mlp, "cnn-mnist": bench_cnn}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("workload", choices=sorted(WORKLOADS))
    p.add_argument("--json", metavar="PATH", help="write the figures as JSON to PATH")
    p.add_argument("--runs", type=int, default=5, help="measured runs per figure (default 5, as Strata)")
    p.add_argument("--threads", type=int, default=THREADS, help="torch.set_num_threads (default 2)")
    p.add_argument("--loader", choices=("index", "dataloader"), default="index",
                   help="how training batches are drawn (default: index permutation)")
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

    print(f"{report['workload']}  ({report['framework']}, {report['threads']} threads, "
          f"{report['blas']}, loader {args.loader})")
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
