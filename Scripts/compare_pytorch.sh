#!/usr/bin/env bash
# Runs each benchmark workload in Strata and then in PyTorch, back to back, and prints
# Strata's median over PyTorch's median. Needs PyTorch in $TORCH_PYTHON (default
# /opt/torchenv/bin/python; create it with: python3 -m venv /opt/torchenv && /opt/torchenv/bin/pip install torch).
# Usage: Scripts/compare_pytorch.sh [OUT_DIR] [WORKLOAD ...]
#   (default: gemm mlp-mnist cnn-mnist lstm-charlm gpt-char gpt2-generate mf-recsys)
# $TORCH_ARGS goes to bench_pytorch.py, e.g. TORCH_ARGS="--attention manual" for gpt-char and
# gpt2-generate with attention written out instead of PyTorch's fused kernel. "ratio" is
# Strata's median over PyTorch's, inverted for figures in ms, so above 1 is Strata ahead.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/bench}; shift || true
workloads=${*:-gemm mlp-mnist cnn-mnist lstm-charlm gpt-char gpt2-generate mf-recsys}
python=${TORCH_PYTHON:-/opt/torchenv/bin/python}
mkdir -p "$out"
swift build -c release --product strata > /dev/null
for w in $workloads; do
    echo "== $w: load average $(cut -d' ' -f1 /proc/loadavg)"
    .build/release/strata bench "$w" --json "$out/strata-$w.json"
    # shellcheck disable=SC2086  # TORCH_ARGS is split into words on purpose
    "$python" Scripts/bench_pytorch.py "$w" ${TORCH_ARGS:-} --json "$out/pytorch-$w.json" > /dev/null
    python3 - "$out/strata-$w.json" "$out/pytorch-$w.json" <<'PY'
import json, sys
s, t = (json.load(open(p)) for p in sys.argv[1:3])
theirs = {r["name"]: r for r in t["results"]}
for r in s["results"]:
    if r["name"] in theirs:
        o = theirs[r["name"]]
        ratio = o["median"] / r["median"] if r["unit"] == "ms" else r["median"] / o["median"]
        print(f'   {r["name"]:8s} Strata {r["median"]:10.1f}  PyTorch {o["median"]:10.1f} {r["unit"]:10s} ratio {ratio:.2f}')
print(f'   peak memory  Strata {s["peak_rss_mb"]:.0f} MB  PyTorch {t["peak_rss_mb"]:.0f} MB  ratio {s["peak_rss_mb"] / t["peak_rss_mb"]:.2f}')
PY
done
