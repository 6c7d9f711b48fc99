#!/bin/sh
# Run the libseg workloads W1-W7 and the peers on the same data; print ratios.
# Then Ward, mini-batch and RFM against fastcluster, scikit-learn and pandas
# (peers_more.py; workloads WARD, MB, RFM), with the library and `seg` of the
# build that holds KMBENCH.
# Usage: bench/run.sh [KMBENCH] [SOURCE_ROOT] [--quick] [--only W1,...,WARD,MB,RFM]
set -eu
kmbench=${1:-build/bench/kmbench}
root=${2:-.}
shift 2 2>/dev/null || shift $#
out=${BENCH_OUT:-/tmp/libseg-bench}
mkdir -p "$out"
"$kmbench" --out "$out" --bank "$root/examples/data/bank-full.csv" "$@"
/usr/bin/python3 "$root/bench/peers.py" --out "$out" --bank "$root/examples/data/bank-full.csv" "$@"
build=$(dirname "$(dirname "$kmbench")")
/usr/bin/python3 "$root/bench/peers_more.py" --lib "$build/lib/libseg.so" --seg "$build/tools/seg" \
    --out "$out" "$@"
