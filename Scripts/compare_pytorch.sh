#!/usr/bin/env bash
# Runs each benchmark workload in Strata and then in PyTorch, back to back, and prints
# Strata's median over PyTorch's median. Needs PyTorch in $TORCH_PYTHON (default
# /opt/torchenv/bin/python; create it with: python3 -m venv /opt/torchenv && /opt/torchenv/bin/pip install torch).
# Usage: Scripts/compare_pytorch.sh [OUT_DIR] [WORKLOAD ...]   (default: gemm mlp-mnist cnn-mnist)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/bench}; shift || true
workloads=${*:-gemm mlp-mnist cnn-mnist}
python=${TORCH_PYTHON:-/opt/torchenv/bin/python}
mkdir -p "$out"
swift build -c release --product strata > /dev/null
for w in $workloads; do
    echo "== $w: load average $(cut -d' ' -f1 /proc/loadavg)"
    .build/release/strata bench "$w" --json "$out/strata-$w.json"
    "$python" Scripts/bench_pytorch.py "$w" --json "$out/pytorch-$w.json" > /dev/null
    python3 - "$out/strata-$w.json" "$out/pytorch-$w.json" <<'PY'
import json, sys
s, t = (json.load(open(p)) for p in sys.argv[1:3])
theirs = {r["name"]: r for r in t["results"]}
for r in s["results"]:
    if r["name"] in theirs:
        o = theirs[r["name"]]
        print(f'   {r["name"]:8s} Strata {r["median"]:10.1f}  PyTorch {o["median"]:10.1f} {r["unit"]:10s} ratio {r["median"] / o["median"]:.2f}')
print(f'   peak memory  Strata {s["peak_rss_mb"]:.0f} MB  PyTorch {t["peak_rss_mb"]:.0f} MB  ratio {s["peak_rss_mb"] / t["peak_rss_mb"]:.2f}')
PY
done
