#!/bin/sh
# ABI check: compare libseg.so against the committed baseline abi/libseg.so.N.abi
# (N = seg_soversion in meson.build) with abidiff from Debian's abigail-tools.
#
#   abi_check.sh BUILDDIR SRCDIR            check (the `abi` meson test)
#   abi_check.sh --update BUILDDIR SRCDIR   regenerate the baseline
#                                           (`ninja -C BUILDDIR abi-baseline`)
#
# abidw needs the types of every exported function, i.e. DWARF, which the
# release build does not carry. So the library is built once more, with -g,
# in BUILDDIR/abi-debug (incremental after the first run); the baseline and
# the check both use that build, so they compare like with like.
#
# Policy (docs/abi.md): the check fails on any change abidiff reports except
# added functions and harmless ones (such as an enumerator appended to an
# enum). abidw sees only the enums that appear in a function's signature;
# tests/abi_symbols.py checks the values of all of them against
# abi/libseg.so.N.enums, which --update writes too. The only way past an incompatible change is to raise seg_soversion:
# then the baseline of the old soname no longer applies, and --update writes
# abi/libseg.so.<new>.abi. --update refuses to bless an incompatible change
# under an unchanged soname.
set -eu
update=0
if [ "${1:-}" = "--update" ]; then
    update=1
    shift
fi
if [ $# -ne 2 ]; then
    echo "usage: $0 [--update] BUILDDIR SRCDIR" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)

for tool in abidw abidiff; do
    command -v $tool >/dev/null 2>&1 || {
        echo "FAIL: $tool not found: install Debian's abigail-tools (apt-get install abigail-tools)"
        echo "0 passed, 1 failed"
        exit 1
    }
done

soversion=$(sed -n "s/^seg_soversion *= *'\([0-9]*\)'.*/\1/p" "$src/meson.build")
test -n "$soversion" || { echo "FAIL: no seg_soversion in meson.build"; exit 1; }
baseline="$src/abi/libseg.so.$soversion.abi"
# Enumerators that only travel as int values (status codes, setting values)
# are invisible to abidw; tests/abi_symbols.py checks them against this file.
enums="$src/abi/libseg.so.$soversion.enums"
py=/usr/bin/python3
test -x $py || py=python3

# The -g build. Its options only add debug information; the code is the
# same as the release build's.
dbg="$build/abi-debug"
if [ ! -f "$dbg/build.ninja" ]; then
    meson setup "$dbg" "$src" --buildtype=debugoptimized -Db_ndebug=true \
        -Dtests=false -Dbench=false -Ddocs=disabled >"$build/abi-debug-setup.log" 2>&1 || {
        cat "$build/abi-debug-setup.log"
        echo "FAIL: cannot configure the -g build in $dbg"
        exit 1
    }
fi
ninja -C "$dbg" >"$build/abi-debug-build.log" 2>&1 || {
    cat "$build/abi-debug-build.log"
    echo "FAIL: cannot build the -g library in $dbg"
    exit 1
}
lib=$(readlink -f "$dbg/lib/libseg.so")

current=$(mktemp)
trap 'rm -f "$current"' EXIT INT TERM
# No paths, no line numbers: the baseline changes only when the ABI does.
abidw --no-corpus-path --no-comp-dir-path --no-show-locs --no-elf-needed \
    --exported-interfaces-only --drop-private-types \
    --headers-dir "$src/include" --out-file "$current" "$lib"

# The soname recorded in the library must be the one meson.build asks for.
soname=$(sed -n "s/.*<abi-corpus [^>]*soname='\([^']*\)'.*/\1/p" "$current" | head -n 1)
if [ "$soname" != "libseg.so.$soversion" ]; then
    echo "FAIL: the library's soname is '$soname', meson.build says libseg.so.$soversion"
    echo "0 passed, 1 failed"
    exit 1
fi

# abidiff exit status is a bit set: 1 tool error, 2 usage error, 4 ABI
# change, 8 incompatible ABI change. Added functions and harmless changes
# are not reported as changes once --no-added-syms hides the former.
compare() {
    set +e
    abidiff --no-added-syms "$1" "$2" >"$3" 2>&1
    rc=$?
    set -e
    return 0
}

if [ $update -eq 1 ]; then
    mkdir -p "$src/abi"
    if [ -f "$baseline" ]; then
        compare "$baseline" "$current" "$build/abi-diff.txt"
        if [ $((rc & 3)) -ne 0 ]; then
            cat "$build/abi-diff.txt"
            echo "abidiff failed (status $rc)"
            exit 1
        fi
        if [ $((rc & 12)) -ne 0 ]; then
            cat "$build/abi-diff.txt"
            echo
            echo "Refusing to update $baseline: the change above is not backward compatible"
            echo "and seg_soversion is still $soversion. Undo it, or raise seg_soversion in"
            echo "meson.build (docs/abi.md, \"Breaking the ABI\") and run this again."
            exit 1
        fi
    fi
    if [ -f "$enums" ] && ! $py "$src/tests/abi_symbols.py" "$src" --enums-compatible; then
        echo
        echo "Refusing to update $enums: the enum values above changed and seg_soversion"
        echo "is still $soversion (docs/abi.md, \"Breaking the ABI\")."
        exit 1
    fi
    cat "$current" >"$baseline"
    $py "$src/tests/abi_symbols.py" "$src" --enums >"$enums"
    for old in "$src"/abi/libseg.so.*.abi "$src"/abi/libseg.so.*.enums; do
        if [ "$old" != "$baseline" ] && [ "$old" != "$enums" ] && [ -f "$old" ]; then
            echo "note: $old is the baseline of an older soname: git rm it"
        fi
    done
    echo "wrote $baseline and $enums; review and commit them"
    exit 0
fi

if [ ! -f "$baseline" ]; then
    older=$(ls "$src"/abi/libseg.so.*.abi 2>/dev/null | head -n 1 || true)
    if [ -n "$older" ]; then
        echo "FAIL: seg_soversion was raised to $soversion but abi/ still holds $(basename "$older")."
        echo "Regenerate the baseline for the new soname in the same commit:"
    else
        echo "FAIL: no ABI baseline $baseline. Create it:"
    fi
    echo "  ninja -C <builddir> abi-baseline   (then git add abi/ and git rm the old one)"
    echo "0 passed, 1 failed"
    exit 1
fi

compare "$baseline" "$current" "$build/abi-diff.txt"
if [ $rc -ne 0 ]; then
    cat "$build/abi-diff.txt"
    echo
    if [ $((rc & 3)) -ne 0 ]; then
        echo "FAIL: abidiff could not compare (status $rc)"
    else
        echo "FAIL: the ABI of libseg.so differs from $(basename "$baseline") (abidiff status $rc)."
        echo "Programs built against libseg.so.$soversion may break. Either undo the change,"
        echo "or make it deliberately: raise seg_soversion in meson.build, run"
        echo "\`ninja -C <builddir> abi-baseline\` and commit abi/ in the same commit"
        echo "(docs/abi.md, \"Breaking the ABI\")."
    fi
    echo "0 passed, 1 failed"
    exit 1
fi
echo "ok: libseg.so.$soversion is ABI compatible with $(basename "$baseline")"
echo "1 passed, 0 failed"
