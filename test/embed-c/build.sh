#!/bin/sh
# Translates the core to C with Debian's wasm2c (wabt 1.0.32) and links it with driver.c and
# wabt's runtime into a native program.  usage: build.sh CORE.wasm OUTDIR  -> OUTDIR/driver
set -eu
wasm=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
rt=/usr/share/wabt/wasm2c

command -v wasm2c >/dev/null || { echo "wasm2c not found: install Debian's wabt" >&2; exit 127; }
[ -f "$rt/wasm-rt-impl.c" ] || { echo "$rt/wasm-rt-impl.c not found: install Debian's wabt" >&2; exit 127; }

mkdir -p "$out"
wasm2c "$wasm" -n core -o "$out/core.c"
# The driver is ours and must be warning-free; the generated C and wabt's runtime are not ours to
# lint (wabt 1.0.32's output trips -Wunused-value). -O1: the generated C is large, and -O2 costs
# compile time the test does not need.
cc -O1 -c -w -I"$rt" -o "$out/core.o" "$out/core.c"
cc -O1 -c -w -I"$rt" -o "$out/wasm-rt-impl.o" "$rt/wasm-rt-impl.c"
cc -O1 -Wall -Wextra -Werror -I"$out" -I"$rt" -o "$out/driver" "$here/driver.c" "$out/core.o" "$out/wasm-rt-impl.o" -lm
