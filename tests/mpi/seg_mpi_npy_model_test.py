#!/usr/bin/env python3
"""seg-mpi segment FILE.npy --model M writes seg segment FILE.npy's model.

A float64 and a float32 .npy of clustered rows; for 1, 2, 3 and 4 ranks,
with the defaults (standard scaling), --dtype f32 --scale minmax --init
kmeans||, --scale robust, --scale none, and without --k (the sweep, which
moves the rows to other shares than the ones read); and a .npy with a
column of row numbers and one of increasing whole numbers, which seg
segment leaves out as identifiers (seg-mpi clustered on them before, a
silent difference):

- the assignments are seg segment's byte for byte;
- seg info --json of the model is seg segment's but for the file's name
  (the columns x0, x1, ... and their profiles, the scaler, the tree);
- the model file is seg segment's byte for byte but for the two HEAD
  timings and the checksum that covers them, also with --model alone (no
  --assignments: the outlier reference still gets predict's distances).

Before, the .npy model had no profiles and no column record (seg info:
"columns": []), so both failed. A .npy whose every column looks like an
identifier is refused as seg-mpi refuses such a CSV (exit 1, one message),
and so is a column of the whole numbers 0 to n - 1 out of order.

usage: seg_mpi_npy_model_test.py MPIRUN SEG SEG_MPI
"""
import json
import os
import random
import subprocess
import sys
import tempfile

from mpitest import seg, run_mpi, read, save_npy, Tally  # noqa: E402

check = Tally()


def blank_timings(data):
    """The model's bytes with HEAD's fit and start seconds and the checksum zeroed."""
    b = bytearray(data)
    at = b.find(b'HEAD') + 12 + 48
    b[at:at + 16] = bytes(16)
    b[-4:] = bytes(4)
    return bytes(b)


def info(path):
    p = subprocess.run([seg, 'info', '--json', path], capture_output=True, text=True,
                       timeout=120)
    if p.returncode != 0:
        return {'error': p.stderr}
    j = json.loads(p.stdout)
    j['model'] = None  # the file's own name
    return j


with tempfile.TemporaryDirectory() as tmp:
    os.chdir(tmp)
    rng = random.Random(11)
    centres = [[rng.gauss(0, 5), rng.gauss(10, 3), rng.gauss(-4, 2)] for _ in range(5)]
    rows = [[c + rng.gauss(0, 1) for c in centres[i % 5]] for i in range(5000)]
    save_npy('x8.npy', rows, 'f8')
    save_npy('x4.npy', rows, 'f4')
    save_npy('id.npy', [[r[0], 1000.0 + i, r[1], 3.0 * i, r[2]] for i, r in enumerate(rows)],
             'f8')
    cases = [('x8.npy', ['--k', '4', '--seed', '2']),
             ('x4.npy', ['--k', '3', '--seed', '1', '--dtype', 'f32', '--scale', 'minmax',
                         '--init', 'kmeans||']),
             ('x8.npy', ['--k', '5', '--scale', 'robust', '--silhouette-sample', '1000']),
             ('x4.npy', ['--k', '4', '--scale', 'none']),
             ('x8.npy', ['--seed', '3', '--k-min', '2', '--k-max', '4']),
             ('id.npy', ['--k', '4', '--seed', '2'])]
    for data, opts in cases:
        label = data + ' ' + ' '.join(opts)
        s = subprocess.run([seg, 'segment', data, '--model', 'serial.seg', '--assignments',
                            'serial.csv', '--quiet'] + opts,
                           capture_output=True, text=True, timeout=300)
        if not check(s.returncode == 0, 'seg segment (%s): %s' % (label, s.stderr)):
            continue
        want, want_info = read('serial.seg'), info('serial.seg')
        check(want_info.get('columns') and 'error' not in want_info,
              label + ': the serial model lists its columns')
        if data == 'id.npy':
            check(b'x1' in want and b'looks like' in want,
                  label + ': the serial model leaves the identifiers out')
        for ranks in (1, 2, 3, 4):
            what = '%s, %d rank(s)' % (label, ranks)
            if os.path.exists('m.seg'):
                os.remove('m.seg')
            r = run_mpi(ranks, [data, '--model', 'm.seg', '--assignments', 'a.csv',
                                '--quiet'] + opts)
            if not check(r.returncode == 0, what + ': ran: ' + r.stderr.strip()):
                continue
            check(read('a.csv') == read('serial.csv'), what + ': the serial assignments')
            got_info = info('m.seg')
            check(got_info == want_info, what + ': seg info is the serial one: %s' % (
                '' if got_info == want_info else
                [k for k in set(got_info) | set(want_info)
                 if got_info.get(k) != want_info.get(k)]))
            check(blank_timings(read('m.seg')) == blank_timings(want),
                  what + ': the file is the serial one but for the timings and checksum')

    # --model without --assignments: the model's outlier reference reads
    # predict's distances, which seg-mpi computes only when an output reads
    # them; the model is still seg segment's
    s = subprocess.run([seg, 'segment', 'x4.npy', '--model', 'serial.seg', '--quiet', '--k', '4',
                        '--dtype', 'f32', '--scale', 'none'],
                       capture_output=True, text=True, timeout=300)
    if check(s.returncode == 0, 'seg segment --model alone: %s' % s.stderr):
        for ranks in (1, 2):
            what = '--model alone, %d rank(s)' % ranks
            r = run_mpi(ranks, ['x4.npy', '--model', 'm.seg', '--quiet', '--k', '4', '--dtype',
                                'f32', '--scale', 'none'])
            if check(r.returncode == 0, what + ': ran: ' + r.stderr.strip()):
                check(blank_timings(read('m.seg')) == blank_timings(read('serial.seg')),
                      what + ': the file is the serial one but for the timings and checksum')

    # every column an identifier: refused, one message, nothing written
    save_npy('ids.npy', [[float(i), 2.0 * i] for i in range(5000)], 'f8')
    r = run_mpi(2, ['ids.npy', '--k', '2', '-o', 'n.seg'])
    check(r.returncode == 1 and r.stderr.count('identifier') == 1 and
          not os.path.exists('n.seg'),
          'all identifiers: exit 1, one message: %d %s' % (r.returncode, r.stderr))

    # whole numbers 0..n-1 shuffled: seg segment leaves them out only if they
    # are row numbers in another order, which the ranks cannot tell: refused
    perm = list(range(5000))
    random.Random(4).shuffle(perm)
    save_npy('perm.npy', [[float(p), r[0]] for p, r in zip(perm, rows)], 'f8')
    r = run_mpi(2, ['perm.npy', '--k', '2', '-o', 'n.seg'])
    check(r.returncode == 1 and r.stderr.count("column 'x0'") == 1 and
          not os.path.exists('n.seg'),
          'row numbers out of order: exit 1, one message: %d %s' % (r.returncode, r.stderr))

sys.exit(check.summary())
