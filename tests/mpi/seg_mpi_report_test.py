#!/usr/bin/env python3
"""seg-mpi segment FILE.csv --report R.html writes seg segment's report.

A CSV with numbers, levels, missing numbers and missing levels, a
customer-id column (left out as an identifier) and a column left out with
--drop; for 1, 2, 3 and 4 ranks the report is seg segment's byte for byte
(it holds no timing): with --k and the defaults, with --dtype f32 --scale
minmax --init kmeans||, with --scale robust --impute-order scale-first
--silhouette-sample 3000, and without --k (the sweep: the choosing-k section). The report
reads every row (the preparation's missing values per column, the map's
sample rows, the rules' customers per leaf), so a rank that reported its
own rows alone would differ (each was seen to: the missing values not
summed, the map drawn from rank 0's rows, the tree scored on rank 0's);
before, seg-mpi had no --report (exit 2). A float64 and a float32 .npy
(columns x0, x1, ...) likewise, with the defaults and with --dtype f32
--scale minmax; before, seg-mpi refused a .npy with --report (exit 2), its
model having no profiles.

usage: seg_mpi_report_test.py MPIRUN SEG SEG_MPI
"""
import os
import random
import subprocess
import sys
import tempfile

from mpitest import seg, run_mpi, read, save_npy, Tally, write_customers_csv  # noqa: E402

check = Tally()


def first_difference(a, b):
    at = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
    return '%d bytes against %d, first difference at %d: %r / %r' % (
        len(a), len(b), at, a[max(0, at - 60):at + 60], b[max(0, at - 60):at + 60])


with tempfile.TemporaryDirectory() as tmp:
    os.chdir(tmp)
    write_customers_csv('bank.csv', 9000, random.Random(5))
    write_customers_csv('small.csv', 4200, random.Random(7))
    rng = random.Random(9)
    centres = [[rng.gauss(0, 5), rng.gauss(10, 3), rng.gauss(-4, 2)] for _ in range(4)]
    rows = [[c + rng.gauss(0, 1) for c in centres[i % 4]] for i in range(5000)]
    save_npy('x8.npy', rows, 'f8')
    save_npy('x4.npy', rows, 'f4')
    cases = [('x8.npy', ['--k', '4', '--seed', '2']),
             ('x4.npy', ['--k', '3', '--seed', '1', '--dtype', 'f32', '--scale', 'minmax']),
             ('bank.csv', ['--k', '4', '--seed', '2', '--drop', 'note']),
             ('bank.csv', ['--k', '3', '--seed', '1', '--dtype', 'f32', '--scale', 'minmax',
                           '--init', 'kmeans||']),
             ('bank.csv', ['--k', '5', '--scale', 'robust', '--impute-order', 'scale-first',
                           '--silhouette-sample', '3000']),
             ('small.csv', ['--seed', '3', '--k-min', '2', '--k-max', '4', '--drop', 'note'])]
    for data, opts in cases:
        label = data + ' ' + ' '.join(opts)
        s = subprocess.run([seg, 'segment', data, '--report', 'serial.html', '--quiet'] + opts,
                           capture_output=True, text=True, timeout=300)
        if not check(s.returncode == 0, 'seg segment (%s): %s' % (label, s.stderr)):
            continue
        want = read('serial.html')
        check(b'id="map"' in want and b'id="explain"' in want and
              (b'customer' in want if data.endswith('.csv') else b'x2' in want),
              label + ': the serial report has the map, the rules and the columns')
        if '--k' not in opts:
            check(b'id="choosing-k"' in want, label + ': the serial report has the sweep')
        for ranks in (1, 2, 3, 4):
            what = '%s, %d rank(s)' % (label, ranks)
            if os.path.exists('r.html'):
                os.remove('r.html')
            r = run_mpi(ranks, [data, '--report', 'r.html', '--quiet'] + opts)
            if not check(r.returncode == 0, what + ': ran: ' + r.stderr.strip()):
                continue
            got = read('r.html')
            check(got == want, what + ': the serial report byte for byte: ' +
                  ('' if got == want else first_difference(got, want)))

    # An unwritable report: exit 1, one message, no other output left
    s = subprocess.run([seg, 'segment', 'bank.csv', '--k', '2', '--report', 'nodir/r.html'],
                       capture_output=True, text=True, timeout=300)
    r = run_mpi(3, ['bank.csv', '--k', '2', '--report', 'nodir/r.html', '--model', 'm.seg'])
    check(r.returncode == s.returncode != 0 and r.stderr.count('nodir/r.html') == 1 and
          not os.path.exists('m.seg'),
          'unwritable report: one message, no model: %d %s' % (r.returncode, r.stderr))

sys.exit(check.summary())
