#!/bin/sh
# Run programs under valgrind memcheck: any error, or any definitely or
# indirectly lost block, fails. (Blocks still reachable at exit, such as the
# OpenMP and OpenBLAS thread pools, are not leaks of ours.)
# Usage: memcheck.sh PROGRAM... [-- SEG_BINARY DATA.csv]
# (meson runs it once a program, side by side: tests/meson.build.)
set -eu
if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind not installed: skipped"
    exit 77
fi
vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"
status=0
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    # A log of its own: several runs of one program (shards) may overlap.
    log=$(mktemp)
    if $vg "$1" > /dev/null 2> "$log"; then
        echo "ok: $(basename "$1")"
    else
        cat "$log"
        echo "FAIL: $(basename "$1")"
        status=1
    fi
    rm -f "$log"
    shift
done
if [ $# -gt 0 ]; then
    shift
    seg=$1 data=$2
    out=$(mktemp -d)
    if $vg "$seg" segment "$data" --k 3 --drop y --json --assignments "$out/a.csv" \
        --features "$out/f.npy" > /dev/null 2> "$out/log"; then
        echo "ok: seg segment"
    else
        cat "$out/log"
        echo "FAIL: seg segment"
        status=1
    fi
    rm -rf "$out"
fi
exit $status
