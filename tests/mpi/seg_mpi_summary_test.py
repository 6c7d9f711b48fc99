#!/usr/bin/env python3
"""seg-mpi segment prints seg segment's summary, byte for byte (issue 18,
item 5: rank 0 writes the summary).

A CSV of customers (numbers and levels with gaps, an id-like column left
out, a yes/no outcome, a control flag, an opt-out flag, a protected
region, a described column) and a .npy (with an id-like column); for 1, 2,
3 and 4 ranks, seg-mpi's standard output is compared with seg segment's of
the same options byte for byte, after masking only the numbers of the
timing lines (the text's "fit N s", the JSON's fit_seconds and
init_seconds), for:

- the text summary and --json, with --k and without (the sweep's table,
  chosen k and runner-up);
- --id, --describe, --target with --control and the money options,
  --min-segment-size (withheld profiles), --protected with --opt-out;
- --dtype f32, --scale robust, --quiet (seg segment's -q still prints the
  summary; it only silences the notes on stderr);
- a .npy, and --assignments - (the summary moves to stderr, as seg
  segment's does; the assignments on stdout byte for byte).

Standard error is compared too for the CSV cases, where seg segment writes
its notes (the identifier left out; a .npy's note names seg segment's
--keep, which seg-mpi has not for a .npy), and --mpi-stats adds exactly one JSON line of
the run's MPI figures to stderr.

Errors: a missing file, a --target that is not yes/no, an unknown --k
value: the exit status and message are seg segment's, nothing on stdout,
for every rank count.

usage: seg_mpi_summary_test.py MPIRUN SEG SEG_MPI
"""
import json
import os
import random
import re
import subprocess
import sys
import tempfile

import mpitest
from mpitest import seg, run_mpi, save_npy, Tally  # noqa: E402

check = Tally()
# The JSON's "threads" is the library's threads of rank 0; mpirun binds a
# lone rank to one core, seg segment runs on all: unbound, both use all.
mpitest.env['OMPI_MCA_hwloc_base_binding_policy'] = 'none'
RANKS = (1, 2, 3, 4)


def mask(text):
    """text with the numbers of its timing lines replaced by '#', and the
    program's name in its messages (seg-mpi: on stderr) as seg's."""
    text = re.sub(r'^seg-mpi: ', 'seg: ', text, flags=re.M)
    text = re.sub(r'(, fit )[0-9.]+( s\n)', r'\1#\2', text)
    return re.sub(r'("(?:fit|init)_seconds": )[-+0-9.eE]+|("(?:fit|init)_seconds": )null',
                  lambda m: (m.group(1) or m.group(2)) + '#', text)


def write_csv(path, n, rng):
    """n customers in 4 groups, with the columns the roles name."""
    jobs = ['admin.', 'technician', 'services', 'management', 'retired', 'student']
    regions = ['north', 'south', 'east', 'west']
    with open(path, 'w') as f:
        f.write('customer,age,job,balance,housing,spend,region,subscribed,held,optout\n')
        for i in range(n):
            g = i % 4
            age = '' if i % 37 == 5 else str(int(rng.gauss(30 + 12 * g, 4)))
            job = '' if i % 53 == 7 else jobs[(g * 2 + rng.randrange(2)) % len(jobs)]
            bal = '' if i % 41 == 3 else '%.2f' % rng.gauss(500 * g, 150)
            housing = 'yes' if (g + rng.randrange(3)) % 2 else 'no'
            spend = '%.1f' % rng.gauss(100 + 20 * g, 30)
            region = regions[(g + rng.randrange(2)) % 4]
            sub = 'yes' if rng.random() < 0.1 + 0.15 * g else 'no'
            held = 'yes' if rng.random() < 0.2 else 'no'
            opt = 'yes' if rng.random() < 0.05 else 'no'
            f.write('C%06d,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' % (
                100000 + 7 * i, age, job, bal, housing, spend, region, sub, held, opt))


def serial(args):
    return subprocess.run([seg, 'segment'] + args, capture_output=True, text=True, timeout=300)


def compare(label, args, stderr_too=False):
    """seg segment ARGS against seg-mpi ARGS on every rank count."""
    s = serial(args)
    if not check(s.returncode == 0 and s.stdout, '%s: seg segment ran: %s' % (label, s.stderr)):
        return
    want = mask(s.stdout)
    for ranks in RANKS:
        what = '%s, %d rank(s)' % (label, ranks)
        r = run_mpi(ranks, args)
        if not check(r.returncode == 0, what + ': ran: ' + r.stderr.strip()):
            continue
        got = mask(r.stdout)
        if not check(got == want, what + ': stdout is seg segment\'s byte for byte'):
            import difflib
            print(''.join(list(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                                    'seg', 'seg-mpi'))[:40]))
        if stderr_too:
            check(mask(r.stderr) == mask(s.stderr),
                  what + ': stderr is seg segment\'s: %r vs %r' % (r.stderr[:300], s.stderr[:300]))


