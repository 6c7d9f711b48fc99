#!/bin/sh
# Install into a staging directory, then build and run every example with
# nothing but `pkg-config --cflags --libs seg` (shared) and `--static`.
set -eu
build=$1
src=$2
# A tool that is not installed skips its part with a message, except under
# CI (CI=true), where it is a failure: CI installs the README's test line.
missing() { # WHAT
    if [ "${CI:-}" = true ]; then
        echo "FAIL: $1 (CI=true: the README's test line installs it)"
        exit 1
    fi
    echo "SKIP: $1"
}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT INT TERM

# meson test builds only what the tests depend on: build every installed
# target (the static library, the HTML reference, ...) before installing.
meson compile -C "$build" >/dev/null
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

# The manual pages, completions and documents a packager ships (issue 21).
datadir="$prefix/share"
for f in man/man1/seg.1 man/man3/libseg.3 bash-completion/completions/seg \
         zsh/site-functions/_seg doc/libseg/LICENSE doc/libseg/README.md doc/libseg/NEWS.md \
         doc/libseg/guide.md doc/libseg/api.md doc/libseg/limits.md doc/libseg/model-format.md \
         doc/libseg/releasing.md libseg/bank-full.csv; do
    test -s "$datadir/$f" || { echo "share/$f was not installed"; exit 1; }
done
if ! command -v man >/dev/null 2>&1; then
    missing "man (man-db) is not installed: the manual pages are not read with man -l"
else
    for page in man1/seg.1 man3/libseg.3; do
        warnings=$(MANWIDTH=80 man -l "$datadir/man/$page" 2>&1 >/dev/null)
        test -z "$warnings" || { echo "man -l $page: $warnings"; exit 1; }
    done
    MANWIDTH=80 man -l "$datadir/man/man1/seg.1" 2>/dev/null | sed 's/.\x08//g' |
        grep -q -- '--min-segment-size N' || { echo "man -l seg.1 lacks --min-segment-size"; exit 1; }
fi
# The HTML reference, when this build made it (-Ddocs=auto with Doxygen, or
# enabled): the groups and the pages pulled in from docs/*.md.
if [ -f "$build/docs/html/index.html" ]; then
    for f in index.html group__dataset.html group__model.html md_docs_guide.html \
             md_docs_limits.html md_docs_model_format.html md_docs_out_of_core.html; do
        test -s "$datadir/doc/libseg/html/$f" || { echo "share/doc/libseg/html/$f was not installed"; exit 1; }
    done
fi
echo "ok: manual pages, completions and documents installed"

# No path of the source or build tree is compiled into what is installed:
# the build is reproducible, and nothing is looked up there (a file planted
# at a baked-in data path used to be read). Debug sections name the sources
# on purpose and ship in a separate debug package: they are left out.
# A sanitizer build (tests/sanitize.sh) names its sources in the
# instrumentation's own data on purpose (UBSan's reports): checked in the
# plain build only.
src_abs=$(cd "$src" && pwd -P)
build_abs=$(cd "$build" && pwd -P)
if readelf -d "$build/lib/libseg.so" 2>/dev/null | grep -q -e libasan -e libubsan; then
    echo "ok: path check left to the plain build (this one is instrumented)"
else
find "$stage" -type f ! -name '*.nodebug' | while read -r f; do
    scan=$f
    if [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = "177ELF" ] ||
       case $f in *.a) true ;; *) false ;; esac; then
        scan="$f.nodebug"
        objcopy --strip-debug "$f" "$scan"
    fi
    for dir in "$build_abs" "$src_abs" "$build" "$src"; do
        case $dir in /*) ;; *) continue ;; esac
        if grep -q -a -F -- "$dir" "$scan"; then
            echo "${f#$stage}: holds the path $dir"; exit 1
        fi
    done
    test "$scan" = "$f" || rm -f "$scan"
done
echo "ok: no build or source path in the installed files"
fi

# The installed seg finds its own bundled data (relative to itself), also
# once the install is moved elsewhere; SEG_DATA_DIR still comes first.
bundled_run() { # PREFIX: the data file seg says it uses
    env -u SEG_DATA_DIR LD_LIBRARY_PATH="$libdir" "$1/bin/seg" segment -k 2 --max-iter 3 \
        --silhouette-sample 100 </dev/null 2>&1 >/dev/null |
        sed -n 's/.*using the bundled bank data \(.*bank-full\.csv\).*/\1/p'
}
used=$(bundled_run "$prefix")
case $used in
"$prefix"/bin/../share/libseg/bank-full.csv|"$prefix"/share/libseg/bank-full.csv) ;;
*) echo "the installed seg used '$used', not its own share/libseg"; exit 1 ;;
esac
cp -R "$prefix" "$stage/moved"
used=$(bundled_run "$stage/moved")
case $used in
"$stage/moved"/*) ;;
*) echo "a moved install used '$used', not its own data"; exit 1 ;;
esac
rm -rf "$stage/moved"
mkdir "$stage/mydata" && cp "$src/tests/data/bank-plain-head.csv" "$stage/mydata/bank-full.csv"
used=$(SEG_DATA_DIR="$stage/mydata" LD_LIBRARY_PATH="$libdir" "$prefix/bin/seg" segment -k 2 \
       </dev/null 2>&1 >/dev/null | sed -n 's/.*using the bundled bank data \(.*bank-full\.csv\).*/\1/p')
