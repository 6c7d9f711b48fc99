#!/bin/sh
# libseg built against each BLAS it supports besides the default (issue 21):
# -Dblas=none (the register kernel and plain loops), -Dblas=netlib (Debian's
# libblas-dev, also as a static-only build: no .so, and the installed
# libseg.a linked by pkg-config --static and by CMake) and -Dblas=blis
# (libblis-dev, whose cblas.h must not trip -Werror). Each configures and
# builds its own directory and runs a few unit tests that compare against
# independent results (k-means, distances, PCA).
# A BLAS that is not installed is skipped with a message, except under CI
# (CI=true), where it is a failure: CI installs every package of the
# README's test line.
# Usage: blas_test.sh SRC BUILDROOT
set -eu
src=$(cd "$1" && pwd)
root=$(cd "$2" && pwd)/blas-flavours
mkdir -p "$root"
failed=0
missing() { # WHAT
    if [ "${CI:-}" = true ]; then
        echo "FAIL: $1 (CI=true: the README's test line installs it)"
        failed=1
    else
        echo "SKIP: $1"
    fi
}
needed() { # LIBFILE: the NEEDED entries of an ELF file
    readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}
multiarch=$(cc -print-multiarch 2>/dev/null || true)

flavour() { # NAME BLAS LIBRARY-KIND
    dir="$root/$1"
    echo "== -Dblas=$2 -Ddefault_library=$3"
    if [ -f "$dir/build.ninja" ]; then
        meson setup --reconfigure "$dir" "$src" -Dblas="$2" -Ddefault_library="$3" >"$dir.log" 2>&1
    else
        meson setup "$dir" "$src" -Dblas="$2" -Ddefault_library="$3" -Dwerror=true \
            -Dbench=false -Ddocs=disabled --prefix=/usr >"$dir.log" 2>&1
    fi || { tail -n 20 "$dir.log"; echo "FAIL: meson setup -Dblas=$2"; return 1; }
    # The library, three unit tests and seg: two compilers at a time.
    ninja -C "$dir" -j2 tests/test_kmeans tests/test_distance tests/test_pca tools/seg \
        >>"$dir.log" 2>&1 || { grep -B2 -A12 -e 'error' -e FAILED "$dir.log" | head -n 60;
                                echo "FAIL: build -Dblas=$2"; return 1; }
    for t in kmeans distance pca; do
        env $runenv "$dir/tests/test_$t" >"$dir/test_$t.out" 2>&1 ||
            { cat "$dir/test_$t.out"; echo "FAIL: test_$t with -Dblas=$2"; return 1; }
    done
    echo "ok: test_kmeans, test_distance, test_pca with -Dblas=$2"
}

# 1. No BLAS at all: nothing BLAS-like is linked.
runenv=
if flavour none none shared; then
    deps=$(needed "$root/none/lib/libseg.so")
    if echo "$deps" | grep -q -i -e blas -e blis; then
        echo "FAIL: -Dblas=none links a BLAS: $deps"; failed=1
    else
        echo "ok: -Dblas=none libseg.so needs only: $(echo $deps)"
    fi
else
    failed=1
fi

# 2. Netlib, static only. Debian's libblas.so.3 is an alternative that may
# point at OpenBLAS: the tests run with the reference library's directory
# first, and say which libblas.so.3 they used.
netlib_dir=""
for d in "/usr/lib/$multiarch/blas" /usr/lib/blas /usr/lib64/blas; do
    [ -f "$d/libblas.so.3" ] && { netlib_dir=$d; break; }
done
if [ -z "$netlib_dir" ] || ! pkg-config --exists blas-netlib 2>/dev/null; then
    missing "Netlib BLAS (libblas-dev) is not installed"
else
    runenv="LD_LIBRARY_PATH=$netlib_dir"
    if flavour netlib netlib static; then
        dir="$root/netlib"
        used=$(env $runenv ldd "$dir/tests/test_kmeans" | sed -n 's/.*libblas\.so\.3 => \([^ ]*\).*/\1/p')
        case $used in
        "$netlib_dir"/*) echo "ok: ran on the reference BLAS $used" ;;
        *) echo "FAIL: the netlib tests ran on '$used', not $netlib_dir"; failed=1 ;;
        esac
        # Static only: no shared library is built, and the archive installs.
        if find "$dir" -name 'libseg.so*' | grep -q .; then
            echo "FAIL: -Ddefault_library=static built $(find "$dir" -name 'libseg.so*' | head -n 1)"
            failed=1
        elif meson introspect "$dir" --targets | grep -q '"shared_library"'; then
            echo "FAIL: -Ddefault_library=static declares a shared library target"; failed=1
        else
            echo "ok: -Ddefault_library=static builds no libseg.so"
        fi
    else
        failed=1
    fi
fi

# 3. BLIS (Debian's libblis-dev has no .pc: its cblas.h sits in a flavour
# directory that meson.build looks for).
if pkg-config --exists blis 2>/dev/null ||
   ls /usr/include/*/blis*/cblas.h /usr/include/blis*/cblas.h >/dev/null 2>&1; then
    runenv=
    if flavour blis blis shared; then
        deps=$(needed "$root/blis/lib/libseg.so")
        if echo "$deps" | grep -q libblis; then
            echo "ok: -Dblas=blis libseg.so needs $(echo "$deps" | grep libblis)"
        else
            echo "FAIL: -Dblas=blis libseg.so does not link libblis: $deps"; failed=1
        fi
    else
        failed=1
    fi
else
    missing "BLIS (libblis-dev) is not installed"
fi
exit $failed
