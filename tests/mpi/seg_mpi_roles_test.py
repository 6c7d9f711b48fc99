#!/usr/bin/env python3
"""seg-mpi segment FILE.csv with the columns' roles of seg segment: --id,
--describe, --weight (issue 18, item 5).

A customers CSV (mpitest.write_customers_csv) with an id column holding
empty and repeated ids, described columns (a numeric one and a categorical
one, both with gaps) and a weight column; for 1, 2, 3 and 4 ranks against
the serial seg segment with the same options:

- --id --describe with --model, --report and --assignments: the
  assignments (ids, in row order), the report and the model byte for byte
  (HEAD but for the two timings and the checksum over them), `seg info
  --json` of both models equal but for the timings; the JSON summary's
  columns and described columns, and its sizes;
- the same with --pseudonymize-key (the ids as keyed pseudonyms), and with
  --columns naming the id and a described column (seg segment's --columns
  leaves a column in a role in that role; seg-mpi's aside columns stay);
- --weight with --k: the assignments byte for byte, the JSON summary's
  inertia and sizes seg segment's (the fit weighs the rows);
- --features (.npy and .csv) for a CSV with roles, a CSV with --dtype f32
  --scale robust, a .npy whose first column is left out as row numbers,
  and a .npy without --k (the sweep moves the rows): seg segment's file
  byte for byte; an unwritable --features leaves no output (seg segment's exit status);
- errors: an --id, --describe or --weight column that does not exist, a
  categorical or non-positive weight column, a column described twice or
  in two roles: exit 1 and seg segment's message (once, every rank agreed),
  no output; --id, --describe or --weight with a .npy: exit 2 (--weight
  without --k, with --model and --report: seg_mpi_weight_test.py).

Before, seg-mpi had none of these options (exit 2).

usage: seg_mpi_roles_test.py MPIRUN SEG SEG_MPI
"""
import json
import os
import random
import subprocess
import sys
import tempfile

from mpitest import (seg, run_mpi, read, save_npy, Tally, write_customers_csv,  # noqa: E402
                     model_without_timings, sections)

check = Tally()
RANKS = (1, 2, 3, 4)


def run_seg(args):
    return subprocess.run([seg, 'segment'] + args, capture_output=True, text=True, timeout=300)


def with_roles(src, dst, rng):
    """src's rows, the customer ids with gaps and repeats, and three more
    columns: contact (levels, gaps), spend (numbers, gaps), w (weights)."""
    with open(src) as f:
        lines = f.read().splitlines()
    out = [lines[0] + ',contact,spend,w']
    for i, line in enumerate(lines[1:]):
        fields = line.split(',')
        if i % 97 == 11:
            fields[0] = ''                      # no id
        elif i % 89 == 4:
            fields[0] = lines[1].split(',')[0]  # the first row's id again
        contact = '' if i % 31 == 2 else rng.choice(['cellular', 'telephone', 'unknown'])
        spend = '' if i % 43 == 9 else '%.2f' % rng.gauss(100 + 30 * (i % 4), 20)
        w = '%.3f' % rng.uniform(0.5, 3.0)
        out.append(','.join(fields + [contact, spend, w]))
    with open(dst, 'w') as f:
        f.write('\n'.join(out) + '\n')


def info_json(path):
    p = subprocess.run([seg, 'info', path, '--json'], capture_output=True, text=True,
                       timeout=120)
    if p.returncode != 0:
        return None
    j = json.loads(p.stdout)
    j.pop('model', None)  # the file's name
    return j


def clean(*names):
    for f in names:
        if os.path.exists(f):
            os.remove(f)


