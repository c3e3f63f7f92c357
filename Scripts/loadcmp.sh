#!/usr/bin/env bash
# Same-run load comparison on loopback: `strata serve` (this checkout's release build) against
# llama-cpp-python's server on the same GGUF, with Scripts/loadtest.py (streaming chat clients,
# one request per client). Each server gets one short warm-up request that is not measured
# (llama-cpp-python's first request is slow). llama-cpp-python runs with --interrupt_requests
# False: by default a new request cuts off the one being streamed, and the cut-off streams end
# "successfully" with no tokens.
#
#   swift build -c release && Scripts/loadcmp.sh
#   MAXTOK=32 CLIENTS="1 4 16" LLAMA_PYTHON=/opt/torchenv/bin/python Scripts/loadcmp.sh
#   REQUESTS=4 MAXTOK=128 Scripts/loadcmp.sh     (each client sends 4 requests in a row: a full batch)
#
# Results: /tmp/lt-strata.json and /tmp/lt-llama.json (and the tables on stdout).
set -u
cd "$(dirname "$0")/.."
M=${MODEL:-Models/SmolLM2-135M-Instruct.Q4_1.gguf}
MAXTOK=${MAXTOK:-64}
REQUESTS=${REQUESTS:-1}
CLIENTS=${CLIENTS:-"1 4 16 64"}
LLAMA_PYTHON=${LLAMA_PYTHON:-/opt/torchenv/bin/python}

# measure PORT PID LABEL: warm-up, then every level of $CLIENTS
measure() {
    python3 Scripts/loadtest.py --base-url "http://127.0.0.1:$1/v1" --model smol --clients 1 --requests-per-client 1 \
        --max-tokens 8 > /dev/null
    echo "== $3"
    python3 Scripts/loadtest.py --base-url "http://127.0.0.1:$1/v1" --model smol --clients $CLIENTS \
        --requests-per-client "$REQUESTS" --max-tokens "$MAXTOK" --max-seconds 600 --server-pid "$2" --json "/tmp/lt-$3.json"
}

.build/release/strata serve --model "smol=$M" --port 8091 > /tmp/loadcmp-strata.log 2>&1 &
sp=$!
for _ in $(seq 1 100); do grep -q "listening on" /tmp/loadcmp-strata.log && break; sleep 0.3; done
measure 8091 $sp strata
kill -TERM $sp; wait $sp

"$LLAMA_PYTHON" -m llama_cpp.server --model "$M" --port 8092 --n_threads 2 --n_ctx 2048 --model_alias smol \
    --interrupt_requests False > /tmp/loadcmp-llama.log 2>&1 &
lp=$!
for _ in $(seq 1 100); do curl -s http://127.0.0.1:8092/v1/models > /dev/null && break; sleep 0.5; done
measure 8092 $lp llama
kill -TERM $lp; wait $lp
