#!/bin/sh
# Install into a staging directory, then build and run every example with
# nothing but `pkg-config --cflags --libs seg` (shared) and `--static`.
set -eu
build=$1
src=$2
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT INT TERM

meson install -C "$build" --no-rebuild --quiet --destdir "$stage"
pcdir=$(dirname "$(find "$stage" -name seg.pc | head -n 1)")
test -f "$pcdir/seg.pc" || { echo "seg.pc was not installed"; exit 1; }
export PKG_CONFIG_PATH="$pcdir"
export PKG_CONFIG_SYSROOT_DIR="$stage"
# pkgconf puts the sysroot in front of variables too.
libdir=$(pkg-config --variable=libdir seg)
prefix=$(pkg-config --variable=prefix seg)
test -f "$libdir/libseg.a" || { echo "libseg.a was not installed in $libdir"; exit 1; }
# The soname is the one meson.build asks for (docs/abi.md), and the files
# and symlinks a packager splits into runtime and -dev packages are there.
soversion=$(sed -n "s/^seg_soversion *= *'\([0-9]*\)'.*/\1/p" "$src/meson.build")
soname=$(objdump -p "$libdir/libseg.so" | awk '/SONAME/ {print $2}')
test "$soname" = "libseg.so.$soversion" || { echo "soname '$soname', meson.build says libseg.so.$soversion"; exit 1; }
test -L "$libdir/libseg.so" && test -e "$libdir/$soname" ||
    { echo "libseg.so and $soname must both be installed (dev symlink and runtime)"; exit 1; }
pcversion=$(pkg-config --modversion seg)
mesonversion=$(sed -n "s/^ *version *: *'\([0-9.]*\)'.*/\1/p" "$src/meson.build" | head -n 1)
test "$pcversion" = "$mesonversion" || { echo "seg.pc says $pcversion, meson.build $mesonversion"; exit 1; }
test -x "$prefix/bin/seg" || { echo "seg was not installed"; exit 1; }

# Shared linking needs libseg alone; BLAS, libm and OpenMP are private
# (only static linking needs them, and then pkg-config --static lists them).
libs=$(pkg-config --libs seg)
for flag in $libs; do
    case $flag in
    -L*|-lseg) ;;
    *) echo "seg.pc Libs has '$flag': dependencies belong in Requires.private/Libs.private"; exit 1 ;;
    esac
done
static_libs=$(pkg-config --static --libs seg)
case " $static_libs " in
*" -lm "*) ;;
*) echo "pkg-config --static --libs seg lacks -lm: $static_libs"; exit 1 ;;
esac
test "$(echo "$static_libs" | wc -w)" -gt "$(echo "$libs" | wc -w)" ||
    { echo "pkg-config --static adds no BLAS: $static_libs"; exit 1; }
echo "ok: seg.pc (Libs: $libs; --static: $static_libs)"

cc=${CC:-cc}
# A sanitized library needs sanitized programs: reuse the build's setting.
san=$(meson introspect "$build" --buildoptions |
      /usr/bin/python3 -c 'import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "b_sanitize"))')
sanflag=""
if [ "$san" != "none" ]; then
    sanflag="-fsanitize=$san"
    cc="$cc $sanflag"
fi
data="$src/tests/data/bank-plain-head.csv"
for ex in "$src"/examples/*.c; do
    name=$(basename "$ex" .c)
    case $name in
    segment_bank) set -- "$data" 4 ;;
    stream_score) set -- "$data" 100 "$data" ;;
    *) set -- "$data" "$data" ;;
    esac
    # Shared: what a distribution's user does.
    $cc -std=c99 -Wall -Werror -o "$stage/$name" "$ex" $(pkg-config --cflags --libs seg)
    LD_LIBRARY_PATH="$libdir" "$stage/$name" "$@" > "$stage/$name.out"
    test -s "$stage/$name.out" || { echo "$name printed nothing"; exit 1; }
    # Static: the private requirements must be enough to link.
    $cc -std=c99 -Wall -Werror -o "$stage/$name-static" "$ex" \
        $(pkg-config --static --cflags seg) -Wl,-Bstatic $(pkg-config --static --libs-only-L seg) -lseg \
        -Wl,-Bdynamic $(pkg-config --static --libs-only-other seg) \
        $(pkg-config --static --libs seg | tr ' ' '\n' | grep -- '^-l' | grep -v '^-lseg$' | tr '\n' ' ')
    "$stage/$name-static" "$@" > "$stage/$name-static.out"
    cmp "$stage/$name.out" "$stage/$name-static.out"
    echo "ok: $name (shared and static)"
done

# The README's C example, as a reader would paste it.
awk '/^```c$/ {inblock = 1; next} inblock && /^```/ {exit} inblock {print}' "$src/README.md" \
    > "$stage/readme_example.c"
test -s "$stage/readme_example.c" || { echo "no C example in README.md"; exit 1; }
$cc -std=c99 -Wall -Werror -o "$stage/readme_example" "$stage/readme_example.c" \
    $(pkg-config --cflags --libs seg)
cp "$data" "$stage/bank-full.csv"
(cd "$stage" && LD_LIBRARY_PATH="$libdir" ./readme_example > readme_example.out)
grep -q "^segment 0: " "$stage/readme_example.out" || { echo "README example printed no segments"; exit 1; }
echo "ok: README example"

# A C++ program, as a C++ user builds it against the installed library.
cxx=${CXX:-c++}
if command -v "$cxx" >/dev/null 2>&1; then
    $cxx $sanflag -std=c++11 -Wall -Wextra -pedantic -Werror -o "$stage/header_cpp" \
        "$src/tests/header_cpp.cpp" $(pkg-config --cflags --libs seg)
    LD_LIBRARY_PATH="$libdir" "$stage/header_cpp" >"$stage/header_cpp.out"
    echo "ok: C++ program against the installed library"
fi
