#!/usr/bin/env bash
# Builds one of Strata's binary parsers with libFuzzer and AddressSanitizer and fuzzes it,
# starting from a small valid file. Only the source files each parser needs are compiled (the
# parsers do not need Tensor), module by module so that `import StrataCore` resolves as in the
# package.
#
# Usage: Scripts/fuzz/fuzz.sh TARGET [libFuzzer options]
#   TARGET: gguf | safetensors | png (PNG, PGM, PPM) | idx (IDX, raw and gzip)
#   e.g.    Scripts/fuzz/fuzz.sh png -max_total_time=300 -jobs=2
# Needs a Swift toolchain with the libFuzzer runtime (libclang_rt.fuzzer); exits 3 without it.
# Crashes are written to .build/fuzz/TARGET/ as crash-*; the corpus grows in .build/fuzz/TARGET/corpus.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
target="${1:?usage: Scripts/fuzz/fuzz.sh gguf|safetensors|png|idx [libFuzzer options]}"
shift
src="$here/Sources"
out="$here/.build/fuzz/$target"
mkdir -p "$out/modules" "$out/corpus"

if ! "$here/Scripts/fuzz/check_toolchain.sh" >/dev/null 2>&1; then
    "$here/Scripts/fuzz/check_toolchain.sh" || true
    exit 3
fi

flags=(-O -sanitize=fuzzer,address -parse-as-library -I "$out/modules" -I "$src/CZlib")
# module NAME FILES...: compiles FILES as module NAME into $out/NAME.o
module() {
    local name="$1"; shift
    swiftc "${flags[@]}" -emit-module -emit-module-path "$out/modules/$name.swiftmodule" \
        -module-name "$name" -wmo -c "$@" -o "$out/$name.o"
}

case "$target" in
gguf)
    module StrataCore "$src/StrataCore/GGMLType.swift" "$src/StrataCore/Ensure.swift"
    module StrataIO "$src"/StrataIO/GGUF*.swift "$src"/StrataIO/{FileError,FileError+Kind}.swift
    objects=("$out/StrataCore.o" "$out/StrataIO.o"); libs=(); harness=GGUFFuzzer
    cp -n "$here/Tests/StrataIOTests/Fixtures/small.gguf" "$out/corpus/" || true
    ;;
safetensors)
    module StrataIO "$src"/StrataIO/{SafeTensors,SafeTensors+Read,SafeTensors+DType,SafeTensors+ErrorKinds,SafeTensorsEntry}.swift \
        "$src"/StrataIO/{FileBytes,FileError,FileError+Kind,JSONDocument,AtomicFile,FileDescriptorWriter}.swift "$src"/StrataIO/JSONValue*.swift
    objects=("$out/StrataIO.o"); libs=(); harness=SafeTensorsFuzzer
    # Seeds: a file with four dtypes, a scalar, an empty tensor and metadata, and a minimal one.
    printf '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I64","shape":[],"data_offsets":[8,16]},"c":{"dtype":"U8","shape":[0,3],"data_offsets":[16,16]},"d":{"dtype":"BF16","shape":[1,2],"data_offsets":[16,20]},"__metadata__":{"format":"pt"}}' > "$out/header.json"
    python3 - "$out/header.json" "$out/corpus/seed.safetensors" <<'PY'
import struct, sys
h = open(sys.argv[1], 'rb').read()
h += b' ' * (-len(h) % 8)
open(sys.argv[2], 'wb').write(struct.pack('<Q', len(h)) + h + bytes(range(20)))
PY
    printf '\x02\x00\x00\x00\x00\x00\x00\x00{}' > "$out/corpus/empty.safetensors"
    ;;
png|idx)
    module StrataCore "$src/StrataCore/Ensure.swift"
    module StrataIO "$src"/StrataIO/{FileBytes,FileError,FileError+Kind,AtomicFile,FileDescriptorWriter}.swift
    module StrataData "$src"/StrataData/{PNGDecoder,PNGHeader,PNGPixelConverter,GrayImage,GrayImage+Read,GrayImage+PNGEncoding,GrayImage+ErrorKinds,PNMDecoder,Zlib,ZlibStream,Zlib+ErrorKinds,Gzip,IDX,IDXArray,IDX+ErrorKinds}.swift
    objects=("$out/StrataCore.o" "$out/StrataIO.o" "$out/StrataData.o"); libs=(-lz)
    harness=$([ "$target" = png ] && echo ImageFuzzer || echo IDXFuzzer)
    if [ "$target" = png ]; then
        # Seeds: a gray PNG from Python's zlib (written from the specification), PGM and PPM.
        python3 - "$out/corpus" <<'PY'
import struct, sys, zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
w, h = 5, 4
raw = b''.join(bytes([y % 5]) + bytes((x * 40 + y * 9) % 256 for x in range(w)) for y in range(h))
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
open(sys.argv[1] + '/gray.png', 'wb').write(png)
rgba = b''.join(b'\x00' + bytes((x * 50, y * 60, 100, 200)[c] for x in range(3) for c in range(4)) for y in range(2))
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 3, 2, 8, 6, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(rgba)) + chunk(b'IEND', b'')
open(sys.argv[1] + '/rgba.png', 'wb').write(png)
open(sys.argv[1] + '/gray.pgm', 'wb').write(b'P5\n# c\n4 2\n255\n' + bytes(range(0, 240, 30)))
open(sys.argv[1] + '/color.ppm', 'wb').write(b'P3\n2 1\n255\n255 0 0 0 0 255\n')
PY
    else
        python3 - "$out/corpus" <<'PY'
import gzip, struct, sys
images = struct.pack('>IIII', 2051, 3, 4, 5) + bytes(range(60))
labels = struct.pack('>II', 2049, 3) + bytes([7, 2, 1])
open(sys.argv[1] + '/images.idx', 'wb').write(images)
open(sys.argv[1] + '/labels.idx', 'wb').write(labels)
open(sys.argv[1] + '/images.idx.gz', 'wb').write(gzip.compress(images, mtime=0))
PY
    fi
    ;;
*)
    echo "unknown target '$target'; expected gguf, safetensors, png or idx" >&2
    exit 2
    ;;
esac

swiftc "${flags[@]}" "$here/Scripts/fuzz/$harness.swift" "${objects[@]}" "${libs[@]}" \
    -module-name "$harness" -o "$out/$target-fuzzer"
cd "$out"
exec "$out/$target-fuzzer" "$out/corpus" -max_len=65536 -rss_limit_mb=1024 -artifact_prefix="$out/" "$@"
