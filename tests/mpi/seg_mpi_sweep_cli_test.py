#!/usr/bin/env python3
"""seg-mpi segment FILE without --k (the k sweep) under mpirun with 1 to 4
ranks against seg segment FILE without --k.

For a .npy (f64, --dtype f32, k-means|| with two runs) and a CSV (numbers, a category, a missing
number), with seg segment's sweep options (--k-min/--k-max, a silhouette
sample smaller than the rows, --seed): the sweep's JSON members ("sweep",
"choice", "runner_up", "choice_warning") must equal seg segment's, the
table and choice lines of the text summary too, and the fit of the chosen k
must give seg segment's assignments byte for byte (the rows move to the
chosen k's shares). --k with --k-min is a usage error, as in seg segment.

    seg_mpi_sweep_cli_test.py MPIRUN SEG SEG_MPI
"""
import json
import os
import random
import subprocess
import sys
import tempfile

from mpitest import seg, read, save_npy, Tally, run_mpi  # noqa: E402

check = Tally()
MEMBERS = ('sweep', 'choice', 'runner_up', 'choice_warning')


def run_seg(args):
    return subprocess.run([seg, 'segment'] + args, capture_output=True, text=True, timeout=300)


def table(text):
    """The sweep's lines of a text summary: from the header row of k to the
    blank line after the choice."""
    lines = text.splitlines()
    start = next((i for i, l in enumerate(lines) if l.startswith('   k  ')), None)
    if start is None:
        return None
    end = start
    while end < len(lines) and lines[end].strip():
        end += 1
    return lines[start:end]


def compare(tag, data, extra):
    s = run_seg([data, '--assignments', 's.csv', '--json'] + extra)
    if not check(s.returncode == 0, '%s: seg segment runs (%s)' % (tag, s.stderr.strip())):
        return
    sj = json.loads(s.stdout)
    serial = read('s.csv')
    st = run_seg([data] + extra)
    stable = table(st.stdout)
    check(stable and len(stable) > 3, '%s: seg segment prints a sweep table' % tag)
    for R in (1, 2, 3, 4):
        if os.path.exists('m.csv'):
            os.remove('m.csv')
        p = run_mpi(R, [data, '--assignments', 'm.csv', '--json'] + extra)
        if not check(p.returncode == 0, '%s, %d ranks: seg-mpi runs (%s)' % (tag, R,
                                                                            p.stderr.strip())):
            continue
        mj = json.loads(p.stdout)
        for key in MEMBERS:
            check(mj.get(key) == sj[key], '%s, %d ranks: "%s" equals seg segment\'s' % (tag, R, key))
        check(mj['k'] == sj['k'] and mj['inertia'] == sj['inertia'],
              '%s, %d ranks: chosen k %s and its inertia equal (%s, %s)' % (
                  tag, R, mj['k'], sj['k'], mj['inertia']))
        check(os.path.exists('m.csv') and read('m.csv') == serial,
              '%s, %d ranks: assignments of the chosen k byte for byte' % (tag, R))
        pt = run_mpi(R, [data] + extra)
        check(pt.returncode == 0 and table(pt.stdout) == stable,
              '%s, %d ranks: the sweep table and choice lines equal' % (tag, R))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        r = random.Random(7)
        # 6000 rows: 5 row partitions of 1024 or more for every k swept, so
        # that 4 ranks each hold one
        rows = [[(i % 4) * 3 + r.gauss(0, 1.2), ((i % 4) * 7) % 5 + r.gauss(0, 1.5),
                 r.random() * 2] for i in range(6000)]
        save_npy('b.npy', rows, 'f8')
        opts = ['--k-min', '2', '--k-max', '5', '--silhouette-sample', '700', '--seed', '3']
        compare('npy f64', 'b.npy', opts)
        compare('npy f32', 'b.npy', opts + ['--dtype', 'f32', '--stability-resamples', '3'])
        compare('npy kmeans||', 'b.npy', ['--k-max', '4', '--init', 'kmeans||', '--n-init', '2'])
        jobs = ['admin.', 'retired', 'services']
        with open('c.csv', 'w') as f:
            f.write('age,balance,job,day\n')
            for i in range(6000):
                bal = '' if i % 97 == 5 else '%.2f' % (r.gauss(1500, 900) + (i % 3) * 800)
                f.write('%d,%s,%s,%d\n' % (r.randint(18, 90), bal, jobs[i % 3], r.randint(1, 31)))
        compare('csv', 'c.csv', ['--k-max', '4', '--silhouette-sample', '900'])

        # more ranks than the fit has row partitions: every rank stops with
        # one message, no output, no hang (the read's shares refuse it first)
        save_npy('small.npy', rows[:1500], 'f8')
        p = run_mpi(3, ['small.npy', '--assignments', 'small.csv'])
        check(p.returncode == 1 and p.stderr.count('row partitions') == 1 and
              not os.path.exists('small.csv'),
              'too many ranks for the sweep: exit %d, one message (%s)' % (
                  p.returncode, p.stderr.strip()))

        # --k fixes k: the sweep's range conflicts with it, as in seg segment
        s = run_seg(['b.npy', '--k', '3', '--k-min', '2'])
        p = run_mpi(2, ['b.npy', '--k', '3', '--k-min', '2'])
        check(s.returncode == p.returncode != 0 and 'k-min' in p.stderr,
              '--k with --k-min: usage error %d, seg segment %d (%s)' % (
                  p.returncode, s.returncode, p.stderr.strip()))
    return check.summary()


if __name__ == '__main__':
    sys.exit(main())
