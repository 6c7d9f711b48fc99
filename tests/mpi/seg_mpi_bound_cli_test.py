#!/usr/bin/env python3
"""seg-mpi segment --algorithm A against seg segment --algorithm lloyd.

Every algorithm (hamerly, elkan, yinyang, auto) over 1, 2, 3 and 4 ranks must
write the single-process Lloyd run's assignments byte for byte, and the same
inertia (to 17 digits), iterations and sizes; a .npy (f32) and a CSV (f64,
shares cut by bytes, dealt out to the fit's). An unknown algorithm is a
usage error (exit 2) naming the choices.

usage: seg_mpi_bound_cli_test.py MPIRUN SEG SEG_MPI
"""
import json
import os
import random
import subprocess
import sys
import tempfile

from mpitest import seg, run_mpi, read, Tally, save_npy  # noqa: E402

check = Tally()


def figures(js):
    j = json.loads(js)
    sizes = j['sizes'] if 'sizes' in j else [s['size'] for s in j['segments']]
    return (repr(j['inertia']), j['iterations'], sizes)


with tempfile.TemporaryDirectory() as tmp:
    rng = random.Random(11)
    centres = [[rng.gauss(0, 4) for _ in range(5)] for _ in range(24)]
    rows = [[c + rng.gauss(0, 1.5) for c in centres[i % 24]] for i in range(20011)]
    rng.shuffle(rows)
    npy = os.path.join(tmp, 'x.npy')
    save_npy(npy, rows, 'f4')
    csv = os.path.join(tmp, 'x.csv')
    with open(csv, 'w') as f:
        f.write('a,b,c,d,e,kind\n')
        for i, r in enumerate(rows):
            f.write(','.join('%.6g' % v for v in r) + ',%s\n' % 'xyz'[i % 3])
    for data, extra in ((npy, ['--dtype', 'f32']), (csv, [])):
        opts = ['--k', '24', '--seed', '3', '--json'] + extra
        ref = os.path.join(tmp, 'ref.csv')
        p = subprocess.run([seg, 'segment', data, '--assignments', ref, '--algorithm', 'lloyd']
                           + opts, capture_output=True, text=True, timeout=240)
        check(p.returncode == 0, 'seg segment %s: %s' % (data, p.stderr.strip()))
        want = figures(p.stdout)
        for alg in ('hamerly', 'elkan', 'yinyang', 'auto'):
            for ranks in (1, 2, 3, 4):
                out = os.path.join(tmp, 'm.csv')
                r = run_mpi(ranks, [data, '--assignments', out, '--algorithm', alg] + opts)
                what = '%s, %s, %d ranks' % (os.path.basename(data), alg, ranks)
                check(r.returncode == 0, '%s ran: %s' % (what, r.stderr.strip()))
                if r.returncode == 0:
                    check(read(out) == read(ref), '%s: assignments byte for byte' % what)
                    check(figures(r.stdout) == want, '%s: inertia, iterations, sizes' % what)
    r = run_mpi(2, [npy, '--k', '3', '--algorithm', 'fast'])
    check(r.returncode == 2 and "lloyd, hamerly, elkan, yinyang or auto, not 'fast'" in r.stderr,
          'an unknown algorithm: exit %d, %s' % (r.returncode, r.stderr.strip()))

sys.exit(check.summary())
