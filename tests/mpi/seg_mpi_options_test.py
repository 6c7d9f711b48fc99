"""seg-mpi segment takes every option of seg segment (issue 18, item 5): each
option seg segment's --help lists is in seg-mpi segment's --help, so a new
seg segment option without its seg-mpi counterpart fails here. Those seg-mpi
does not run over ranks (other methods, size-constrained k-means, --memory)
are refused with the reason, exit 2, on every rank count, and write nothing.

    seg_mpi_options_test.py MPIRUN SEG SEG_MPI
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mpitest import Tally, env, run_mpi, seg, seg_mpi  # noqa: E402

t = Tally()


def long_options(prog):
    out = subprocess.run([prog, 'segment', '--help'], env=env, capture_output=True,
                         text=True, timeout=60)
    return set(re.findall(r'^\s+(?:-\w, )?--([a-z0-9-]+)', out.stdout, re.M)), out.returncode


serial, rc1 = long_options(seg)
# seg-mpi's --help is printed by rank 0 alone; run it as one process
ranks, rc2 = long_options(seg_mpi)
t(rc1 == 0 and rc2 == 0 and len(serial) > 30, 'both --help lists read (%d options)' % len(serial))
for name in sorted(serial):
    t(name in ranks, 'seg-mpi segment lists --%s' % name)

refused = [
    (['--method', 'ward'], 'Ward, mini-batch'),
    (['--method', 'gmm'], 'Gaussian'),
    (['--batch-size', '100'], 'minibatch'),
    (['--pre-cluster', '50'], 'ward'),
    (['--gamma', '0.5'], 'kprototypes'),
    (['--covariance', 'diag'], 'gmm'),
    (['--reg-covar', '1e-6'], 'gmm'),
    (['--min-size', '10'], 'transportation problem'),
    (['--max-size', '100'], 'transportation problem'),
    (['--capacity', 'caps.txt'], 'transportation problem'),
    (['--memory', '64M'], 'its share of the file'),
    (['--exact'], 'goes with --memory'),
]
with tempfile.TemporaryDirectory() as tmp:
    csv = os.path.join(tmp, 'c.csv')
    with open(csv, 'w') as f:
        f.write('a,b,c\n')
        for i in range(20000):
            f.write('%d,%d,%s\n' % (i % 7, (i * 13) % 11 + 1, 'xy'[i % 2]))
    out = os.path.join(tmp, 'a.csv')
    for args, reason in refused:
        for r in (1, 3):
            p = run_mpi(r, [csv, '--k', '3', '--assignments', out] + args)
            lines = [ln for ln in p.stderr.splitlines() if ln.startswith('seg-mpi:')]
            t(p.returncode == 2 and len(lines) == 1 and args[0] in lines[0] and reason in lines[0]
              and not os.path.exists(out),
              '%s on %d ranks: exit 2, one line naming it and why (%s)' % (
                  ' '.join(args), r, lines[0] if lines else p.stderr.strip()[:200]))
    # --keep naming a column in a role: no feature column there, as seg segment says
    for role in (['--describe', 'b'], ['--id', 'b'], ['--weight', 'b']):
        args = [csv, '--k', '3', '--keep', 'b'] + role
        want = subprocess.run([seg, 'segment'] + args + ['-q'], env=env, capture_output=True,
                              text=True, timeout=120)
        for r in (1, 3):
            p = run_mpi(r, args + ['--assignments', out])
            t(p.returncode == want.returncode == 2 and
              "--keep b: no feature column named 'b'" in p.stderr and not os.path.exists(out),
              '--keep b %s b on %d ranks: exit %d as seg segment (%d), its message' % (
                  role[0], r, p.returncode, want.returncode))
    # --method kmeans is what seg-mpi runs: accepted
    p = run_mpi(2, [csv, '--k', '3', '--method', 'kmeans', '--assignments', out])
    t(p.returncode == 0 and os.path.exists(out), '--method kmeans runs')

sys.exit(t.summary())
