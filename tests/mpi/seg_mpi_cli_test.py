#!/usr/bin/env python3
"""seg-mpi segment under mpirun with 1 to 4 ranks against the serial seg segment.

The assignments file must be the serial one byte for byte (from k-means++
with a seed, and from given centroids with --init C.npy), the model must give
the same assignments through `seg predict`, and a non-finite value in the
last rank's share must stop every rank with the same one message naming the
row, within a timeout (no hang).

    seg_mpi_cli_test.py MPIRUN SEG SEG_MPI
"""
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

from mpitest import seg, read, Tally, save_npy, run_mpi  # noqa: E402

check = Tally()


def fit_figures(model):
    """The model's inertia, iterations and segment sizes and weights, exactly."""
    p = subprocess.run([seg, 'info', '--json', model], capture_output=True, text=True,
                       timeout=120)
    j = json.loads(p.stdout)
    return (j['inertia'], j['iterations'], j['n'],
            [(s['size'], s['weight']) for s in j['segments']])


with tempfile.TemporaryDirectory() as tmp:
    os.chdir(tmp)
    r = random.Random(11)
    n, d, k = 40009, 10, 6
    cent = [[r.gauss(0, 3) for _ in range(d)] for _ in range(k)]
    rows = [[v + r.gauss(0, 1) for v in cent[r.randrange(k)]] for _ in range(n)]
    save_npy('x.npy', rows, 'f4')
    save_npy('c.npy', [rows[i * 1000 + 3] for i in range(k)], 'f8')
    with open('x.csv', 'w') as f:
        f.write(','.join('x%d' % j for j in range(d)) + '\n')
        for row in rows:
            f.write(','.join(repr(struct.unpack('f', struct.pack('f', v))[0]) for v in row) + '\n')

    cases = {
        'seed': ['--k', str(k), '--seed', '3', '--dtype', 'f32'],
        'given': ['--init', 'c.npy', '--dtype', 'f64', '--tol', '0'],
    }
    for name, opts in cases.items():
        serial = subprocess.run([seg, 'segment', 'x.npy', '--scale', 'none', '--assignments',
                                 'serial.csv', '--model', 'serial.model'] + opts,
                                capture_output=True, text=True, timeout=240)
        check(serial.returncode == 0, '%s: serial seg segment: %s' % (name, serial.stderr))
        want = read('serial.csv')
        want_fit = fit_figures('serial.model')
        for ranks in (1, 2, 3, 4):
            out = 'mpi%d.csv' % ranks
            p = run_mpi(ranks, ['x.npy', '--scale', 'none', '--assignments', out, '--model',
                                'm%d.model' % ranks, '--json'] + opts)
            check(p.returncode == 0, '%s, %d ranks: exit %d: %s' % (name, ranks, p.returncode,
                                                                     p.stderr))
            check(p.returncode != 0 or read(out) == want,
                  '%s, %d ranks: assignments differ from seg segment' % (name, ranks))
            # the inertia is a sum over all rows: its last bits show the order
            check(p.returncode != 0 or fit_figures('m%d.model' % ranks) == want_fit,
                  '%s, %d ranks: inertia, sizes or weights differ from seg segment\'s' %
                  (name, ranks))
            check(p.returncode != 0 or p.stdout.count('"version": ') == 1,
                  '%s, %d ranks: one JSON summary expected, got %r' % (name, ranks,
                                                                      p.stdout[:300]))
        # the model seg-mpi wrote is one seg predict reads and scores alike
        pr = subprocess.run([seg, 'predict', 'm3.model', 'x.csv', '-o', 'p.csv'],
                            capture_output=True, text=True, timeout=240)
        check(pr.returncode == 0 and read('p.csv') == want,
              '%s: seg predict with the 3-rank model: %s' % (name, pr.stderr))

    # The default scaling (standard, as seg segment's for a .npy) and minmax:
    # columns far from 0 with small spreads (the order of the sums shows in
    # the last bits) and one constant column.
    srows = [[v * (j + 1) + 1e5 * j + 0.1 if j != 4 else 2.5 for j, v in enumerate(row)]
             for row in rows]
    save_npy('s.npy', srows, 'f8')
    save_npy('s4.npy', srows, 'f4')
    scases = {
        'standard f32': ['s.npy', '--k', str(k), '--seed', '5', '--dtype', 'f32'],
        'standard f64, f4 file': ['s4.npy', '--k', str(k), '--seed', '2'],
        'minmax f64': ['s.npy', '--k', str(k), '--seed', '1', '--scale', 'minmax'],
        'robust f32': ['s.npy', '--k', str(k), '--seed', '3', '--scale', 'robust',
                       '--dtype', 'f32'],
    }
    for name, opts in scases.items():
        serial = subprocess.run([seg, 'segment', '--assignments', 'serial.csv', '--json'] + opts,
                                capture_output=True, text=True, timeout=240)
        check(serial.returncode == 0, '%s: serial seg segment: %s' % (name, serial.stderr))
        want = read('serial.csv')
        # the inertia (%.17g) sums over all scaled rows: its last bits show
        # a scaler that differs in the last bit
        sj = json.loads(serial.stdout) if serial.returncode == 0 else {}
        want_fit = (sj.get('inertia'), sj.get('iterations'),
                    [s['size'] for s in sj.get('segments', [])])
        for ranks in (1, 2, 3, 4):
            out = 'mpi%d.csv' % ranks
            p = run_mpi(ranks, opts + ['--assignments', out, '--json'])
            check(p.returncode == 0, '%s, %d ranks: exit %d: %s' % (name, ranks, p.returncode,
                                                                     p.stderr))
            check(p.returncode != 0 or read(out) == want,
                  '%s, %d ranks: assignments differ from seg segment' % (name, ranks))
            mj = json.loads(p.stdout) if p.returncode == 0 else {}
            got_fit = (mj.get('inertia'), mj.get('iterations'),
                       [s['size'] for s in mj.get('segments', [])])
            check(p.returncode != 0 or got_fit == want_fit,
                  '%s, %d ranks: inertia, iterations, sizes %r, seg segment %r' %
                  (name, ranks, got_fit, want_fit))

    # A NaN in the last rows (the last rank's share): every rank stops, one message.
    rows[n - 2][4] = float('nan')
    save_npy('bad.npy', rows, 'f4')
    # (the default scaling meets it first; --scale none, the fit)
    for ranks, scale in ((1, []), (3, []), (4, []), (3, ['--scale', 'none'])):
        try:
            p = run_mpi(ranks, ['bad.npy', '--k', str(k), '--assignments', 'bad.csv'] + scale,
                        timeout=120)
        except subprocess.TimeoutExpired:
            check(False, 'bad share, %d ranks: hung' % ranks)
            continue
        msg = 'row %d, feature 5 is not finite' % (n - 1)
        check(p.returncode != 0, 'bad share, %d ranks: exit 0' % ranks)
        check(p.stderr.count(msg) == 1,
              'bad share, %d ranks: want the message once, got %r' % (ranks, p.stderr))
        check(not os.path.exists('bad.csv'), 'bad share, %d ranks: wrote assignments' % ranks)

sys.exit(check.summary())
