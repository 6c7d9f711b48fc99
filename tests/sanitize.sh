#!/bin/sh
# Build the project again with AddressSanitizer + UndefinedBehaviorSanitizer
# and run the unit, CLI and install suites in that build. Any report fails.
# Usage: sanitize.sh SOURCE_ROOT
set -eu
src=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
meson setup "$dir" "$src" -Dbuildtype=debug -Db_sanitize=address,undefined \
    -Db_lundef=false -Dbench=false -Ddocs=disabled > "$dir.setup.log" 2>&1 ||
    { cat "$dir.setup.log"; exit 1; }
rm -f "$dir.setup.log"
# The quick setup (tests/meson.build) sets SEG_SANITIZE_SHARD=0/4: the
# instrumented test_model_io then corrupts one byte offset in four, its
# longest part; every other test runs in full.
if [ -n "${SEG_SANITIZE_SHARD:-}" ]; then
    export SEG_TEST_SHARD="$SEG_SANITIZE_SHARD"
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
meson test -C "$dir" --suite unit --suite cli --suite install --print-errorlogs
