#!/bin/sh
# ThreadSanitizer check of the documented thread rules (tests/tsan_threads.c).
#
#   tsan_test.sh BUILDDIR SRCDIR
#
# The library sources and the test are compiled here with -fsanitize=thread
# into BUILDDIR/tsan, separately from the normal build, because every
# object that touches shared data must be instrumented.
#
# OpenMP is left out (no -fopenmp: the pragmas are ignored and every library
# pass runs on the calling thread). Debian's libgomp is not built with TSan,
# so its barriers and thread pool are invisible to the sanitizer, which then
# reports races between the pool's threads that the barriers do order: false
# positives that would drown real reports. What this test is about, the
# documented rules for *application* threads (one shared model, many
# predictors; separate objects fitting at once; a shared fitted scaler; the
# per-thread error detail; a shared caller allocator), involves no OpenMP.
# The OpenMP passes are covered for correctness by the unit tests, which
# check that results do not depend on the thread count.
#
# OpenBLAS runs each of the library's GEMMs on the calling thread (blocks
# are kept below its threading threshold; OPENBLAS_NUM_THREADS=1 makes sure),
# and is not instrumented, so its internals are not judged here.
set -eu
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
out="$build/tsan"
mkdir -p "$out"
cc=${CC:-cc}

if ! echo 'int main(void){return 0;}' | $cc -x c -fsanitize=thread -o "$out/probe" - 2>/dev/null; then
    echo "FAIL: $cc cannot build with -fsanitize=thread (install libtsan / gcc)"
    echo "0 passed, 1 failed"
    exit 1
fi

if pkg-config --exists openblas 2>/dev/null; then
    blas_cflags=$(pkg-config --cflags openblas)
    blas_libs=$(pkg-config --libs openblas)
elif pkg-config --exists cblas 2>/dev/null; then
    blas_cflags=$(pkg-config --cflags cblas)
    blas_libs=$(pkg-config --libs cblas)
else
    blas_cflags=
    blas_libs="-lcblas -lblas"
fi

cflags="-std=c11 -O1 -g -fsanitize=thread -fno-omit-frame-pointer -Wall -Wno-unknown-pragmas \
-D_POSIX_C_SOURCE=200809L -DSEG_BUILDING_LIBRARY -DSEG_HAVE_BLAS=1 -I$src/include -I$src/lib $blas_cflags"
# Two compilers at a time: the machine is shared. The objects are kept in
# BUILDDIR/tsan: a source is compiled again only when it, a header of lib/
# or include/, or the flags changed since (a second run is incremental).
stamp="$($cc --version | head -n 1) $cflags"
if [ "$(cat "$out/flags" 2>/dev/null)" != "$stamp" ]; then
    rm -f "$out"/*.o
    printf '%s\n' "$stamp" > "$out/flags"
fi
for c in "$src"/lib/*/*.c "$src/tests/tsan_threads.c"; do
    o="$out/$(basename "$c" .c).o"
    if [ "$o" -nt "$c" ] &&
       [ -z "$(find "$src/lib" "$src/include" -name '*.h' -newer "$o" | head -n 1)" ]; then
        continue
    fi
    rm -f "$o"
    echo "$c"
done | xargs -r -P 2 -I{} sh -c 'o="$2/$(basename "{}" .c).o"; $0 $1 -c "{}" -o "$o.tmp" && mv "$o.tmp" "$o"' \
    "$cc" "$cflags" "$out"
# A source removed from lib/ leaves no stale object in the link.
for o in "$out"/*.o; do
    b=$(basename "$o" .o)
    [ "$b" = tsan_threads ] && continue
    set -- "$src"/lib/*/"$b.c"
    [ -e "$1" ] || rm -f "$o"
done
rm -f "$out/probe"
$cc -fsanitize=thread -o "$out/tsan_threads" "$out"/*.o $blas_libs -lm -lpthread

OPENBLAS_NUM_THREADS=1 TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1" \
    "$out/tsan_threads"
