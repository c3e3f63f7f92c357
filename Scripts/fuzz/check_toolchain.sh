#!/usr/bin/env bash
# Checks that swiftc can build a libFuzzer target here (-sanitize=fuzzer,address needs clang's
# libFuzzer and AddressSanitizer runtimes, shipped in the Swift toolchain's lib/clang/*/lib/linux).
# Exit 0 when it can; otherwise prints how to enable it and exits 1.
set -uo pipefail
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/probe.swift" <<'SWIFT'
@_cdecl("LLVMFuzzerTestOneInput")
public func probe(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt { 0 }
SWIFT
if swiftc -sanitize=fuzzer,address -parse-as-library "$tmp/probe.swift" -o "$tmp/probe" >"$tmp/log" 2>&1; then
    echo "libFuzzer: available ($(swiftc --version 2>&1 | head -1))"
    exit 0
fi
echo "libFuzzer is not available to swiftc here:"
sed 's/^/  /' "$tmp/log" | head -5
echo "To enable it, use a Swift toolchain for Linux from swift.org (its usr/lib/clang/*/lib/linux holds"
echo "libclang_rt.fuzzer-x86_64.a and libclang_rt.asan-x86_64.a), or install clang's runtime libraries"
echo "(Debian/Ubuntu: apt-get install libclang-rt-dev, matching the toolchain's clang version)."
exit 1