with tempfile.TemporaryDirectory() as tmp:
    os.chdir(tmp)
    write_customers_csv('base.csv', 9000, random.Random(5))
    with_roles('base.csv', 'bank.csv', random.Random(6))
    with open('key', 'w') as f:
        f.write('0123456789abcdef-secret\n')

    # --id and --describe, every output
    # (--columns naming the id and a described column, which keep their
    # roles, in an order of its own: the columns kept aside stay)
    for extra in ([], ['--pseudonymize-key', 'key'], ['--dtype', 'f32', '--scale', 'minmax'],
                  ['--columns', 'balance,spend,job,customer,age']):
        opts = ['--k', '4', '--seed', '2', '--id', 'customer', '--describe', 'spend,contact,note',
                '--drop', 'w'] + extra
        label = ' '.join(extra) or 'defaults'
        clean('s.seg', 's.csv', 's.html')
        s = run_seg(['bank.csv', '--model', 's.seg', '--assignments', 's.csv',
                     '--report', 's.html', '--quiet'] + opts)
        if not check(s.returncode == 0, 'seg segment (%s): %s' % (label, s.stderr)):
            continue
        sj = run_seg(['bank.csv', '--json', '--quiet'] + opts)
        want = json.loads(sj.stdout)
        lines = read('s.csv').splitlines()
        check(lines[1].split(b',')[0] != b'1' and any(ln.startswith(b',') for ln in lines),
              label + ': the serial assignments hold the ids, and empty ones')
        check(b'described' in read('s.html') and b'spend' in read('s.html'),
              label + ': the serial report shows the described columns')
        for R in RANKS:
            what = '%s, %d rank(s)' % (label, R)
            clean('m.seg', 'm.csv', 'm.html')
            r = run_mpi(R, ['bank.csv', '--model', 'm.seg', '--assignments', 'm.csv',
                            '--report', 'm.html', '--quiet'] + opts)
            if not check(r.returncode == 0, what + ': ran: ' + r.stderr.strip()):
                continue
            check(read('m.csv') == read('s.csv'), what + ': the serial assignments')
            check(read('m.html') == read('s.html'), what + ': the serial report')
            ms, ss = dict(sections(read('m.seg'))), dict(sections(read('s.seg')))
            for tag in sorted(set(ms) | set(ss)):
                if tag not in ('HEAD', 'END '):
                    check(ms.get(tag) == ss.get(tag), what + ': model section %s' % tag)
            check(model_without_timings(read('m.seg')) == model_without_timings(read('s.seg')),
                  what + ': the serial model but for the timings')
            check(info_json('m.seg') == info_json('s.seg') is not None,
                  what + ': seg info --json alike')
            j = run_mpi(R, ['bank.csv', '--json'] + opts)
            got = json.loads(j.stdout) if j.returncode == 0 else {}
            for key, a, b in (('columns', got.get('columns'), want.get('columns')),
                              ('described', got.get('described'), want.get('described')),
                              ('sizes', [sg['size'] for sg in got.get('segments', [])],
                               [sg['size'] for sg in want.get('segments', [])])):
                check(a is not None and a == b, '%s: JSON %s %r, serial %r' % (what, key, a, b))

    # --weight: the fit weighs the rows
    opts = ['--k', '4', '--seed', '3', '--id', 'customer', '--weight', 'w', '--describe',
            'spend,contact']
    s = run_seg(['bank.csv', '--assignments', 's.csv', '--json', '--quiet'] + opts)
    if check(s.returncode == 0, 'seg segment --weight: ' + s.stderr):
        want = json.loads(s.stdout)
        u = run_seg(['bank.csv', '--json', '--quiet'] + [o for o in opts if o not in
                                                         ('--weight', 'w')])
        check(json.loads(u.stdout)['inertia'] != want['inertia'],
              '--weight: the weights change the serial fit')
        for R in RANKS:
            clean('m.csv')
            r = run_mpi(R, ['bank.csv', '--assignments', 'm.csv', '--json'] + opts)
            if not check(r.returncode == 0, '--weight, %d rank(s): %s' % (R, r.stderr)):
                continue
            got = json.loads(r.stdout)
            check(read('m.csv') == read('s.csv'), '--weight, %d rank(s): the assignments' % R)
            check(got['inertia'] == want['inertia'] and
                  [sg['size'] for sg in got['segments']] == [sg['size'] for sg in want['segments']],
                  '--weight, %d rank(s): inertia %r, serial %r, and the sizes' %
                  (R, got['inertia'], want['inertia']))

    # --features: the encoded, scaled matrix, .npy or CSV, in row order
    save_npy('x.npy', [[float(i), (i % 4) * 3.0 + random.Random(i).gauss(0, 1), i % 7 * 0.5]
                       for i in range(5000)], 'f8')
    for data, extra in (('bank.csv', ['--k', '4', '--id', 'customer', '--describe', 'spend',
                                      '--drop', 'w']),
                        ('bank.csv', ['--k', '3', '--dtype', 'f32', '--scale', 'robust']),
                        ('x.npy', ['--k', '3']),
                        ('x.npy', ['--dtype', 'f32', '--k-max', '4',
                                   '--stability-resamples', '0'])):
        for ext in ('npy', 'csv'):
            label = '--features .%s, %s %s' % (ext, data, ' '.join(extra))
            clean('s.' + ext)
            s = run_seg([data, '--features', 's.' + ext, '--quiet'] + extra)
            if not check(s.returncode == 0 and os.path.getsize('s.' + ext) > 1000,
                         label + ': seg segment: ' + s.stderr):
                continue
            for R in RANKS:
                clean('m.' + ext)
                r = run_mpi(R, [data, '--features', 'm.' + ext, '--quiet'] + extra)
                check(r.returncode == 0 and read('m.' + ext) == read('s.' + ext),
                      '%s, %d rank(s): the serial file: %s' % (label, R, r.stderr.strip()))
    # all or nothing: an unwritable --features leaves no assignments, with
    # seg segment's exit status (2: checked before anything is written)
    clean('m.csv')
    s = run_seg(['bank.csv', '--k', '3', '--assignments', 'm.csv', '--features', 'nodir/f.npy'])
    check(s.returncode == 2 and not os.path.exists('m.csv'), 'seg segment: nodir/f.npy')
    for R in (1, 3):
        clean('m.csv')
        r = run_mpi(R, ['bank.csv', '--k', '3', '--assignments', 'm.csv', '--features',
                        'nodir/f.npy', '--quiet'])
        check(r.returncode == s.returncode and not os.path.exists('m.csv') and
              r.stderr.count('seg-mpi:') == 1 and 'nodir' in r.stderr,
              '--features nodir/f.npy, %d rank(s): exit %d, no output: %s' %
              (R, r.returncode, r.stderr.strip()))

    # failures: seg segment's message, once, exit 1, no output
    with open('bad.csv', 'w') as f:
        with open('bank.csv') as g:
            rows = g.read().splitlines()
        rows[7000] = ','.join(rows[7000].split(',')[:-1] + ['0'])  # a weight of 0
        f.write('\n'.join(rows) + '\n')
    for data, extra in (('bank.csv', ['--id', 'nosuch']),
                        ('bank.csv', ['--describe', 'spend,nosuch']),
                        ('bank.csv', ['--describe', 'spend,spend']),
                        ('bank.csv', ['--id', 'customer', '--describe', 'customer']),
                        ('bank.csv', ['--describe', 'spend', '--drop', 'spend']),
                        ('bank.csv', ['--weight', 'nosuch']),
                        ('bank.csv', ['--weight', 'job']),
                        ('bad.csv', ['--weight', 'w']),
                        ('bank.csv', ['--id', 'customer', '--describe',
                                      'age,job,balance,housing,note,score,contact,spend,w'])):
        args = [data, '--k', '3', '--assignments', 'no.csv'] + extra
        s = run_seg(args)
        want = s.stderr.strip().splitlines()[-1] if s.stderr.strip() else ''
        want = want.split(': ')[-1]
        for R in (1, 3):
            what = '%s, %d rank(s)' % (' '.join(extra), R)
            r = run_mpi(R, args)
            lines = [ln for ln in r.stderr.splitlines() if ln.startswith('seg-mpi:')]
            check(s.returncode == 1 and r.returncode == 1, '%s: exit %d, serial %d' %
                  (what, r.returncode, s.returncode))
            check(len(lines) == 1 and lines[0].endswith(want),
                  '%s: %r, serial %r' % (what, lines, want))
            check(not os.path.exists('no.csv'), what + ': no output')
    # (--weight without --k, with --model or --report: seg_mpi_weight_test.py)
    for args in (['x.npy', '--k', '2', '--id', 'x0'], ['x.npy', '--k', '2', '--describe', 'x1'],
                 ['x.npy', '--k', '2', '--weight', 'x1']):
        for R in (1, 2):
            r = run_mpi(R, args)
            check(r.returncode == 2 and r.stderr.count('seg-mpi') >= 1 and
                  not os.path.exists('no.seg'),
                  '%s, %d rank(s): exit %d (usage): %s' % (' '.join(args), R, r.returncode,
                                                           r.stderr.strip()))

sys.exit(check.summary())
