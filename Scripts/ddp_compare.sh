#!/usr/bin/env bash
# Data-parallel training, Strata (mpirun) against PyTorch DistributedDataParallel (gloo), back to
# back in one run: mlp-mnist (one epoch, global batch 128) and gpt-char (60 steps x 16 x 128),
# each as 1 process x 2 threads and 2 processes x 1 thread. Prints throughput and the gradient
# exchange's share of the training time (Strata: exchange_seconds / train time from --json;
# PyTorch: 1 - time under no_sync() / time with DDP, see Scripts/ddp_pytorch.py).
# Needs Open MPI (apt-get install openmpi-bin) and PyTorch in $TORCH_PYTHON (default /opt/torchenv/bin/python).
# Usage: Scripts/ddp_compare.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/ddp}
python=${TORCH_PYTHON:-/opt/torchenv/bin/python}
mkdir -p "$out"
swift build -c release --product strata > /dev/null
strata=.build/release/strata
mpi=(mpirun --allow-run-as-root -x STRATA_NUM_THREADS)

strata_run() {   # workload processes threads
    local json="$out/strata-$1-$2x$3.json" args
    if [ "$1" = mlp-mnist ]; then args=(train mnist --epochs 1); else args=(train lm --steps 60 --eval-interval 60); fi
    if [ "$2" -gt 1 ]; then
        STRATA_NUM_THREADS=$3 "${mpi[@]}" -np "$2" "$strata" "${args[@]}" --out "$out/run-$1" --json "$json" > /dev/null
    else
        STRATA_NUM_THREADS=$3 "$strata" "${args[@]}" --out "$out/run-$1" --json "$json" > /dev/null
    fi
    python3 - "$json" "$1" "$2" "$3" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
rate = r.get("samples_per_second") or r.get("tokens_per_second")
unit = "samples/s" if "samples_per_second" in r else "tokens/s"
seconds = (60_000 / rate) if unit == "samples/s" else (60 * 16 * 128 / rate)
print(f"{sys.argv[2]}: Strata, {sys.argv[3]} x {sys.argv[4]} threads: {rate:.1f} {unit}, "
      f"exchange {100 * r.get('exchange_seconds', 0) / seconds:.1f}% of the training time")
PY
}

for workload in mlp-mnist gpt-char; do
    for config in "1 2" "2 1"; do
        set -- $config
        echo "== $workload, $1 process(es) x $2 thread(s): load average $(cut -d' ' -f1 /proc/loadavg)"
        strata_run "$workload" "$1" "$2"
        "$python" Scripts/ddp_pytorch.py "$workload" --processes "$1" --threads "$2" --json "$out/pytorch-$workload-$1x$2.json" 2> /dev/null
    done
done
