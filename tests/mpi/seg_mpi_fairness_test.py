#!/usr/bin/env python3
"""seg-mpi segment FILE.csv --protected/--protected-bins/--opt-out gives seg
segment's fairness report.

A CSV with features (numbers, levels, gaps, an id-like column left out),
protected columns of each kind -- a categorical one (marital), a numeric one
cut at its quartiles over all rows (age), one of at most 10 distinct values
taken one group per value (kids), one binned by --protected-bins (income,
and age in another case) -- all with missing values but income, and an
opt-out column (yes/no/empty). For 1, 2, 3 and 4 ranks, each against serial
seg segment with the same options:

- --json: the "fairness" member byte for byte (groups, bins, counts,
  shares, ratios, TVD, balance, NMI, warnings, the opted-out count);
- the summary text: the opt-out line and the fairness tables, byte for byte
  (they end the summary of both);
- --model: the file byte for byte but for the HEAD timings and the
  checksum (the protected and opt-out columns are left out with seg
  segment's reasons, and are never features);
- --report: the HTML byte for byte (the fairness section, the left-out
  list).

Each rank reads only its rows' protected values: a rank that binned or
grouped its own rows, or counted only them, would differ (the quartile
cuts, the group order of marital, the counts; kids = 5 is in the last
rows only, so a rank's own distinct values are not all rows').

A fourth case mixes in the roles seg-mpi keeps aside too (--id,
--describe) and a --drop naming a protected column (satisfied, as in seg
segment). Two more run under a campaign plan (--target, with money, and
--min-segment-size hiding small cells): the report then holds each group's
selection rate under the plan's best step, the impact ratios, the adverse
impact ratio and Fisher's exact tests, and the opted-out customers are in
no plan count (the campaign's figures change with --opt-out).

Errors, with seg segment's exit status and message: a --protected column
that is not there, bins on a categorical column, bins not increasing, bins
of a column that is not protected, --protected-bins without --protected, a
column named twice, more than 100 groups, an opt-out column that is not
yes/no, a protected or opt-out column in another role (--describe, --id),
and --protected or --opt-out with a .npy (seg-mpi's own usage error, as
--drop's).

usage: seg_mpi_fairness_test.py MPIRUN SEG SEG_MPI
"""
import os
import random
import subprocess
import sys
import tempfile

from mpitest import seg, run_mpi, read, save_npy, Tally  # noqa: E402

check = Tally()


def write_fair_csv(path, n, rng):
    jobs = ['admin.', 'technician', 'services', 'management', 'retired', 'student']
    marital = ['married', 'single', 'divorced']
    with open(path, 'w') as f:
        f.write('customer,age,job,balance,housing,marital,kids,income,score,optout\n')
        for i in range(n):
            g = i % 4
            age = '' if i % 37 == 5 else str(int(rng.gauss(30 + 12 * g, 6)))
            job = '' if i % 53 == 7 else jobs[(g * 2 + rng.randrange(2)) % len(jobs)]
            bal = '' if i % 41 == 3 else '%.2f' % rng.gauss(500 * g, 150)
            housing = 'yes' if (g + rng.randrange(3)) % 2 else 'no'
            mar = '' if i % 29 == 2 else marital[(g + rng.randrange(2)) % 3]
            kids = '' if i % 31 == 9 else str(min(4, max(0, int(rng.gauss(g, 1)))))
            if i >= n - n // 10 and i % 7 == 0:  # a value only the last rows hold
                kids = '5'
            income = '%.1f' % rng.gauss(20000 + 8000 * g, 5000)
            score = '%.3f' % rng.gauss(g, 0.5)
            opt = rng.choice(['yes', 'no', 'no', 'no', ''])
            f.write('C%06d,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' % (
                100000 + 7 * i, age, job, bal, housing, mar, kids, income, score, opt))