with tempfile.TemporaryDirectory() as tmp:
    os.chdir(tmp)
    rng = random.Random(18)
    write_csv('c.csv', 6000, rng)
    # the same customers with uneven weights (--weight: the weighted
    # profiles, medians and quality measures of the summary)
    with open('c.csv') as f, open('w.csv', 'w') as g:
        for i, line in enumerate(f):
            g.write(line.rstrip('\n') + (',w\n' if i == 0 else ',%g\n' % (0.25 + (i * 7919 % 13) / 4)))
    base = ['c.csv', '--seed', '3', '--drop', 'subscribed,held,optout,region']
    cases = [
        ('text, --k 4', base + ['--k', '4'], True),
        ('--json, --k 4', base + ['--k', '4', '--json'], True),
        ('text, the sweep', base + ['--k-max', '5', '--stability-resamples', '0'], False),
        ('--json, the sweep', base + ['--k-max', '5', '--json'], False),
        ('--quiet, --dtype f32 --scale robust', base + ['--k', '3', '-q', '--dtype', 'f32',
                                                         '--scale', 'robust'], True),
        ('--id, --describe', ['c.csv', '--k', '4', '--id', 'customer', '--describe', 'spend',
                              '--drop', 'subscribed,held,optout,region'], True),
        ('--json --id --describe', ['c.csv', '--k', '4', '--id', 'customer', '--describe',
                                    'spend', '--drop', 'subscribed,held,optout,region',
                                    '--json'], True),
        ('--target --control, money, --min-segment-size',
         ['c.csv', '--k', '5', '--drop', 'optout,region', '--target', 'subscribed', '--control',
          'held', '--cost-per-contact', '2', '--revenue-per-conversion', '30',
          '--min-segment-size', '1300'], True),
        ('--json --target', ['c.csv', '--k', '4', '--drop', 'optout,region,held', '--target',
                             'subscribed', '--json'], True),
        ('--protected --opt-out --target',
         ['c.csv', '--k', '4', '--drop', 'held', '--target', 'subscribed', '--protected',
          'region', '--opt-out', 'optout'], True),
        ('--json --protected', ['c.csv', '--k', '3', '--drop', 'held,subscribed,optout',
                                '--protected', 'region', '--json'], True),
        ('--weight, --k 4', ['w.csv', '--seed', '3', '--k', '4', '--weight', 'w', '--drop',
                             'subscribed,held,optout,region'], True),
        ('--json --weight, the sweep', ['w.csv', '--k-max', '4', '--weight', 'w', '--drop',
                                        'subscribed,held,optout,region', '--json'], True),
        ('--weight --target --describe', ['w.csv', '--k', '3', '--weight', 'w', '--drop',
                                          'held,optout,region', '--target', 'subscribed',
                                          '--describe', 'spend'], True),
    ]
    rows = [[rng.gauss(3 * (i % 3), 1), rng.gauss(-2 * (i % 3), 1.5), float(i)]
            for i in range(5000)]
    save_npy('x.npy', rows, 'f8')
    cases += [('.npy, --k 3', ['x.npy', '--k', '3'], False),
              ('.npy --json, the sweep', ['x.npy', '--k-max', '4', '--json'], False),
              ('.npy --dtype f32 --scale none', ['x.npy', '--k', '2', '--dtype', 'f32',
                                                 '--scale', 'none'], False)]
    only = sys.argv[4:]
    for label, args, err in cases:
        if not only or any(o in label for o in only):
            compare(label, args, err)

    # --assignments -: the assignments on stdout, the summary on stderr
    args = base + ['--k', '3', '--assignments', '-']
    s = serial(args)
    for ranks in RANKS:
        r = run_mpi(ranks, args)
        what = '--assignments -, %d rank(s)' % ranks
        check(r.returncode == 0 and s.returncode == 0 and r.stdout == s.stdout and r.stdout,
              what + ': stdout holds the assignments, byte for byte')
        check(mask(r.stderr) == mask(s.stderr) and 'inertia' in r.stderr,
              what + ': the summary on stderr, byte for byte')

    # --mpi-stats: one JSON line more on stderr, stdout unchanged
    args = base + ['--k', '3', '--json', '-q']
    s = serial(args)
    for ranks in (1, 3):
        r = run_mpi(ranks, args + ['--mpi-stats'])
        what = '--mpi-stats, %d rank(s)' % ranks
        lines = r.stderr.splitlines()
        st = json.loads(lines[-1]) if r.returncode == 0 and lines else {}
        check(len(lines) == 1 and st.get('ranks') == ranks and
              len(st.get('peak_rss_kib', [])) == ranks and
              len(st.get('fit_cpu_seconds', [])) == ranks and st.get('fit_seconds', -1) >= 0,
              what + ': one JSON line of the run on stderr: %r' % r.stderr[:300])
        check(mask(r.stdout) == mask(s.stdout), what + ': stdout is seg segment\'s')

    # errors: seg segment's status and message, nothing on stdout
    with open('bad.csv', 'w') as f:
        f.write('a,b,t\n' + ''.join('%d,%d,maybe\n' % (i, i * i % 7) for i in range(5000)))
    for label, args in (('a missing file', ['nosuch.csv', '--k', '2']),
                        ('a --target that is not yes/no', ['bad.csv', '--k', '2', '--target',
                                                           't']),
                        ('--k 0', ['c.csv', '--k', '0'])):
        s = serial(args)
        for ranks in RANKS:
            r = run_mpi(ranks, args)
            what = '%s, %d rank(s)' % (label, ranks)
            check(s.returncode != 0 and r.returncode == s.returncode and r.stdout == '',
                  what + ': exit %d (seg segment %d), stdout %r' % (r.returncode, s.returncode,
                                                                    r.stdout[:200]))
            first = s.stderr.splitlines()[0].split(': ', 1)[-1] if s.stderr else '?'
            check(first in r.stderr, what + ': seg segment\'s message %r in %r' %
                  (first, r.stderr[:300]))

sys.exit(check.summary())
