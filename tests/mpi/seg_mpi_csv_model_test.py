#!/usr/bin/env python3
"""seg-mpi segment FILE.csv --model M writes seg segment FILE.csv's model.

A CSV with numbers, levels (one-hot, yes/no), missing numbers and missing
levels, a customer-id column (left out as an identifier) and a column left
out with --drop; for 1, 2, 3 and 4 ranks, with the defaults, --scale robust
--impute-order scale-first --silhouette-sample 3000 (the model's silhouette
is measured on that sample, with --k too), and --dtype f32 --scale minmax
--init kmeans||:

- the assignments are seg segment's byte for byte;
- the model file, section by section, against seg segment's: the encoding
  and scaling (SCAL, PREP), the left-out columns and their reasons (LEFT),
  centroids (CENT) and segment sizes and weights (SEGS) byte for byte; HEAD
  equal but for the two timings (fit and start seconds, which no two runs
  share); the sections seg-mpi does not write yet (docs/mpi.md) exactly the
  documented ones, so a change there is noticed;
- seg predict M FILE.csv on the raw CSV writes the run's assignments, and
  so does seg segment's own model.

Before this, seg-mpi refused --model with a CSV (exit 2), and had no --drop.

usage: seg_mpi_csv_model_test.py MPIRUN SEG SEG_MPI
"""
import os
import random
import subprocess
import sys
import tempfile

from mpitest import seg, run_mpi, read, sections, Tally, write_customers_csv  # noqa: E402

check = Tally()

# Sections seg-mpi's model does not hold yet, or holds with other values
# (docs/mpi.md, "The model of a CSV"): the profiles, the outlier reference,
# the explanation tree, and the quality measures (NaN in seg-mpi's).
NOT_WRITTEN = set()
DIFFERENT = set()


def head_without_timings(payload):
    # k, d (u64), dtype, converged (u32), rows, iterations (u64), inertia
    # (f64), then fit_seconds and init_seconds (f64): left out
    return payload[:48] + payload[64:]


with tempfile.TemporaryDirectory() as tmp:
    os.chdir(tmp)
    write_customers_csv('bank.csv', 12000, random.Random(5))
    for extra in ([], ['--scale', 'robust', '--impute-order', 'scale-first',
                       '--silhouette-sample', '3000'],
                  ['--dtype', 'f32', '--scale', 'minmax', '--init', 'kmeans||']):
        opts = ['--k', '4', '--seed', '2', '--drop', 'note'] + extra
        label = ' '.join(extra) or 'defaults'
        s = subprocess.run([seg, 'segment', 'bank.csv', '--model', 'serial.seg',
                            '--assignments', 'serial.csv', '--quiet'] + opts,
                           capture_output=True, text=True, timeout=240)
        if not check(s.returncode == 0, 'seg segment (%s): %s' % (label, s.stderr)):
            continue
        ss = dict(sections(read('serial.seg')))
        check('LEFT' in ss and b'customer' in ss['LEFT'] and b'note' in ss['LEFT'],
              '%s: the serial model lists the id and --drop columns as left out' % label)
        for ranks in (1, 2, 3, 4):
            what = '%s, %d rank(s)' % (label, ranks)
            for f in ('m.seg', 'a.csv', 'p.csv'):
                if os.path.exists(f):
                    os.remove(f)
            r = run_mpi(ranks, ['bank.csv', '--model', 'm.seg', '--assignments', 'a.csv',
                                '--quiet'] + opts)
            if not check(r.returncode == 0, what + ': ran: ' + r.stderr.strip()):
                continue
            check(read('a.csv') == read('serial.csv'), what + ': the serial assignments')
            ms = sections(read('m.seg'))
            mine = dict(ms)
            check(len(mine) == len(ms), what + ': each section once')
            for tag in sorted(set(ss) | set(mine)):
                if tag in NOT_WRITTEN:
                    check(tag not in mine, what + ': %s not written (documented)' % tag)
                elif tag in DIFFERENT:
                    check(tag in mine, what + ': %s written' % tag)
                elif tag == 'HEAD':
                    check(head_without_timings(mine.get(tag, b'')) ==
                          head_without_timings(ss[tag]),
                          what + ': HEAD the serial one but for the timings')
                else:
                    check(mine.get(tag) == ss.get(tag),
                          what + ': section %s byte for byte the serial one' % tag)
            # the whole file: the serial bytes but for the two timings and
            # the checksum that covers them
            a, b = bytearray(read('m.seg')), bytearray(read('serial.seg'))
            at = a.find(b'HEAD') + 12 + 48
            for buf in (a, b):
                buf[at:at + 16] = bytes(16)
                buf[-4:] = bytes(4)
            check(at > 60 and a == b,
                  what + ': the file is the serial one but for the timings and checksum')
            p = subprocess.run([seg, 'predict', 'm.seg', 'bank.csv', '-o', 'p.csv'],
                               capture_output=True, text=True, timeout=240)
            check(p.returncode == 0 and read('p.csv') == read('a.csv'),
                  what + ': seg predict on the raw CSV = the run: ' + p.stderr.strip())
        p = subprocess.run([seg, 'predict', 'serial.seg', 'bank.csv', '-o', 'ps.csv'],
                           capture_output=True, text=True, timeout=240)
        check(p.returncode == 0 and read('ps.csv') == read('serial.csv'),
              '%s: the serial model predicts alike' % label)
    # --drop naming no column: the serial message, every rank agreed
    r = run_mpi(3, ['bank.csv', '--k', '2', '--drop', 'nosuchcolumn'])
    check(r.returncode == 1 and 'nosuchcolumn' in r.stderr and r.stderr.count('seg-mpi:') == 1,
          '--drop nosuchcolumn: exit 1, one message: ' + r.stderr.strip())

sys.exit(check.summary())