def json_member(text, name):
    """The raw text of the JSON member "name": {...} (braces matched,
    strings skipped), or None."""
    at = text.find('"%s": {' % name)
    if at < 0:
        return None
    i, depth, in_str = text.index('{', at), 0, False
    while i < len(text):
        c = text[i]
        if in_str:
            if c == '\\':
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c == '{':
            depth += 1
        elif c == '}':
            depth -= 1
            if depth == 0:
                return text[at:i + 1]
        i += 1
    return None


def fairness_text(out):
    """The summary's tail from the opt-out line or the fairness heading."""
    at = [out.find(h) for h in ('\nopt-out (', '\nFairness on protected columns')]
    at = [a for a in at if a >= 0]
    return out[min(at):] if at else None


def blank_timings(data):
    """The model file with the two HEAD timings and the checksum zeroed."""
    b = bytearray(data)
    at = b.find(b'HEAD') + 12 + 48
    b[at:at + 16] = bytes(16)
    b[-4:] = bytes(4)
    return bytes(b) if at > 60 else b''


def first_difference(a, b):
    at = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
    return '%d against %d, first difference at %d: %r / %r' % (
        len(a), len(b), at, a[max(0, at - 60):at + 60], b[max(0, at - 60):at + 60])


def serial(args):
    return subprocess.run([seg, 'segment'] + args, capture_output=True, text=True, timeout=300)


def message(stderr, prog):
    """The program's lines of stderr (not mpirun's), its name replaced, for
    comparing seg's and seg-mpi's."""
    text = stderr.replace(prog + ':', 'PROG:').replace("'%s segment" % prog, "'PROG segment")
    return [line for line in text.splitlines()
            if line.startswith('PROG:') or line.startswith("Try 'PROG")]


