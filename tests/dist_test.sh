#!/bin/sh
# `meson dist` makes a tarball that builds and works.
#
#   dist_test.sh SRCDIR
#
# meson dist packs what git has committed (gzip: always on Debian, unlike xz), so this runs in a temporary clone
# of SRCDIR's HEAD (uncommitted changes are not tested: commit first). The
# tarball is then unpacked elsewhere, configured, built and used: the `seg`
# program segments the committed test data, and an example program runs.
# meson dist's own check (which would also run the whole test suite) is
# skipped for time; the build here is what a packager does first.
set -eu
src=$(cd "$1" && pwd)
if ! git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    echo "SKIP: $src is not a git checkout (an unpacked tarball cannot make another)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

git clone -q "$src" "$tmp/clone"
version=$(sed -n "s/^ *version *: *'\([0-9.]*\)'.*/\1/p" "$src/meson.build" | head -n 1)
meson setup "$tmp/clone-build" "$tmp/clone" -Dtests=false -Dbench=false -Ddocs=disabled \
    >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; echo "FAIL: setup of the clone"; exit 1; }
meson dist -C "$tmp/clone-build" --no-tests --formats gztar >"$tmp/dist.log" 2>&1 ||
    { cat "$tmp/dist.log"; echo "FAIL: meson dist"; exit 1; }
tarball="$tmp/clone-build/meson-dist/libseg-$version.tar.gz"
test -f "$tarball" || { ls "$tmp/clone-build/meson-dist"; echo "FAIL: no $tarball"; exit 1; }
echo "ok: meson dist wrote $(basename "$tarball") ($(wc -c <"$tarball") bytes)"

# What a packager needs is in it, and nothing from a build directory.
tar -tzf "$tarball" >"$tmp/list"
for f in meson.build meson_options.txt LICENSE README.md include/seg.h lib/libseg.map \
         pkgconfig/seg.pc.in abi/libseg.so.0.abi examples/data/bank-full.csv docs/abi.md; do
    case $f in abi/libseg.so.0.abi)
        f="abi/libseg.so.$(sed -n "s/^seg_soversion *= *'\([0-9]*\)'.*/\1/p" "$src/meson.build").abi" ;;
    esac
    grep -qx "libseg-$version/$f" "$tmp/list" || { echo "FAIL: $f is not in the tarball"; exit 1; }
done
if grep -E '/(build[^/]*|meson-logs|\.git)/' "$tmp/list" | head -n 1 | grep -q .; then
    echo "FAIL: the tarball holds build or git files"
    exit 1
fi
echo "ok: the tarball holds the sources, the map, the ABI baseline and the data"

# Unpack away from the clone and build as a packager would.
mkdir "$tmp/unpacked"
tar -xzf "$tarball" -C "$tmp/unpacked"
top="$tmp/unpacked/libseg-$version"
meson setup "$tmp/build" "$top" -Dtests=false -Dbench=false -Ddocs=disabled -Dwerror=true \
    >"$tmp/setup2.log" 2>&1 || { cat "$tmp/setup2.log"; echo "FAIL: setup of the tarball"; exit 1; }
ninja -C "$tmp/build" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; echo "FAIL: build of the tarball"; exit 1; }
"$tmp/build/tools/seg" segment "$top/tests/data/bank-plain-head.csv" --k 3 --json >"$tmp/seg.json"
grep -q '"k": *3' "$tmp/seg.json" || { cat "$tmp/seg.json"; echo "FAIL: seg from the tarball"; exit 1; }
"$tmp/build/examples/example_segment_bank" "$top/tests/data/bank-plain-head.csv" 3 >"$tmp/ex.out"
grep -q "segment" "$tmp/ex.out" || { cat "$tmp/ex.out"; echo "FAIL: example from the tarball"; exit 1; }
echo "ok: the tarball configures, builds with -Werror, and its seg and examples run"
echo "3 passed, 0 failed"
