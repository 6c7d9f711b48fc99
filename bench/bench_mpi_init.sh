#!/bin/sh
# The start of a seg-mpi fit: greedy k-means++ against k-means|| (docs/mpi.md)
# on bench_mpi.sh's data (the same generator: K blobs, fixed seed), 1 rank x
# 1 thread, then k-means|| with 2 ranks, which must give the 1-rank model.
# Each run does ITERS Lloyd iterations (--tol 0) so the fitted inertia
# compares the starts too. Prints init seconds, fit seconds and inertia.
#   bench/bench_mpi_init.sh [BUILD [N [D [K [ITERS]]]]]   (defaults: build 1000000 32 64 10)
set -eu
build=$(cd "${1:-build}" && pwd)
n=${2:-1000000}
d=${3:-32}
k=${4:-64}
iters=${5:-10}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/mpi_env.sh"
# bench_mpi.sh's generator, taken from between its GEN markers
sed -n "/^cat > \"\$tmp\/gen.c\" <<'GEN'\$/,/^GEN\$/p" "$here/bench_mpi.sh" | sed '1d;$d' > "$tmp/gen.c"
cc -O2 -o "$tmp/gen" "$tmp/gen.c"
"$tmp/gen" "$n" "$d" "$k" > "$tmp/x.npy"
echo "data: $n x $d float32, k = $k, $iters iterations"
echo "CPU: $(lscpu | sed -n "s/^Model name: *//p"), $(OMP_NUM_THREADS= nproc --all) cores"
for run in "1 kmeans++" "1 kmeans||" "2 kmeans||"; do
    set -- $run
    echo "load before: $(cut -d" " -f1-3 /proc/loadavg)"
    mpirun $root --oversubscribe -n "$1" "$build/mpi/seg-mpi" segment "$tmp/x.npy" --k "$k" \
        --seed 1 --init "$2" --scale none --threads 1 --tol 0 --max-iter "$iters" --json \
        --assignments "$tmp/a-$1-$2.csv" > "$tmp/j.json"
    python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print('ranks %s init %-8s: init %.2f s, fit %.2f s, inertia %.10g' % (sys.argv[2], sys.argv[3], j['init_seconds'], j['fit_seconds'], j['inertia']))" "$tmp/j.json" "$1" "$2"
done
cmp -s "$tmp/a-1-kmeans||.csv" "$tmp/a-2-kmeans||.csv" && echo "k-means||: 2 ranks = 1 rank (assignments byte for byte)" \
    || { echo "k-means||: 2 ranks differ from 1 rank"; exit 1; }
