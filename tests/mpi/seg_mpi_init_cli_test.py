#!/usr/bin/env python3
"""seg-mpi segment --init 'kmeans||' against seg segment --init 'kmeans||'.

k-means|| draws each row by (seed, round, row number) and sums its costs over
the fit's fixed partitions in order, so 1, 2, 3 and 4 ranks must write the
assignments of the single-process run byte for byte, and the same model
figures (inertia to 17 digits, iterations, sizes). Also: seg segment's
k-means|| start differs from its k-means++ start (the option is not
ignored), and --method gmm refuses it with the reason.

usage: seg_mpi_init_cli_test.py MPIRUN SEG SEG_MPI
"""
import json
import os
import random
import subprocess
import sys
import tempfile

from mpitest import mpirun, seg, seg_mpi, env, root, read, Tally, save_npy  # noqa: E402

check = Tally()


def figures(js):
    j = json.loads(js)
    sizes = j['sizes'] if 'sizes' in j else [s['size'] for s in j['segments']]
    return (repr(j['inertia']), j['iterations'], sizes)


with tempfile.TemporaryDirectory() as tmp:
    rng = random.Random(5)
    centres = [[rng.gauss(0, 5) for _ in range(6)] for _ in range(14)]
    rows = [[c + rng.gauss(0, 1) for c in centres[i % 14]] for i in range(24000)]
    rng.shuffle(rows)
    data = os.path.join(tmp, 'x.npy')
    save_npy(data, rows, 'f4')
    for extra in ([], ['--scale', 'none', '--dtype', 'f64']):
        opts = ['--k', '16', '--seed', '9', '--init', 'kmeans||', '--json'] + extra
        ref = os.path.join(tmp, 'ref.csv')
        p = subprocess.run([seg, 'segment', data, '--assignments', ref] + opts,
                           capture_output=True, text=True, timeout=240)
        check(p.returncode == 0, 'seg segment %s: %s' % (extra, p.stderr.strip()))
        want = figures(p.stdout)
        pp = os.path.join(tmp, 'pp.csv')
        q = subprocess.run([seg, 'segment', data, '--assignments', pp, '--init', 'kmeans++',
                            '--k', '16', '--seed', '9', '--quiet'] + extra,
                           capture_output=True, text=True, timeout=240)
        check(q.returncode == 0 and read(pp) != read(ref),
              'kmeans|| is not kmeans++ %s' % extra)
        for ranks in (1, 2, 3, 4):
            out = os.path.join(tmp, 'm%d.csv' % ranks)
            cmd = ([mpirun] + root + ['--oversubscribe', '-n', str(ranks), seg_mpi, 'segment',
                                      data, '--assignments', out] + opts)
            r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
            check(r.returncode == 0, '%d ranks %s ran: %s' % (ranks, extra, r.stderr.strip()))
            if r.returncode == 0:
                check(read(out) == read(ref), '%d ranks %s: assignments byte for byte'
                      % (ranks, extra))
                check(figures(r.stdout) == want, '%d ranks %s: inertia, iterations, sizes'
                      % (ranks, extra))
    g = subprocess.run([seg, 'segment', data, '--method', 'gmm', '--k', '3', '--init',
                        'kmeans||'], capture_output=True, text=True, timeout=120)
    check(g.returncode == 2 and 'not --init kmeans||' in g.stderr,
          'gmm refuses --init kmeans||: %s' % g.stderr.strip())

sys.exit(check.summary())
