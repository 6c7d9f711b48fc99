#!/bin/sh
# Build the project again with AddressSanitizer + UndefinedBehaviorSanitizer
# and run the unit, CLI and install suites in that build. Any report fails.
# Usage: sanitize.sh SOURCE_ROOT [BUILD_ROOT]
#
# The instrumented build lives in BUILD_ROOT/sanitize (without BUILD_ROOT, a
# temporary directory) and is kept: a second run rebuilds only what changed,
# as ninja does for the main build, instead of the whole project.
# SEG_SANITIZE_SUITES names the suites to run in it (default "unit cli
# install"; the quick setup of tests/meson.build gives "unit", and CI runs
# the default).
set -eu
src=$1
if [ -n "${2:-}" ]; then
    dir=$(cd "$2" && pwd)/sanitize
    mkdir -p "$dir"
else
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT INT TERM
fi
if [ -f "$dir/build.ninja" ]; then
    # Kept from a previous run: ninja reconfigures it when a meson.build
    # changed and rebuilds only what changed.
    true
else
    rm -rf "$dir" && mkdir -p "$dir"
    meson setup "$dir" "$src" -Dbuildtype=debug -Db_sanitize=address,undefined \
        -Db_lundef=false -Dbench=false -Ddocs=disabled > "$dir.setup.log" 2>&1 ||
        { cat "$dir.setup.log"; rm -rf "$dir"; exit 1; }
    rm -f "$dir.setup.log"
fi
# The quick setup (tests/meson.build) sets SEG_SANITIZE_SHARD=0/4: the
# instrumented test_model_io then corrupts one byte offset in four, its
# longest part; every other test runs in full.
if [ -n "${SEG_SANITIZE_SHARD:-}" ]; then
    export SEG_TEST_SHARD="$SEG_SANITIZE_SHARD"
fi
suites=""
for s in ${SEG_SANITIZE_SUITES:-unit cli install}; do
    suites="$suites --suite $s"
done
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# shellcheck disable=SC2086
meson test -C "$dir" $suites --print-errorlogs
