#!/usr/bin/env python3
"""seg-mpi segment FILE.csv takes seg segment's CSV options and gives its result.

The options: --delimiter, --missing, --categorical, --numeric, --keep,
--columns, --drop-first, --impute-mode and --log1p. A CSV of customers (an
increasing id to --keep, a numeric-looking zip code to force --categorical,
a spend with refunds to --log1p, "NA" and "unknown" as missing tokens, a
channel whose two most common levels tie, so --impute-mode must break the
tie as seg segment does, in byte order, not in the order the ranks see the
levels, and a long quoted remark holding delimiters and line ends) is padded
so that every rank cut of 2, 3 and 4 ranks falls inside a quoted field
before one of its line ends, and written with ',', ';' and tab delimiters.
For 1 to 4 ranks, with the options in three mixes, against seg segment with
the same options:

- the assignments byte for byte, the model file byte for byte but for the
  two HEAD timings and the checksum over them, `seg info --json` of both
  models equal, the --report HTML byte for byte, the --json figures (rows,
  features, inertia, iterations, sizes) equal;
- `seg predict` with seg-mpi's model on the raw CSV writes the run's
  assignments;
- bad uses of the options (unknown columns, a text column forced numeric,
  --log1p on a categorical column, --columns with --drop of the same
  column, every column an identifier, an id column kept by --keep, bad
  --delimiter): seg segment's exit status and messages, said once;
- with a .npy, each option is a usage error (exit 2) naming it.

usage: seg_mpi_csv_read_test.py MPIRUN SEG SEG_MPI
"""
import json
import os
import random
import subprocess
import sys
import tempfile

from mpitest import (seg, read, Tally, run_mpi, save_npy, write_cuts_in_quotes,  # noqa: E402
                     model_without_timings)

check = Tally()
N = 4400
HEAD = ['cust_id', 'age', 'zip', 'spend', 'city', 'channel', 'remark']


def rows(n, delim, eol, rng):
    """The customers' rows (cells joined by delim), in 3 groups."""
    zips = ['01001', '02002', '30303', '40404', '05005']
    cities = ['Lyon', 'Paris', 'Nice', 'Lille']
    # long, their line ends late: most bytes of the file lie in a quoted
    # field before a line end, so some padding puts every cut there
    long = ' about the card%s the loan%s the account and the savings plan' % (delim, delim)
    remarks = ['called%s%s%s no answer%s then mail' % (delim, long, eol, eol),
               'vip%s "gold" tier%s%s renew' % (delim, long, eol),
               'moved%s new address%s%s%s pending' % (delim, delim, long, eol),
               'none%s%s%s' % (long, eol, delim)]
    # channel: web and shop tie as the most common level, mail fewer; the
    # first rows favour web, so the first ranks see web as the mode
    present = [i for i in range(n) if i % 11 != 4]
    m = len(present) // 5 * 5
    levels = ['web'] * (2 * m // 5) + ['shop'] * (2 * m // 5) + ['mail'] * (len(present) - 4 * m // 5)
    levels.sort(key=lambda v: (v != 'web', rng.random()))
    channel = dict(zip(present, levels))
    out = []
    for i in range(n):
        g = i % 3
        age = 'NA' if i % 29 == 3 else '' if i % 31 == 7 else str(int(rng.gauss(28 + 15 * g, 4)))
        spend = rng.lognormvariate(3 + 1.5 * g, 0.6) * (-1 if i % 19 == 0 else 1)
        city = 'unknown' if i % 23 == 5 else cities[(g + rng.randrange(2)) % 4]
        remark = remarks[(g + rng.randrange(2)) % 4].replace('"', '""')
        cells = [str(5000 + 3 * i), age, zips[(2 * g + rng.randrange(2)) % 5], '%.2f' % spend,
                 city, channel.get(i, ''), '"%s"' % remark]
        out.append(delim.join(cells))
    return out


def make(path, delim, eol='\n'):
    body = rows(N, delim, eol, random.Random(11))
    # the first row's remark is padded (a level of its own): a line end
    # follows the padding inside the quotes
    body[0] = body[0][:body[0].index('"')] + '"first%s padded%s remark"' % (delim, eol)
    return write_cuts_in_quotes(path, delim.join(HEAD) + eol, body, eol, 'first')


def run(cmd, cwd=None):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=cwd)


def said(stderr, prog):
    """The lines a program says itself (not mpirun's), named as seg."""
    out = []
    for ln in stderr.splitlines():
        if ln.startswith(prog + ':') or ln.startswith("Try '%s " % prog):
            out.append(ln.replace(prog, 'seg', 1))
    return out


