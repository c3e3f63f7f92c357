#!/usr/bin/env bash
# Builds the GGUF reader with libFuzzer and AddressSanitizer and fuzzes it, starting from the
# test fixture. Not part of the package build or CI.
#
# Usage: Scripts/fuzz/fuzz_gguf.sh [libFuzzer options]   e.g. -max_total_time=300 -jobs=2
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
out="$here/.build/fuzz"
mkdir -p "$out/modules" "$out/corpus"
cp -n "$here/Tests/StrataIOTests/Fixtures/small.gguf" "$out/corpus/" || true
flags=(-O -sanitize=fuzzer,address -parse-as-library -I "$out/modules")
# Each module is compiled on its own so that `import StrataCore` resolves as in the package.
swiftc "${flags[@]}" -emit-module -emit-module-path "$out/modules/StrataCore.swiftmodule" \
    -module-name StrataCore -c "$here/Sources/StrataCore/GGMLType.swift" -o "$out/StrataCore.o"
swiftc "${flags[@]}" -emit-module -emit-module-path "$out/modules/StrataIO.swiftmodule" \
    -module-name StrataIO -c "$here"/Sources/StrataIO/GGUF*.swift -o "$out/StrataIO.o" -wmo
swiftc "${flags[@]}" "$here/Scripts/fuzz/GGUFFuzzer.swift" "$out/StrataCore.o" "$out/StrataIO.o" \
    -module-name GGUFFuzzer -o "$out/gguf-fuzzer"
exec "$out/gguf-fuzzer" "$out/corpus" -max_len=65536 -rss_limit_mb=1024 "$@"
