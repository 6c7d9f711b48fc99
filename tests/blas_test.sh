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

flavour() { # NAME BLAS LIBRARY-KIND [MESON-OPTION]
    dir="$root/$1"
    extra=${4:-}
    echo "== -Dblas=$2 -Ddefault_library=$3 $extra"
    if [ -f "$dir/build.ninja" ]; then
        meson setup --reconfigure "$dir" "$src" -Dblas="$2" -Ddefault_library="$3" $extra \
            >"$dir.log" 2>&1
    else
        meson setup "$dir" "$src" -Dblas="$2" -Ddefault_library="$3" -Dwerror=true \
            -Dbench=false -Ddocs=disabled --prefix=/usr $extra >"$dir.log" 2>&1
    fi || { tail -n 20 "$dir.log"; echo "FAIL: meson setup -Dblas=$2"; return 1; }
    # The library (the tests may link the static objects, not it) and three
    # unit tests: two compilers at a time.
    meson compile -C "$dir" -j 2 lib/seg tests/test_kmeans tests/test_distance tests/test_pca \
        >>"$dir.log" 2>&1 || { grep -B2 -A12 -e 'error' -e FAILED "$dir.log" | head -n 60;
                                echo "FAIL: build -Dblas=$2"; return 1; }
    for t in kmeans distance pca; do
        env $runenv "$dir/tests/test_$t" >"$dir/test_$t.out" 2>&1 ||
            { cat "$dir/test_$t.out"; echo "FAIL: test_$t with -Dblas=$2"; return 1; }
    done
    echo "ok: test_kmeans, test_distance, test_pca with -Dblas=$2"
}

# 1. No BLAS at all: nothing BLAS-like is linked. Its includedir is
# absolute and outside the prefix: seg.pc and segConfig.cmake must give it
# as is (seg.pc once said ${prefix}//opt/...).
runenv=
if flavour none none shared -Dincludedir=/opt/libseg-include; then
    pc_inc=$(sed -n 's/^includedir=//p' "$root/none/pkgconfig/seg.pc")
    cm_inc=$(sed -n 's/^set(_seg_includedir "\(.*\)")$/\1/p' "$root/none/cmake/segConfig.cmake")
    if [ "$pc_inc" = /opt/libseg-include ] && [ "$cm_inc" = /opt/libseg-include ]; then
        echo "ok: --includedir=/opt/libseg-include kept as given (seg.pc and segConfig.cmake)"
    else
        echo "FAIL: --includedir=/opt/libseg-include gave seg.pc '$pc_inc', segConfig.cmake '$cm_inc'"
        failed=1
    fi
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
        # The static-only install, as a static user links it: by pkg-config
        # --static and by CMake's seg::seg (then the static library, with
        # its BLAS, libm, threads and OpenMP as link dependencies).
        stage="$root/netlib-stage"
        rm -rf "$stage" "$root/netlib-cmake"
        meson install -C "$dir" --no-rebuild --tags devel --destdir "$stage" >>"$dir.log" 2>&1 ||
            { echo "FAIL: meson install of the static-only build"; failed=1; }
        pcdir=$(dirname "$(find "$stage" -name seg.pc | head -n 1)")
        data="$src/tests/data/bank-plain-head.csv"
        if ! PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$stage" sh -c \
            '${CC:-cc} -std=c99 -Wall -Werror -o "$1" "$2" $(pkg-config --static --cflags --libs seg)' \
            sh "$root/netlib-pc" "$src/examples/segment_bank.c" >"$root/netlib-pc.log" 2>&1; then
            cat "$root/netlib-pc.log"; echo "FAIL: pkg-config --static link of the static-only install"; failed=1
        elif ! command -v cmake >/dev/null 2>&1; then
            missing "cmake is not installed: the static seg::seg is not tested"
        elif ! cmake -S "$src/tests/cmake" -B "$root/netlib-cmake" -DCMAKE_PREFIX_PATH="$stage/usr" \
                 -DSEG_WANT_VERSION="$(meson introspect "$dir" --projectinfo |
                     sed 's/.*"version": "\([0-9]*\.[0-9]*\).*/\1/')" \
                 -DSEG_PROGRAM="$src/examples/segment_bank.c" >"$root/netlib-cmake.log" 2>&1 ||
             ! cmake --build "$root/netlib-cmake" >>"$root/netlib-cmake.log" 2>&1; then
            cat "$root/netlib-cmake.log"; echo "FAIL: CMake seg::seg from the static-only install"; failed=1
        else
            env $runenv "$root/netlib-pc" "$data" 3 >"$root/netlib-pc.out"
            env $runenv "$root/netlib-cmake/seg_cmake_user" "$data" 3 >"$root/netlib-cmake.out"
            if ! grep -q "^segment 0: " "$root/netlib-pc.out" ||
               ! cmp -s "$root/netlib-pc.out" "$root/netlib-cmake.out"; then
                echo "FAIL: the static programs printed nothing or differ"; failed=1
            elif needed "$root/netlib-cmake/seg_cmake_user" | grep -q libseg; then
                echo "FAIL: CMake's seg::seg linked a shared libseg"; failed=1
            else
                echo "ok: the static-only install links by pkg-config --static and CMake's seg::seg"
            fi
        fi
    else
        failed=1
    fi
fi

# 3. BLIS (Debian's libblis-dev has no .pc: its cblas.h sits in a flavour
# directory that meson.build looks for).
have_blis=no
pkg-config --exists blis 2>/dev/null && have_blis=yes
for h in /usr/include/*/blis*/cblas.h /usr/include/blis*/cblas.h; do
    [ -f "$h" ] && have_blis=yes
done
if [ $have_blis = yes ]; then
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
