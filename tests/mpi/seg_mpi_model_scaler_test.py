#!/usr/bin/env python3
"""A scaled seg-mpi run's model holds its scaler: seg predict on the raw rows
gives the run's assignments byte for byte, and those of the serial model.

For --scale standard, minmax and robust, --dtype f32 and f64, 1 and 3 ranks:
seg-mpi segment X.npy --model M --assignments A, then seg predict M X.csv
(the same rows as text) must write A; and seg segment's own model predicts
the same. Without the scaler in the model, predict would score raw rows
against scaled centroids (and before, seg-mpi refused --model with a
scaling). Also: seg info names the model's scaling.

usage: seg_mpi_model_scaler_test.py MPIRUN SEG SEG_MPI
"""
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

from mpitest import mpirun, seg, seg_mpi, env, root, read, Tally  # noqa: E402

check = Tally()


with tempfile.TemporaryDirectory() as tmp:
    os.chdir(tmp)
    rng = random.Random(8)
    d = 5
    centres = [[rng.gauss(0, 4) * (j + 1) + 100.0 * j for j in range(d)] for _ in range(9)]
    rows = [[c + rng.gauss(0, 1) for c in centres[i % 9]] for i in range(12000)]
    # float32 values, so the .npy (f4) and the CSV (their exact decimal) agree
    rows = [list(struct.unpack('<%df' % d, struct.pack('<%df' % d, *r))) for r in rows]
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (len(rows), d)
    h += ' ' * (63 - (10 + len(h)) % 64) + '\n'
    with open('x.npy', 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode())
        for r in rows:
            f.write(struct.pack('<%df' % d, *r))
    with open('x.csv', 'w') as f:
        f.write(','.join('x%d' % j for j in range(d)) + '\n')
        for r in rows:
            f.write(','.join(repr(v) for v in r) + '\n')
    # rows with missing numbers: the model imputes the training median, which
    # seg-mpi's model must hold exactly as seg segment's does
    with open('gaps.csv', 'w') as f:
        f.write(','.join('x%d' % j for j in range(d)) + '\n')
        for i, r in enumerate(rows[:600]):
            f.write(','.join('' if (i + j) % 3 == 0 else repr(v) for j, v in enumerate(r)) + '\n')
    for scale in ('standard', 'minmax', 'robust'):
        for dtype in ('f32', 'f64'):
            opts = ['--k', '9', '--seed', '3', '--scale', scale, '--dtype', dtype]
            s = subprocess.run([seg, 'segment', 'x.npy', '--model', 'serial.seg',
                                '--assignments', 'serial.csv', '--quiet'] + opts,
                               capture_output=True, text=True, timeout=240)
            check(s.returncode == 0, 'seg segment %s %s: %s' % (scale, dtype, s.stderr))
            for ranks in (1, 3):
                what = '%s %s, %d ranks' % (scale, dtype, ranks)
                r = subprocess.run([mpirun] + root + ['--oversubscribe', '-n', str(ranks),
                                                      seg_mpi, 'segment', 'x.npy', '--model',
                                                      'm.seg', '--assignments', 'a.csv',
                                                      '--quiet'] + opts,
                                   env=env, capture_output=True, text=True, timeout=300)
                check(r.returncode == 0, what + ': ran: ' + r.stderr.strip())
                if r.returncode != 0:
                    continue
                check(read('a.csv') == read('serial.csv'), what + ': the serial assignments')
                p = subprocess.run([seg, 'predict', 'm.seg', 'x.csv', '-o', 'p.csv'],
                                   capture_output=True, text=True, timeout=240)
                check(p.returncode == 0 and read('p.csv') == read('a.csv'),
                      what + ': seg predict on the raw rows = the run: ' + p.stderr.strip())
                info = subprocess.run([seg, 'info', '--json', 'm.seg'], capture_output=True,
                                      text=True, timeout=120)
                j = json.loads(info.stdout)
                check(j['preparation']['scale'] == scale and
                      j['features'] == ['x%d' % i for i in range(d)],
                      what + ': seg info: the scaling and features')
                g = subprocess.run([seg, 'predict', 'm.seg', 'gaps.csv', '-o', 'g.csv'],
                                   capture_output=True, text=True, timeout=240)
                gs = subprocess.run([seg, 'predict', 'serial.seg', 'gaps.csv', '-o', 'gs.csv'],
                                    capture_output=True, text=True, timeout=240)
                check(g.returncode == 0 and gs.returncode == 0 and read('g.csv') == read('gs.csv'),
                      what + ': missing numbers imputed as the serial model imputes them: ' +
                      g.stderr.strip() + gs.stderr.strip())
            p = subprocess.run([seg, 'predict', 'serial.seg', 'x.csv', '-o', 'ps.csv'],
                               capture_output=True, text=True, timeout=240)
            check(p.returncode == 0 and read('ps.csv') == read('serial.csv'),
                  '%s %s: the serial model predicts alike' % (scale, dtype))

sys.exit(check.summary())