with tempfile.TemporaryDirectory() as tmp:
    os.chdir(tmp)
    write_fair_csv('fair.csv', 6000, random.Random(3))
    cases = [
        ['--k', '4', '--seed', '2', '--protected', 'marital,age,kids,income',
         '--protected-bins', 'income=20000,30000', '--opt-out', 'optout'],
        ['--k', '3', '--seed', '1', '--dtype', 'f32', '--scale', 'minmax',
         '--protected', 'age,marital', '--protected-bins', 'age=30,40,50', '--drop', 'score'],
        ['--k', '5', '--seed', '4', '--opt-out', 'optout'],
        # with the other roles kept aside, and a --drop naming a protected
        # column (satisfied, as in seg segment)
        ['--k', '3', '--seed', '5', '--id', 'customer', '--describe', 'score',
         '--protected', 'kids,marital', '--opt-out', 'optout', '--drop', 'kids,housing'],
        # under a plan: the selection figures, the opt-out out of the plan
        ['--k', '4', '--seed', '2', '--target', 'housing', '--protected', 'marital,age',
         '--opt-out', 'optout', '--cost-per-contact', '2', '--revenue-per-conversion', '9'],
        ['--k', '5', '--seed', '3', '--target', 'housing', '--protected', 'kids,income',
         '--protected-bins', 'income=25000', '--min-segment-size', '40', '--opt-out', 'optout'],
    ]
    for opts in cases:
        label = ' '.join(opts)
        s_json = serial(['fair.csv', '--json', '--model', 'serial.seg', '--report',
                         'serial.html', '--quiet'] + opts)
        s_text = serial(['fair.csv'] + opts)
        if not check(s_json.returncode == 0 and s_text.returncode == 0,
                     'seg segment %s: %s' % (label, s_json.stderr + s_text.stderr)):
            continue
        want_json = json_member(s_json.stdout, 'fairness')
        want_text = fairness_text(s_text.stdout)
        check(want_json and want_text and 'customer' not in want_json,
              '%s: the serial run has a fairness report' % label)
        for ranks in (1, 2, 3, 4):
            what = '%s, %d rank(s)' % (label, ranks)
            for f in ('m.seg', 'r.html'):
                if os.path.exists(f):
                    os.remove(f)
            r = run_mpi(ranks, ['fair.csv', '--json', '--model', 'm.seg', '--report', 'r.html']
                        + opts)
            if not check(r.returncode == 0, what + ': ran: ' + r.stderr.strip()):
                continue
            got = json_member(r.stdout, 'fairness')
            check(got == want_json, what + ': JSON fairness member byte for byte: ' +
                  first_difference(got or '', want_json))
            if '--target' in opts:  # the plan's counts leave the opted-out out
                want_plan = json_member(s_json.stdout, 'plan')
                got = json_member(r.stdout, 'plan')
                check(want_plan and got == want_plan, what + ': JSON plan byte for byte: ' +
                      first_difference(got or '', want_plan or ''))
            check(blank_timings(read('m.seg')) == blank_timings(read('serial.seg')),
                  what + ': the model file but for the timings: ' +
                  first_difference(blank_timings(read('m.seg')),
                                   blank_timings(read('serial.seg'))))
            check(read('r.html') == read('serial.html'), what + ': the report byte for byte: ' +
                  first_difference(read('r.html'), read('serial.html')))
            t = run_mpi(ranks, ['fair.csv'] + opts)
            got = fairness_text(t.stdout) if t.returncode == 0 else None
            check(got == want_text, what + ': the summary text byte for byte: ' +
                  first_difference(got or '', want_text) + t.stderr)

    # Errors: seg segment's exit status and message, every rank agreed
    # (rank 0 prints one message).
    save_npy('x.npy', [[float(i % 7), float(i % 5)] for i in range(200)], 'f8')
    errors = [
        (['--protected', 'nosuch'], 1),
        (['--protected', 'marital', '--protected-bins', 'marital=1,2'], 2),
        (['--protected', 'age', '--protected-bins', 'age=50,30'], 2),
        (['--protected', 'age', '--protected-bins', 'income=1,2'], 2),
        (['--protected-bins', 'age=30'], 2),
        (['--protected', 'age,age'], 2),
        (['--protected', 'age', '--opt-out', 'age'], 2),
        (['--protected', 'customer'], 2),
        (['--opt-out', 'job'], 1),
        (['--protected', 'marital', '--describe', 'marital'], 2),
        (['--opt-out', 'optout', '--id', 'optout'], 2),
    ]
    for extra, status in errors:
        args = ['fair.csv', '--k', '3', '--quiet'] + extra
        s = serial(args)
        check(s.returncode == status, 'seg segment %s: exit %d, not %d: %s' % (
            ' '.join(extra), s.returncode, status, s.stderr))
        want = message(s.stderr, 'seg')
        for ranks in (1, 3):
            r = run_mpi(ranks, args)
            what = '%s, %d rank(s)' % (' '.join(extra), ranks)
            got = message(r.stderr, 'seg-mpi')
            check(r.returncode == status, what + ': exit %d, not %d: %s' % (
                r.returncode, status, r.stderr))
            check(r.stderr.count('seg-mpi:') == 1, what + ': one message: ' + r.stderr)
            if status == 2:  # usage: seg segment's message
                check(got == want, what + ': %r, not %r' % (got, want))
            else:  # seg segment's detail, after its stage and status
                detail = want[-1].split(': ', 3)[-1] if want else '?'
                check(got and detail in got[-1], what + ': %r lacks %r' % (got, detail))
    for opt in (['--protected', 'x0'], ['--opt-out', 'x1'],
                ['--protected', 'x0', '--protected-bins', 'x0=2']):
        r = run_mpi(2, ['x.npy', '--k', '2'] + opt)
        check(r.returncode == 2 and 'CSV input' in r.stderr and r.stderr.count('seg-mpi:') == 1,
              '.npy with %s: exit 2, CSV only: %d %s' % (' '.join(opt), r.returncode, r.stderr))


sys.exit(check.summary())
