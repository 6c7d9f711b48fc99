#!/bin/sh
# seg-mpi segment with 2 ranks x 1 thread against 1 rank x 1 thread on the
# same float32 .npy (bench/README-mpi.md), with each rank's peak memory, the
# bytes a rank exchanges per iteration, and the ping-pong costs behind the
# latency model of the projection.
#   bench/bench_mpi.sh [BUILD [N [D [K [ITERS [ALGORITHM]]]]]]
#   (defaults: build 4000000 32 64 10 lloyd)
# The fit runs exactly ITERS iterations (--tol 0 --max-iter ITERS) so both
# runs do the same work; ALGORITHM is seg-mpi's --algorithm (lloyd, hamerly,
# elkan, yinyang, auto). Needs mpicc/mpirun (openmpi-bin, libopenmpi-dev).
set -eu
build=$(cd "${1:-build}" && pwd)
n=${2:-4000000}
d=${3:-32}
k=${4:-64}
iters=${5:-10}
alg=${6:-lloyd}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/mpi_env.sh"

# The data: k blobs, fixed seed, written by a small C program (no numpy needed).
cat > "$tmp/gen.c" <<'GEN'
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
    size_t n = strtoull(argv[1], 0, 10), d = strtoull(argv[2], 0, 10), k = strtoull(argv[3], 0, 10);
    char h[128];
    int len = snprintf(h, sizeof h, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }", n, d);
    while ((10 + len + 1) % 64) h[len++] = ' ';
    h[len++] = '\n';
    fwrite("\x93NUMPY\x01\x00", 1, 8, stdout);
    fputc(len & 255, stdout); fputc(len >> 8, stdout);
    fwrite(h, 1, (size_t)len, stdout);
    uint64_t s = 88172645463325252ULL;
    float *row = malloc(d * sizeof *row);
    for (size_t i = 0; i < n; i++) {
        size_t c = (i * 2654435761u) % k;
        for (size_t j = 0; j < d; j++) {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            row[j] = (float)((double)((c * 31 + j * 17) % 23) + (double)(s >> 11) / 9007199254740992.0 - 0.5);
        }
        fwrite(row, sizeof *row, d, stdout);
    }
    return 0;
}
GEN
cc -O2 -o "$tmp/gen" "$tmp/gen.c"
"$tmp/gen" "$n" "$d" "$k" > "$tmp/x.npy"
echo "data: $n x $d float32 ($(($(stat -c %s "$tmp/x.npy") / 1048576)) MiB), k = $k, $iters iterations, --algorithm $alg"
echo "CPU: $(lscpu | sed -n "s/^Model name: *//p"), $(OMP_NUM_THREADS= nproc --all) cores; load: $(cut -d" " -f1-3 /proc/loadavg)"

for r in 1 2; do
    mpirun $root --oversubscribe -n $r "$build/mpi/seg-mpi" segment "$tmp/x.npy" --k "$k" \
        --dtype f32 --scale none --tol 0 --max-iter "$iters" --algorithm "$alg" --threads 1 --json -q --mpi-stats > "$tmp/r$r.json" 2> "$tmp/s$r.json"
    python3 -c "
import json; j = json.load(open('$tmp/r$r.json')); s = json.load(open('$tmp/s$r.json'))
print('ranks %d: fit %.2f s (start %.2f s, then %.3f s an iteration), whole run %.2f s, iterations %d, peak RSS per rank (MiB): %s' % (
    s['ranks'], s['fit_seconds'], s['init_seconds'],
    (s['fit_seconds'] - s['init_seconds']) / j['iterations'], s['seconds'], j['iterations'],
    ', '.join('%.0f' % (v / 1024) for v in s['peak_rss_kib'])))
print('         fit CPU seconds per rank: %s' % ', '.join('%.2f' % v for v in s['fit_cpu_seconds']))"
done
python3 -c "
import json
a = json.load(open('$tmp/r1.json')); b = json.load(open('$tmp/r2.json'))
sa = json.load(open('$tmp/s1.json')); sb = json.load(open('$tmp/s2.json'))
print('speed-up of the fit, 2 ranks vs 1: %.2fx wall; %.2fx by CPU time (1 rank / busiest of 2)' % (
    sa['fit_seconds'] / sb['fit_seconds'], sa['fit_cpu_seconds'][0] / max(sb['fit_cpu_seconds'])))
sizes = lambda j: [s['size'] for s in j['segments']]
print('same model: %s' % (a['inertia'] == b['inertia'] and sizes(a) == sizes(b)))"

# Bytes a rank exchanges per Lloyd iteration: the fold of k x d sums, k
# weights and the inertia (doubles) received from the rank before and sent
# to the next, its broadcast from the last rank, and the k counts + changes
# (int64) of one allreduce.
fold=$(( (k * d + k + 1) * 8 ))
ints=$(( (k + 1) * 8 ))
echo "per iteration: fold $fold bytes (in + out + broadcast), counts $ints bytes (allreduce)"
mpicc -O2 -o "$tmp/pingpong" "$here/mpi_pingpong.c"
echo "ping-pong alpha_us fold_us bytes: $(mpirun $root --oversubscribe -n 2 "$tmp/pingpong" "$fold")"