test "$used" = "$stage/mydata/bank-full.csv" || { echo "SEG_DATA_DIR was not used first: '$used'"; exit 1; }
echo "ok: the installed seg finds its bundled data, moved too"

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
# Every library seg.pc names exists (a fallback once wrote -lcblas, which
# Debian does not ship), and includedir holds seg.h.
for flag in $static_libs; do
    case $flag in
    -lseg) ;;
    -l*)
        name=${flag#-l}
        found=no
        for f in "lib$name.so" "lib$name.a"; do
            p=$(${CC:-cc} -print-file-name="$f" $(pkg-config --static --libs-only-L seg | sed 's/-L/-B/g'))
            [ "$p" != "$f" ] && [ -e "$p" ] && found=yes
        done
        [ $found = yes ] || { echo "seg.pc names $flag, which the linker cannot find"; exit 1; }
        ;;
    esac
done
test -f "$(pkg-config --variable=includedir seg)/seg.h" ||
    { echo "seg.pc includedir $(pkg-config --variable=includedir seg) has no seg.h"; exit 1; }
echo "ok: every library seg.pc names exists; includedir has seg.h"

# URL (issue 21): the address a packager gives with -Dhomepage, and no line
# at all without one (the project has published none: nothing is invented).
# seg.pc is written at configure time: a setup checks the given address
# without a build, and a bad one is refused.
homepage=$(meson introspect "$build" --buildoptions |
      /usr/bin/python3 -c 'import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "homepage"))')
if [ -z "$homepage" ]; then
    ! grep -q '^URL' "$pcdir/seg.pc" || { echo "seg.pc has a URL line without -Dhomepage"; exit 1; }
else
    grep -qx "URL: $homepage" "$pcdir/seg.pc" || { echo "seg.pc lacks 'URL: $homepage'"; exit 1; }
fi
pkg-config --validate seg || { echo "pkg-config --validate seg failed"; exit 1; }
url=https://libseg.example.invalid/releases
meson setup "$stage/homepage" "$src" -Dhomepage="$url" -Dtests=false -Dbench=false \
    -Ddocs=disabled >"$stage/homepage.log" 2>&1 || { cat "$stage/homepage.log"; echo "setup -Dhomepage=$url failed"; exit 1; }
test "$(grep -c '^URL' "$stage/homepage/pkgconfig/seg.pc")" = 1 &&
    grep -qx "URL: $url" "$stage/homepage/pkgconfig/seg.pc" ||
    { cat "$stage/homepage/pkgconfig/seg.pc"; echo "-Dhomepage=$url: seg.pc lacks 'URL: $url'"; exit 1; }
PKG_CONFIG_PATH="$stage/homepage/pkgconfig" pkg-config --validate seg ||
    { echo "pkg-config --validate refused seg.pc with a URL"; exit 1; }
if meson setup "$stage/homepage-bad" "$src" -Dhomepage='https://x.invalid/a b' -Dtests=false \
    -Dbench=false -Ddocs=disabled >"$stage/homepage-bad.log" 2>&1 ||
   ! grep -q 'no spaces' "$stage/homepage-bad.log"; then
    cat "$stage/homepage-bad.log"; echo "-Dhomepage with a space was not refused clearly"; exit 1
fi
rm -rf "$stage/homepage" "$stage/homepage-bad"
echo "ok: seg.pc URL: '${homepage:-none}' here, '$url' with -Dhomepage, a bad address refused"

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

# CMake: find_package(seg X.Y) and the imported target seg::seg, from the
# segConfig.cmake meson wrote (tests/cmake/CMakeLists.txt); the program
# gives what the pkg-config build gave. A newer minor or another major
# version is refused.
if ! command -v cmake >/dev/null 2>&1; then
    missing "cmake is not installed: find_package(seg) is not tested"
else
    test -f "$libdir/cmake/seg/segConfig.cmake" && test -f "$libdir/cmake/seg/segConfigVersion.cmake" ||
        { echo "segConfig.cmake and segConfigVersion.cmake were not installed in lib/cmake/seg"; exit 1; }
    major=${mesonversion%%.*}
    minor=${mesonversion#*.}; minor=${minor%%.*}
    cmake_try() { # BUILD-DIR VERSION
        cmake -S "$src/tests/cmake" -B "$1" -DCMAKE_PREFIX_PATH="$prefix" \
            -DCMAKE_C_COMPILER="${CC:-cc}" -DCMAKE_C_FLAGS="$sanflag_cmake" \
            -DSEG_WANT_VERSION="$2" -DSEG_PROGRAM="$src/examples/segment_bank.c" >"$1.log" 2>&1
    }
    sanflag_cmake=""
    [ "$san" != "none" ] && sanflag_cmake="-fsanitize=$san"
    cmake_try "$stage/cmake" "$major.$minor" || { cat "$stage/cmake.log"; echo "cmake: find_package(seg $major.$minor) failed"; exit 1; }
    cmake --build "$stage/cmake" >"$stage/cmake-build.log" 2>&1 ||
        { cat "$stage/cmake-build.log"; echo "cmake --build failed"; exit 1; }
    LD_LIBRARY_PATH="$libdir" "$stage/cmake/seg_cmake_user" "$data" 4 >"$stage/cmake.out"
    cmp "$stage/segment_bank.out" "$stage/cmake.out" ||
        { echo "the CMake-built example printed other results"; exit 1; }
    if cmake_try "$stage/cmake-newer" "$major.$((minor + 1))"; then
        echo "find_package(seg $major.$((minor + 1))) accepted libseg $mesonversion"; exit 1
    fi
    if cmake_try "$stage/cmake-major" "$((major + 1)).0"; then
        echo "find_package(seg $((major + 1)).0) accepted libseg $mesonversion"; exit 1
    fi
    echo "ok: CMake find_package(seg $major.$minor) and seg::seg; $major.$((minor + 1)) and $((major + 1)).0 refused"
fi

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
