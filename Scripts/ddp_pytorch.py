#!/usr/bin/env python3
"""PyTorch DistributedDataParallel (gloo, CPU) peer of Strata's data-parallel training, for the
scaling table of the README's distributed section.

Trains the same two workloads as `mpirun -np N strata train ...` with N processes started by
torch.multiprocessing on 127.0.0.1, the global batch split over them as Strata splits it:

  mlp-mnist  one epoch of MNIST (Data/mnist), MLP 784-512-256-10 with dropout 0.2, Adam lr 1e-3,
             global batch 128 (strata train mnist --epochs 1)
  gpt-char   60 steps of 16 windows of 128 characters of Shakespeare (Data/shakespeare), GPT
             4 layers x 4 heads x width 128, AdamW lr 1e-3 (strata train lm --steps 60)

Prints (and with --json writes) rank 0's training throughput and, with more than one process,
the cost of the gradient exchange: the same loop is timed again inside model.no_sync() (no
allreduce at all), and the exchange's share of the step time is 1 - t_no_sync / t_ddp. DDP
overlaps its bucketed allreduce with backward, so this is what the exchange adds, not how long
it runs.

    /opt/torchenv/bin/python Scripts/ddp_pytorch.py mlp-mnist --processes 2 --threads 1
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_pytorch import GPT  # noqa: E402  (Strata's GPT, written in PyTorch)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def mnist_steps(rank, world, generator):
    """The shards of one epoch's shuffled batches of 128: rank r keeps rows r*64 ..< (r+1)*64 of each."""
    images = read_idx(os.path.join(ROOT, "Data/mnist/train-images-idx3-ubyte.gz")).reshape(-1, 784).float() / 255
    labels = read_idx(os.path.join(ROOT, "Data/mnist/train-labels-idx1-ubyte.gz")).long()
    order = torch.randperm(images.shape[0], generator=generator)
    steps = []
    for start in range(0, images.shape[0], 128):
        batch = order[start:start + 128]
        share = (batch.numel() + world - 1) // world
        mine = batch[rank * share:(rank + 1) * share]
        if mine.numel() > 0:
            steps.append((images[mine], labels[mine]))
    return steps


def gpt_steps(rank, world, generator):
    text = gzip.open(os.path.join(ROOT, "Data/shakespeare/shakespeare.txt.gz")).read().decode("utf-8")
    vocabulary = sorted(set(text))
    lookup = {c: i for i, c in enumerate(vocabulary)}
    ids = torch.tensor([lookup[c] for c in text], dtype=torch.long)
    steps = []
    for _ in range(60):
        starts = torch.randint(0, ids.numel() - 129, (16,), generator=generator)
        windows = ids[starts[:, None] + torch.arange(129)]
        mine = windows[rank * 16 // world:(rank + 1) * 16 // world]
        steps.append((mine[:, :-1].contiguous(), mine[:, 1:].contiguous()))
    return steps, len(vocabulary)


def worker(rank, world, args, port, results):
    torch.set_num_threads(args.threads)
    if world > 1:
        os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", str(port)
        dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.manual_seed(1)
    generator = torch.Generator().manual_seed(1)
    if args.workload == "mlp-mnist":
        steps = mnist_steps(rank, world, generator)
        model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 256), nn.ReLU(),
                              nn.Dropout(0.2), nn.Linear(256, 10))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        samples = 60_000
    else:
        steps, vocabulary = gpt_steps(rank, world, generator)
        model = GPT(vocabulary=vocabulary, context=128, layers=4, heads=4, width=128, attention="sdpa")
        params = list(model.parameters())
        optimizer = torch.optim.AdamW(
            [{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1},
             {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}], lr=1e-3, betas=(0.9, 0.99))
        samples = 60 * 16 * 128
    ddp = nn.parallel.DistributedDataParallel(model) if world > 1 else model

    def run(sync):
        model.train()
        if world > 1:
            dist.barrier()
        t0 = time.perf_counter()
        for x, y in steps:
            optimizer.zero_grad(set_to_none=True)
            if sync or world == 1:
                out = ddp(x)
                loss = F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
                loss.backward()
            else:
                with ddp.no_sync():
                    out = ddp(x)
                    loss = F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
                    loss.backward()
            optimizer.step()
        if world > 1:
            dist.barrier()
        return time.perf_counter() - t0

    run(True)   # warm-up
    timed = run(True)
    alone = run(False) if world > 1 else timed
    if rank == 0:
        results.put({"workload": args.workload, "processes": world, "threads": args.threads,
                     "framework": f"PyTorch {torch.__version__} DDP (gloo)" if world > 1 else f"PyTorch {torch.__version__}",
                     "seconds": timed, "throughput": samples / timed,
                     "unit": "samples/s" if args.workload == "mlp-mnist" else "tokens/s",
                     "exchange_fraction": max(0.0, 1 - alone / timed)})
    if world > 1:
        dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("workload", choices=["mlp-mnist", "gpt-char"])
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--port", type=int, default=29517)
    p.add_argument("--json")
    args = p.parse_args()
    if not 1 <= args.processes <= 64 or not 1 <= args.threads <= 256:
        p.error("--processes must be in 1...64 and --threads in 1...256")
    results = mp.get_context("spawn").SimpleQueue()
    mp.spawn(worker, args=(args.processes, args, args.port, results), nprocs=args.processes, join=True)
    r = results.get()
    print(f"{r['workload']}: {r['framework']}, {r['processes']} x {r['threads']} threads: "
          f"{r['throughput']:.1f} {r['unit']} ({r['seconds']:.2f} s), exchange {100 * r['exchange_fraction']:.1f}% of the step time")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(r, f, indent=2)


if __name__ == "__main__":
    main()