def same_run(data, opts, label):
    base = ['--k', '3', '--seed', '1', '--json', '--model', 'x.seg',
            '--assignments', 'a.csv', '--report', 'r.html']
    os.makedirs('serial', exist_ok=True)
    s = run([seg, 'segment', '../' + data] + base + opts, cwd='serial')
    if not check(s.returncode == 0, '%s: seg segment: %s' % (label, s.stderr)):
        return
    want = json.loads(s.stdout)
    s_info = run([seg, 'info', '--json', 'x.seg'], cwd='serial').stdout
    delim = ['--delimiter', opts[opts.index('--delimiter') + 1]] if '--delimiter' in opts else []
    ps = run([seg, 'predict', 'x.seg', '../' + data, '-o', 'p.csv'] + delim, cwd='serial')
    for R in (1, 2, 3, 4):
        what = '%s, %d rank(s)' % (label, R)
        os.makedirs('mpi', exist_ok=True)
        for f in ('x.seg', 'a.csv', 'r.html', 'p.csv'):
            if os.path.exists(os.path.join('mpi', f)):
                os.remove(os.path.join('mpi', f))
        os.chdir('mpi')
        p = run_mpi(R, ['../' + data] + base + opts)
        os.chdir('..')
        if not check(p.returncode == 0, '%s: exit %d: %s' % (what, p.returncode, p.stderr)):
            continue
        got = json.loads(p.stdout)
        for key, a, b in [('rows', got.get('n'), want.get('n')),
                          ('features', got.get('d'), want.get('d')),
                          ('inertia', got.get('inertia'), want.get('inertia')),
                          ('iterations', got.get('iterations'), want.get('iterations')),
                          ('sizes', [g['size'] for g in got.get('segments', [])],
                           [g['size'] for g in want['segments']])]:
            check(a is not None and a == b, '%s: --json %s %r, serial %r' % (what, key, a, b))
        check(read('mpi/a.csv') == read('serial/a.csv'), what + ': the serial assignments')
        check(model_without_timings(read('mpi/x.seg')) ==
              model_without_timings(read('serial/x.seg')),
              what + ': the serial model but for the timings')
        check(run([seg, 'info', '--json', 'x.seg'], cwd='mpi').stdout == s_info,
              what + ': seg info --json the serial one')
        check(read('mpi/r.html') == read('serial/r.html'), what + ': the serial report')
        # seg predict with either model: the same answer (the run's, when
        # seg segment's model predicts the run)
        pr = run([seg, 'predict', 'x.seg', '../' + data, '-o', 'p.csv'] + delim, cwd='mpi')
        check(pr.returncode == ps.returncode and pr.stderr == ps.stderr,
              what + ': seg predict as with the serial model: ' + pr.stderr.strip())
        if ps.returncode == 0 and read('serial/p.csv') == read('serial/a.csv'):
            check(pr.returncode == 0 and read('mpi/p.csv') == read('mpi/a.csv'),
                  what + ': seg predict with the model writes the run')


def same_failure(data, opts, label, ranks=(1, 3)):
    s = run([seg, 'segment', data, '--k', '3', '--quiet', '--model', 's_bad.seg'] + opts)
    check(s.returncode != 0, '%s: seg segment refuses it' % label)
    for R in ranks:
        p = run_mpi(R, [data, '--k', '3', '--quiet', '--model', 'm_bad.seg'] + opts)
        check(p.returncode == s.returncode,
              '%s, %d ranks: exit %d, serial %d: %s' % (label, R, p.returncode, s.returncode,
                                                        p.stderr))
        check(said(p.stderr, 'seg-mpi') == said(s.stderr, 'seg'),
              '%s, %d ranks: said %r, serial %r' % (label, R, said(p.stderr, 'seg-mpi'),
                                                   said(s.stderr, 'seg')))
        check(not os.path.exists('m_bad.seg'), '%s, %d ranks: a model was written' % (label, R))


with tempfile.TemporaryDirectory() as tmp:
    os.chdir(tmp)
    text = make('comma.csv', ',')
    check(text.count('\n') > N + 2 * N // 4, 'the remarks hold line ends')
    make('semi.csv', ';')
    make('tab.csv', '\t')

    same_run('comma.csv', ['--keep', 'cust_id', '--categorical', 'zip', '--log1p', 'spend',
                           '--missing', 'NA,unknown', '--impute-mode', '--drop-first'],
             'comma: --keep --categorical --log1p --missing --impute-mode --drop-first')
    same_run('semi.csv', ['--delimiter', ';', '--columns', 'age,zip,spend,city,channel',
                          '--categorical', 'zip', '--missing', 'NA,unknown', '--log1p',
                          'spend,age', '--impute-mode'],
             'semicolon: --delimiter ; --columns --log1p 2 columns')
    same_run('tab.csv', ['--delimiter', 'tab', '--drop', 'remark', '--numeric', 'age',
                         '--missing', 'NA', '--impute-mode', '--scale', 'minmax', '--dtype',
                         'f32', '--columns', 'cust_id,age,spend,city,channel', '--keep',
                         'cust_id'],
             'tab: --delimiter tab --drop --columns --numeric --keep, minmax f32')

    for opts, label in [
            (['--keep', 'nosuch'], '--keep of no column'),
            (['--columns', 'age,nosuch'], '--columns of no column'),
            (['--columns', 'age,spend', '--drop', 'age'], '--columns and --drop of one column'),
            (['--categorical', 'nosuch'], '--categorical of no column'),
            (['--numeric', 'city'], '--numeric on a text column'),
            (['--log1p', 'city'], '--log1p on a categorical column'),
            (['--log1p', 'nosuch'], '--log1p of no column'),
            (['--columns', 'cust_id'], 'every column an identifier'),
            (['--categorical', 'cust_id', '--keep', 'cust_id'],
             '--keep of a column of a different text in each row'),
            (['--delimiter', 'ab'], '--delimiter of two characters'),
            (['--missing'], '--missing without a value')]:
        same_failure('comma.csv', opts, label)

    save_npy('x.npy', [[float(i % 7), float(i % 5) * 2.5] for i in range(60)], 'f8')
    for opt in (['--delimiter', ';'], ['--missing', 'NA'], ['--categorical', 'x0'],
                ['--numeric', 'x0'], ['--keep', 'x0'], ['--columns', 'x0'], ['--drop-first'],
                ['--impute-mode'], ['--log1p', 'x0']):
        p = run_mpi(2, ['x.npy', '--k', '2'] + opt)
        check(p.returncode == 2 and ('%s goes with CSV input' % opt[0]) in p.stderr and
              "Try 'seg-mpi segment --help'" in p.stderr,
              '.npy with %s: exit %d: %s' % (opt[0], p.returncode, p.stderr))

sys.exit(check.summary())
