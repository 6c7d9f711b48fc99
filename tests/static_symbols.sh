#!/bin/sh
# Every global symbol libseg.a defines starts with seg_ (issue 21): a static
# link puts the library's internal functions in the program's namespace, so
# an internal rb_u32 or csv_stream_open would clash with another library's.
# Public or internal alike, the prefix is seg_ (docs/architecture.md).
# Usage: static_symbols.sh LIBSEG.A
set -eu
lib=$1
command -v nm >/dev/null 2>&1 || { echo "FAIL: nm not found (install binutils)"; exit 1; }
syms=$(nm -g --defined-only "$lib") || { echo "FAIL: nm could not read $lib"; exit 1; }
# Lines "ADDRESS TYPE NAME"; member headers and blank lines have no type.
bad=$(echo "$syms" | awk 'NF == 3 && $3 !~ /^seg_/ {print $3}' | sort -u)
total=$(echo "$syms" | awk 'NF == 3' | wc -l)
if [ "$total" -eq 0 ]; then
    echo "FAIL: nm listed no global symbol in $lib"
    exit 1
fi
if [ -n "$bad" ]; then
    echo "FAIL: libseg.a defines global symbols without the seg_ prefix:"
    echo "$bad"
    exit 1
fi
echo "ok: $total global symbols in $(basename "$lib"), all seg_*"
