#!/bin/sh
# Build the libFuzzer targets with clang (-fsanitize=fuzzer,address,undefined),
# replay every committed regression input, then fuzz each target from its
# seed corpus for SEG_FUZZ_SECONDS (default 60; `meson test --setup quick`
# gives 10), SEG_FUZZ_JOBS targets at a time (default: the CPUs). Any
# crash, leak, sanitizer report or timeout fails the run and prints the
# input that caused it; add that input to tests/fuzz/regressions/<target>/
# with the fix.
#
# Usage: run.sh SOURCE_ROOT [TARGET...]
#   (targets: csv csv_diff npy rfm rules model; default all)
# SEG_FUZZ_BUILD names a directory that keeps the instrumented library's
# objects between runs (tests/meson.build gives BUILD_ROOT/fuzz-objects): a
# second run compiles only the files changed since, as ninja would.
set -eu
src=$1
shift
targets=${*:-"csv csv_diff npy rfm rules model"}
seconds=${SEG_FUZZ_SECONDS:-60}
jobs=${SEG_FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
case $seconds$jobs in *[!0-9]*) echo "SEG_FUZZ_SECONDS and SEG_FUZZ_JOBS take whole numbers"; exit 2 ;; esac
[ "$jobs" -ge 1 ] || jobs=1

if ! command -v clang >/dev/null 2>&1; then
    echo "clang not installed: fuzzing skipped"
    exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-std=c11 -O1 -g -D_POSIX_C_SOURCE=200809L -DSEG_HAVE_BLAS=1 -Wno-unknown-pragmas -I$src/include -I$src/lib"
blas_cflags=$(pkg-config --cflags openblas 2>/dev/null || pkg-config --cflags cblas 2>/dev/null || true)
blas_libs=$(pkg-config --libs openblas 2>/dev/null || pkg-config --libs cblas 2>/dev/null || echo -lcblas)

# The library once, instrumented for coverage and the sanitizers; up to
# $jobs compilers at a time. With SEG_FUZZ_BUILD, an object is compiled
# again only when its source or a header of lib/ or include/ is newer, or
# the flags or the compiler changed (then all are).
objs=$work/objects
if [ -n "${SEG_FUZZ_BUILD:-}" ]; then
    objs=$SEG_FUZZ_BUILD
    mkdir -p "$objs"
    stamp="$(clang --version | head -n 1) $cflags $blas_cflags $san"
    if [ "$(cat "$objs/flags" 2>/dev/null)" != "$stamp" ]; then
        rm -f "$objs"/*.o
        printf '%s\n' "$stamp" > "$objs/flags"
    fi
else
    mkdir -p "$objs"
fi
rm -f "$objs/build-failed"
n=0
for c in "$src"/lib/*/*.c; do
    o="$objs/$(basename "$c" .c).o"
    if [ "$o" -nt "$c" ] &&
       [ -z "$(find "$src/lib" "$src/include" -name '*.h' -newer "$o" | head -n 1)" ]; then
        continue
    fi
    rm -f "$o"
    { clang $cflags $blas_cflags $san -fsanitize=fuzzer-no-link -c "$c" -o "$o.tmp" &&
      mv "$o.tmp" "$o"; } || touch "$objs/build-failed" &
    n=$((n + 1))
    if [ "$n" -ge "$jobs" ]; then wait; n=0; fi
done
wait
if [ -e "$objs/build-failed" ]; then echo "FAIL: the instrumented library does not build"; exit 1; fi
# A source removed from lib/ leaves no stale object in the link.
for o in "$objs"/*.o; do
    [ -e "$o" ] || continue
    b=$(basename "$o" .o)
    set -- "$src"/lib/*/"$b.c"
    [ -e "$1" ] || rm -f "$o"
done

for t in $targets; do
    clang $cflags $san -fsanitize=fuzzer "$src/tests/fuzz/fuzz_$t.c" "$objs"/*.o \
        $blas_libs -lm -o "$work/fuzz_$t"
    # 1. Regressions: every input that ever crashed runs once.
    regs=$(find "$src/tests/fuzz/regressions/$t" -type f ! -name .keep | sort)
    if [ -n "$regs" ]; then
        # shellcheck disable=SC2086
        "$work/fuzz_$t" $regs > "$work/reg_$t.log" 2>&1 || {
            cat "$work/reg_$t.log"
            echo "FAIL: fuzz_$t: a regression input fails again"
            exit 1
        }
    fi
done

# 2. Fuzz each target from a copy of its seed corpus (the committed corpus is
# not changed) for $seconds, up to $jobs targets at once: libFuzzer runs on
# one core, so the budget per target stays the same and the wall time drops.
fuzz_one() {
    t=$1
    mkdir -p "$work/corpus_$t"
    cp "$src/tests/fuzz/corpus/$t"/* "$work/corpus_$t/"
    if "$work/fuzz_$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/crash_$t-" \
        "$work/corpus_$t" > "$work/fuzz_$t.log" 2>&1; then
        echo ok > "$work/status_$t"
    else
        echo fail > "$work/status_$t"
    fi
}
n=0
for t in $targets; do
    fuzz_one "$t" &
    n=$((n + 1))
    if [ "$n" -ge "$jobs" ]; then wait; n=0; fi
done
wait

total=0
status=0
for t in $targets; do
    if [ "$(cat "$work/status_$t" 2>/dev/null)" != ok ]; then
        tail -n 60 "$work/fuzz_$t.log"
        for a in "$work"/crash_"$t"-*; do
            [ -f "$a" ] || continue
            echo "--- input that failed ($a), base64:"
            base64 "$a" | head -c 4000
            echo
        done
        echo "FAIL: fuzz_$t"
        status=1
        continue
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz_$t.log" | tail -n 1)
    echo "ok: fuzz_$t: ${runs:-?} executions in ${seconds}s, $(ls "$work/corpus_$t" | wc -l) corpus inputs"
    total=$((total + ${runs:-0}))
done
echo "fuzzing: $total executions in all"
exit $status
