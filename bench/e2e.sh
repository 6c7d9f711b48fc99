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

# one timed run of a command: "wall_seconds max_rss_kib cpu_seconds" on stdout
timed() {
    /usr/bin/time -v -o "$dir/time.txt" "$@" > "$dir/last.out" 2> "$dir/last.err" || {
        echo "e2e.sh: failed: $*" >&2; cat "$dir/last.err" >&2; exit 1; }
    awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
                    for (i = 1; i <= n; i++) s = s * 60 + t[i]; wall = s }
                /Maximum resident set size/ { rss = $2 }
                /User time|System time/ { cpu += $2 }
                END { printf "%.3f %d %.2f\n", wall, rss, cpu }' "$dir/time.txt"
}

# best wall of $reps runs, max RSS of them, and every run's wall/CPU seconds
# (the spread; CPU seconds, user + system, say more than walls on a machine
# that other work shares)
best_of() {
    name=$1; shift
    walls=; best=; bcpu=; rss=0
    r=0
    while [ $r -lt "$reps" ]; do
        line=$(timed "$@")
        set -- $line "$@"
        w=$1; m=$2; c=$3
        shift 3
        walls="$walls $w/$c"
        best=$(awk -v a="$best" -v b="$w" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }')
        bcpu=$(awk -v a="$bcpu" -v b="$c" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }')
        [ "$m" -gt "$rss" ] && rss=$m
        r=$((r + 1))
    done
    echo "$name $best $rss $bcpu$walls"
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
echo "data: $rows x 32 float32 = $data_mib MiB; $reps runs each, best wall (all runs: wall/CPU s)"
awk -v data="$data_mib" '
    { wall[$1] = $2; rss[$1] = $3 / 1024; cpu[$1] = $4; all = ""
      for (i = 5; i <= NF; i++) all = all " " $i; runs[$1] = all; order[++n] = $1 }
    END {
        budget = 1.25 * data + 32
        printf "%-8s %8s %8s %8s  %s\n", "run", "wall s", "CPU s", "RSS MiB", "runs (wall/CPU s)"
        for (i = 1; i <= n; i++)
            printf "%-8s %8.2f %8.2f %8.0f  %s\n", order[i], wall[order[i]], cpu[order[i]],
                   rss[order[i]], runs[order[i]]
        r = wall["peer"] / wall["seg"]
        printf "seg vs peer: %.2fx faster in wall time (target >= 5x: %s), %.2fx in CPU time\n", r,
               (r >= 5 ? "met" : "NOT met"), cpu["peer"] / cpu["seg"]
        printf "seg peak RSS %.0f MiB, budget %.0f MiB (1.25 x data + 32): %s\n", rss["seg"],
               budget, (rss["seg"] <= budget ? "met" : "NOT met")
        if ("seg_old" in wall)
            printf "seg vs seg_old: %.2fx faster in wall time, %.2fx in CPU time, RSS %.0f -> %.0f MiB\n",
                   wall["seg_old"] / wall["seg"], cpu["seg_old"] / cpu["seg"], rss["seg_old"], rss["seg"]
    }' "$results"
echo "peer stages (last run): $(cat "$dir/peer.json")"
