#!/usr/bin/env bash
# Kept for old instructions: the same as Scripts/fuzz/fuzz.sh gguf [libFuzzer options].
exec "$(dirname "$0")/fuzz.sh" gguf "$@"
