#!/usr/bin/env python3
"""seg-mpi segment FILE.csv under mpirun with 1 to 4 ranks against seg segment FILE.csv.

A bank-like CSV (numbers, levels, a yes/no column, a quoted note holding
commas and line ends, a column that only the last rows make categorical) is
padded so that every cut size * r / R of R = 2, 3 and 4 falls inside a
quoted field before one of its line ends (checked here). With seg segment's
defaults for a CSV, seg-mpi must give its assignments byte for byte and the
same inertia, iterations and sizes, with LF and with CRLF line ends, and
with missing numbers (imputed with the median before or after the scaling
statistics, each scaling). A bad row in the last share stops every rank
with one message and no output file.

    seg_mpi_csv_cli_test.py MPIRUN SEG SEG_MPI
"""
import json
import os
import random
import subprocess
import sys
import tempfile

from mpitest import seg, read, Tally, run_mpi, write_cuts_in_quotes  # noqa: E402

check = Tally()


def run_seg(args):
    return subprocess.run([seg, 'segment'] + args, capture_output=True, text=True, timeout=300)


def rows_text(n, eol, seed=5):
    r = random.Random(seed)
    jobs = ['admin.', 'blue-collar', 'technician', 'services', 'management', 'retired']
    out = []
    for i in range(n):
        # quoted, with commas and line ends, long: most bytes of the file lie
        # in a quoted field before a line end, so some padding puts all cuts there
        note = '"called, %s, about the loan, the card and the account,%sno answer,%s then %s"' % (
            r.choice(['morning', 'evening', 'noon']), eol, eol, r.choice(['mail', 'sms']))
        # "code": mostly missing; numbers early, as many texts in the last rows
        code = ''
        if i in (10, 20, 30):
            code = '7'
        if i in (n - 3, n - 5, n - 7):
            code = 'vip'
        out.append('%d,%d,%s,%.2f,%s,%s,%d,%s' % (
            i + 1, r.randint(18, 90), r.choice(jobs), r.gauss(1500, 900), note,
            r.choice(['yes', 'no']), r.randint(1, 31), code))
    return out


def make_csv(path, n, eol, final=True):
    """Pad the first note until every cut of 2, 3 and 4 ranks falls in a
    quoted field before a line end; the file's text."""
    # "rowno" (1, 2, ...): seg segment leaves it out as row numbers, and so
    # must seg-mpi, deciding over all ranks
    head = 'rowno,age,job,balance,note,housing,day,code' + eol
    return write_cuts_in_quotes(path, head, rows_text(n, eol), eol, 'called, ', final)


def same_as_serial(csv, ranks, extra, tag):
    s = run_seg([csv, '--k', '5', '--seed', '2', '--assignments', 's.csv', '--json'] + extra)
    check(s.returncode == 0, '%s: seg segment failed: %s' % (tag, s.stderr))
    want = json.loads(s.stdout)
    with open('s.csv', 'rb') as f:
        serial = f.read()
    for R in ranks:
        p = run_mpi(R, [csv, '--k', '5', '--seed', '2', '--assignments', 'm.csv', '--json'] +
                    extra)
        check(p.returncode == 0, '%s, %d ranks: exit %d: %s' % (tag, R, p.returncode, p.stderr))
        if p.returncode:
            continue
        got = json.loads(p.stdout)
        with open('m.csv', 'rb') as f:
            check(f.read() == serial, '%s, %d ranks: assignments differ' % (tag, R))
        figures = [('inertia', got.get('inertia'), want.get('inertia')),
                   ('iterations', got.get('iterations'), want.get('iterations')),
                   ('rows', got.get('n'), want.get('n')),
                   ('features', got.get('d'), want.get('d')),
                   ('left out', 'rowno' in p.stderr, 'rowno' in s.stderr),
                   ('sizes', [sg['size'] for sg in got.get('segments', [])],
                    [sg['size'] for sg in want['segments']])]
        for key, a, b in figures:
            check(a is not None and a == b, '%s, %d ranks: %s %r, serial %r' % (tag, R, key, a, b))
        os.unlink('m.csv')


def same_failure(csv, ranks, tag, extra=()):
    s = run_seg([csv, '--k', '5', '--assignments', 's_bad.csv'] + list(extra))
    for R in ranks:
        p = run_mpi(R, [csv, '--k', '5', '--assignments', 'm_bad.csv'] + list(extra))
        check(p.returncode == 1, '%s, %d ranks: exit %d, not 1' % (tag, R, p.returncode))
        check(not os.path.exists('m_bad.csv'), '%s, %d ranks: an output was written' % (tag, R))
        lines = [ln for ln in p.stderr.splitlines() if ln.startswith('seg-mpi:')]
        check(len(lines) == 1, '%s, %d ranks: %d messages: %s' % (tag, R, len(lines), p.stderr))
        if s.returncode == 1 and lines:
            # FILE:LINE:FIELD: what, as the serial message gives it
            want = s.stderr.strip().splitlines()[-1]
            want = want[want.index(csv + ':'):]
            check(lines[0].endswith(': ' + want),
                  '%s, %d ranks: %r, serial %r' % (tag, R, lines[0], want))
    return s


