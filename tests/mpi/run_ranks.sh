#!/bin/sh
# Run a program under mpirun with each rank count given, as CI runs it:
# as root when we are root (--allow-run-as-root), more ranks than cores
# (--oversubscribe), and no cross-memory attach (containers often forbid the
# ptrace it needs; Open MPI then falls back to copies). A rank count that
# hangs is killed by timeout(1), and so fails rather than blocks the suite.
#   run_ranks.sh MPIRUN "1 2 3 4" PROGRAM [ARGS...]
set -u
mpirun=$1
counts=$2
shift 2
export OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_rmaps_base_oversubscribe=1
# ranks that wait give the cores up (more ranks than cores here)
export OMPI_MCA_mpi_yield_when_idle=1
root=
[ "$(id -u)" = 0 ] && root=--allow-run-as-root
status=0
for r in $counts; do
    echo "== $r rank(s): $*"
    if ! timeout 300 "$mpirun" $root --oversubscribe -n "$r" "$@"; then
        echo "FAILED with $r rank(s)"
        status=1
    fi
done
exit $status
