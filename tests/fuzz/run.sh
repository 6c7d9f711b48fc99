#!/bin/sh
# Build the libFuzzer targets with clang (-fsanitize=fuzzer,address,undefined),
# replay every committed regression input, then fuzz each target from its
# seed corpus for SEG_FUZZ_SECONDS (default 60). Any crash, leak, sanitizer
# report or timeout fails the run and prints the input that caused it; add
# that input to tests/fuzz/regressions/<target>/ with the fix.
#
# Usage: run.sh SOURCE_ROOT [TARGET...]
#   (targets: csv csv_diff npy rfm rules model; default all)
set -eu
src=$1
shift
targets=${*:-"csv csv_diff npy rfm rules model"}
seconds=${SEG_FUZZ_SECONDS:-60}

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

# The library once, instrumented for coverage and the sanitizers.
for c in "$src"/lib/*/*.c; do
    clang $cflags $blas_cflags $san -fsanitize=fuzzer-no-link -c "$c" -o "$work/$(basename "$c" .c).o"
done

total=0
for t in $targets; do
    clang $cflags $san -fsanitize=fuzzer "$src/tests/fuzz/fuzz_$t.c" "$work"/*.o \
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
    # 2. Fuzz from a copy of the seed corpus (the committed corpus is not changed).
    mkdir -p "$work/corpus_$t"
    cp "$src/tests/fuzz/corpus/$t"/* "$work/corpus_$t/"
    if ! "$work/fuzz_$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/crash_$t-" \
        "$work/corpus_$t" > "$work/fuzz_$t.log" 2>&1; then
        tail -n 60 "$work/fuzz_$t.log"
        for a in "$work"/crash_"$t"-*; do
            [ -f "$a" ] || continue
            echo "--- input that failed ($a), base64:"
            base64 "$a" | head -c 4000
            echo
        done
        echo "FAIL: fuzz_$t"
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz_$t.log" | tail -n 1)
    echo "ok: fuzz_$t: ${runs:-?} executions in ${seconds}s, $(ls "$work/corpus_$t" | wc -l) corpus inputs"
    total=$((total + ${runs:-0}))
done
echo "fuzzing: $total executions in all"