with tempfile.TemporaryDirectory() as tmp:
    os.chdir(tmp)
    n = 20000
    text = make_csv('bank.csv', n, '\n')
    # the texts that make "code" categorical are in the last share of 4 ranks
    check(text.rindex(',vip') > len(text) * 3 // 4 and text.index(',vip') > len(text) * 3 // 4,
          'the code column\'s texts are not all in the last share')
    same_as_serial('bank.csv', (1, 2, 3, 4), [], 'LF')
    same_as_serial('bank.csv', (2, 3), ['--scale', 'minmax', '--dtype', 'f32'], 'minmax f32')
    make_csv('crlf.csv', n, '\r\n', final=False)
    same_as_serial('crlf.csv', (1, 4), [], 'CRLF, no final line end')

    # A ragged row in the last share (row n - 3 loses its last field): the
    # serial message, exit 1, no output.
    end = text.rindex(',vip\n')
    with open('bad.csv', 'w', newline='') as f:
        f.write(text[:end] + '\n' + text[end + 5:])
    check(end > len(text) * 3 // 4, 'the ragged row is not in the last share')
    s = same_failure('bad.csv', (1, 3, 4), 'ragged row')
    check(s.returncode == 1, 'seg segment took the ragged row')

    # Missing numbers: seg segment imputes each numeric column's median,
    # before the scaling statistics (impute-first, the default) or after
    # (scale-first); seg-mpi agrees the median exactly over the ranks and
    # sums the imputed values where the serial scaler does (after the
    # present ones). "a" misses values in every share, "b" in every row of
    # the last quarter (one whole share of 4 ranks), "c" everywhere.
    r = random.Random(9)
    m = 4000
    with open('miss.csv', 'w') as f:
        f.write('a,b,c,g\n')
        for i in range(m):
            a = '' if r.random() < 0.15 else '%.6f' % r.gauss(50, 20)
            b = '' if i >= m * 3 // 4 or r.random() < 0.1 else '%.4f' % r.expovariate(0.01)
            f.write('%s,%s,,%s\n' % (a, b, r.choice(['x', 'y', 'z'])))
    for order in ('impute-first', 'scale-first'):
        for scale in ('standard', 'minmax', 'robust'):
            same_as_serial('miss.csv', (1, 2, 3, 4),
                           ['--scale', scale, '--impute-order', order],
                           'missing numbers, %s, %s' % (scale, order))
    p = run_mpi(2, ['miss.csv', '--k', '5', '--impute-order', 'later'])
    check(p.returncode == 2 and '--impute-order' in p.stderr,
          '--impute-order later: exit %d: %s' % (p.returncode, p.stderr))

    # Row numbers in another order: seg segment leaves the column out;
    # seg-mpi cannot tell without all values in one place and refuses.
    perm = list(range(1, n + 1))
    random.Random(1).shuffle(perm)
    with open('perm.csv', 'w') as f:
        f.write('p,a\n' + ''.join('%d,%d\n' % (v, (v * 7919) % 1000) for v in perm))
    check(run_seg(['perm.csv', '--k', '3']).returncode == 0, 'seg segment refused perm.csv')
    p = run_mpi(2, ['perm.csv', '--k', '3', '--assignments', 'm_perm.csv'])
    check(p.returncode == 1 and "column 'p'" in p.stderr and not os.path.exists('m_perm.csv'),
          'shuffled row numbers: exit %d: %s' % (p.returncode, p.stderr))

    # --model with a CSV: seg segment's model but for the HEAD timings and
    # the checksum (seg_mpi_csv_model_test.py checks it section by section).
    p = run_mpi(2, ['bank.csv', '--k', '5', '--model', 'm.seg', '--quiet'])
    s = run_seg(['bank.csv', '--k', '5', '--model', 's.seg', '--quiet'])
    ok = p.returncode == 0 and s.returncode == 0
    if ok:
        a, b = bytearray(read('m.seg')), bytearray(read('s.seg'))
        at = a.find(b'HEAD') + 12 + 48
        for buf in (a, b):
            buf[at:at + 16] = bytes(16)
            buf[-4:] = bytes(4)
        ok = a == b
    check(ok, '--model with a CSV: the serial model: %s%s' % (p.stderr, s.stderr))

    # More ranks than records: one clear message, no hang.
    with open('tiny.csv', 'w') as f:
        f.write('a,b\n1,2\n3,4\n')
    p = run_mpi(4, ['tiny.csv', '--k', '2'])
    check(p.returncode == 1 and p.stderr.count('seg-mpi:') == 1,
          'more ranks than records: exit %d: %s' % (p.returncode, p.stderr))

sys.exit(check.summary())
