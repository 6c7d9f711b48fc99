# Sourced by bench/bench_mpi.sh and bench/bench_mpi_init.sh: Open MPI's
# settings for runs on a shared machine and as root, one thread per rank.
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
# a waiting rank gives its core up; ranks float (the machine is shared)
export OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_hwloc_base_binding_policy=none
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
root=
[ "$(id -u)" = 0 ] && root=--allow-run-as-root
