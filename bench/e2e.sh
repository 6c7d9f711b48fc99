#!/bin/sh
# The end-to-end row of issue 20, as a user runs it: `seg segment` on a
# 10^6 x 32 float32 .npy with k = 64 from given centroids, against NumPy +
# scikit-learn + pandas doing the same (bench/e2e_peer.py), in the same run,
# on the same files. Best of REPS wall times (GNU time -v) and the peak RSS
# of each; prints the ratios and the targets (>= 5x faster than the peer,
# peak RSS <= 1.25 x data + 32 MiB).
#
# Usage: bench/e2e.sh SEG [SOURCE_ROOT] [--old SEG_OLD] [--reps N] [--rows N]
#   SEG_OLD: another seg binary (say main's) timed in the same run.
#   E2E_DIR: where the data go (default /tmp/libseg-e2e; never the tree).
set -eu
seg=${1:?usage: bench/e2e.sh SEG [SOURCE_ROOT] [--old SEG_OLD] [--reps N] [--rows N]}
root=${2:-.}
shift 2 2>/dev/null || shift $#
old=
reps=3
rows=1000000
while [ $# -gt 0 ]; do
    case $1 in
    --old) old=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    *) echo "e2e.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
abs() { case $1 in /*) echo "$1" ;; */*) echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" ;; *) command -v "$1" ;; esac; }
seg=$(abs "$seg")
root=$(cd "$root" && pwd)
[ -n "$old" ] && old=$(abs "$old")
dir=${E2E_DIR:-/tmp/libseg-e2e}
py=/usr/bin/python3
mkdir -p "$dir"
if [ ! -f "$dir/X.npy" ] || [ "$(cat "$dir/rows" 2>/dev/null)" != "$rows" ]; then
    "$py" "$root/bench/e2e_peer.py" make "$dir" --rows "$rows"
    echo "$rows" > "$dir/rows"
fi

# one timed run of a command: "wall_seconds max_rss_kib" on stdout
timed() {
    /usr/bin/time -v -o "$dir/time.txt" "$@" > "$dir/last.out" 2> "$dir/last.err" || {
        echo "e2e.sh: failed: $*" >&2; cat "$dir/last.err" >&2; exit 1; }
    awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
                    for (i = 1; i <= n; i++) s = s * 60 + t[i]; wall = s }
                /Maximum resident set size/ { rss = $2 }
                END { printf "%.3f %d\n", wall, rss }' "$dir/time.txt"
}

# best wall of $reps runs and every wall (the spread), max RSS of them
best_of() {
    name=$1; shift
    walls=; best=; rss=0
    r=0
    while [ $r -lt "$reps" ]; do
        line=$(timed "$@")
        w=${line% *}; m=${line#* }
        walls="$walls $w"
        best=$(awk -v a="$best" -v b="$w" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }')
        [ "$m" -gt "$rss" ] && rss=$m
        r=$((r + 1))
    done
    echo "$name $best $rss$walls"
}

cd "$dir"
results=$dir/results.txt
: > "$results"
set -- segment X.npy --k 64 --init C.npy --scale none --dtype f32
best_of seg "$seg" "$@" >> "$results"
[ -n "$old" ] && best_of seg_old "$old" "$@" >> "$results"
best_of peer "$py" "$root/bench/e2e_peer.py" run "$dir" >> "$results"
cp "$dir/last.out" "$dir/peer.json"

data_mib=$(awk -v n="$rows" 'BEGIN { printf "%.1f", n * 32 * 4 / 1048576 }')
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "data: $rows x 32 float32 = $data_mib MiB; $reps runs each, best wall (all walls)"
awk -v data="$data_mib" '
    { wall[$1] = $2; rss[$1] = $3 / 1024; all = ""
      for (i = 4; i <= NF; i++) all = all " " $i; walls[$1] = all; order[++n] = $1 }
    END {
        budget = 1.25 * data + 32
        printf "%-8s %9s %9s  %s\n", "run", "wall s", "RSS MiB", "walls"
        for (i = 1; i <= n; i++)
            printf "%-8s %9.2f %9.0f  %s\n", order[i], wall[order[i]], rss[order[i]], walls[order[i]]
        r = wall["peer"] / wall["seg"]
        printf "seg vs peer: %.2fx faster (target >= 5x: %s)\n", r, (r >= 5 ? "met" : "NOT met")
        printf "seg peak RSS %.0f MiB, budget %.0f MiB (1.25 x data + 32): %s\n", rss["seg"],
               budget, (rss["seg"] <= budget ? "met" : "NOT met")
        if ("seg_old" in wall)
            printf "seg vs seg_old: %.2fx faster, RSS %.0f -> %.0f MiB\n",
                   wall["seg_old"] / wall["seg"], rss["seg_old"], rss["seg"]
    }' "$results"
echo "peer stages (last run): $(cat "$dir/peer.json")"
