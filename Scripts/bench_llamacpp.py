#!/usr/bin/env python3
"""llama.cpp peer of `strata bench smollm2-generate`, through llama-cpp-python (which builds
llama.cpp from source: `pip install llama-cpp-python`).

The same workload as Strata's: the first 16 tokens of a fixed English prompt, then 128 greedy
tokens (argmax of the logits, end-of-sequence ignored) with llama.cpp's KV cache, on the same
GGUF file and the same number of threads. Reports prefill ms, decode tokens/s and peak RSS in the
JSON shape of Scripts/bench_pytorch.py.

Usage: Scripts/bench_llamacpp.py [--model Models/SmolLM2-135M-Instruct.Q4_1.gguf] [--threads 2] [--runs 3] [--json PATH]
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
from llama_cpp import Llama

PROMPT = "The quick brown fox jumps over the lazy dog. Once upon a time, in a land far away, there lived a king"
PROMPT_TOKENS = 16
NEW_TOKENS = 128


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def figure(name, unit, values, higher_is_better=True):
    return {"name": name, "unit": unit, "median": float(statistics.median(values)),
            "best": float(max(values) if higher_is_better else min(values)), "runs": len(values)}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_model = os.path.join(os.environ.get("STRATA_MODELS", os.path.join(here, "..", "Models")),
                                 "SmolLM2-135M-Instruct.Q4_1.gguf")
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=default_model)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--json", metavar="PATH")
    args = p.parse_args()

    t0 = time.perf_counter()
    llm = Llama(model_path=args.model, n_ctx=512, n_threads=args.threads, n_threads_batch=args.threads,
                n_batch=512, logits_all=True, verbose=False)
    load_ms = (time.perf_counter() - t0) * 1e3
    prompt = llm.tokenize(PROMPT.encode(), add_bos=False, special=False)[:PROMPT_TOKENS]
    prefill, decode, generated = [], [], []
    for run in range(args.runs + 1):   # run 0 warms up
        llm.reset()
        t0 = time.perf_counter()
        llm.eval(prompt)
        token = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        t1 = time.perf_counter()
        tokens = [token]
        for _ in range(NEW_TOKENS - 1):
            llm.eval([token])
            token = int(np.argmax(llm.scores[llm.n_tokens - 1]))
            tokens.append(token)
        t2 = time.perf_counter()
        generated = tokens
        if run == 0:
            continue
        prefill.append((t1 - t0) * 1e3)
        decode.append((NEW_TOKENS - 1) / (t2 - t1))
    print(f"  (prompt ids {prompt}; first generated ids {generated[:8]})", file=sys.stderr)
    results = [figure("decode", "tokens/s", decode), figure("prefill", "ms", prefill, higher_is_better=False),
               figure("load", "ms", [load_ms], higher_is_better=False)]
    report = {"workload": "smollm2-generate", "framework": "llama.cpp (llama-cpp-python)", "threads": args.threads,
              "peak_rss_mb": round(peak_rss_mb(), 1), "results": results, "generated": generated}
    print(f"smollm2-generate  (llama.cpp, {args.threads} threads)")
    for r in results:
        print(f"  {r['name']:<18}median {r['median']:10.1f}  best {r['best']:10.1f}  {r['unit']}  ({r['runs']} runs)")
    print(f"  peak memory {report['peak_rss_mb']:.1f} MB")
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            json.dump(report, f, indent=2, sort_keys=True)
        os.replace(args.json + ".tmp", args.json)


if __name__ == "__main__":
    main()
