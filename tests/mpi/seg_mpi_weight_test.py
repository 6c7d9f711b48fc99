#!/usr/bin/env python3
"""seg-mpi segment FILE.csv --weight COL with --model, --report and without
--k (issue 18): seg segment's results for 1, 2, 3 and 4 ranks.

Two CSVs of 9000 rows drawn with a fixed seed, each with an id, a numeric
column of few repeated values (ties at the medians), a continuous one, a
categorical one with gaps, a numeric one with gaps and both signs of zero,
a described numeric column with gaps, and uneven weights:

- weights.csv: weights of 0.1, 1.3, 3.7, ... (sums that round, so the order
  of the additions matters to the running sums of the weighted medians);
- halves.csv: weights of 0.25 to 4 (exact sums, so a running sum lands on
  exactly half the total and the median is the mean of two values);

and for each, against the serial seg segment with the same options:

- --k 3 --id --describe --model --report --assignments --json, f64 and
  f32: the assignments and the report byte for byte, the model byte for
  byte but the HEAD timings (mpitest.model_without_timings), `seg info
  --json` of both models alike (profiles, weighted medians, quality
  measures), the JSON summary's inertia and sizes;
- without --k (the sweep chooses k, weighted): the same, and the JSON's
  sweep table and choice (seg-mpi's JSON has no empty sweep with --k);
- the serial weighted and unweighted models differ (the weights are felt).

usage: seg_mpi_weight_test.py MPIRUN SEG SEG_MPI
"""
import json
import os
import random
import subprocess
import sys
import tempfile

from mpitest import seg, run_mpi, read, Tally, model_without_timings  # noqa: E402

check = Tally()
RANKS = (1, 2, 3, 4)


def write_csv(path, weights, rng):
    with open(path, 'w') as f:
        f.write('id,a,b,cat,gap,spend,w\n')
        for i in range(9000):
            g = i % 3
            a = str(rng.randrange(6) + 2 * g)
            b = '%.3f' % rng.gauss(g * 3, 1)
            cat = '' if i % 29 == 3 else rng.choice(['x', 'y', 'z'][g:] + ['x'])
            gap = '' if i % 17 == 2 else rng.choice(['1', '2', '2', '3', '-0', '0', '5'])
            spend = '' if i % 23 == 4 else '%.2f' % rng.gauss(100 + 20 * g, 15)
            f.write('r%d,%s,%s,%s,%s,%s,%s\n' % (i, a, b, cat, gap, spend, rng.choice(weights)))


def run_seg(args):
    return subprocess.run([seg, 'segment'] + args, capture_output=True, text=True, timeout=300)


def info_json(path):
    p = subprocess.run([seg, 'info', path, '--json'], capture_output=True, text=True,
                       timeout=120)
    if p.returncode != 0:
        return None
    j = json.loads(p.stdout)
    j.pop('model', None)  # the file's name
    return j


def clean(*names):
    for name in names:
        if os.path.exists(name):
            os.remove(name)


def compare(what, data, opts):
    outs = ['--model', '%s.seg', '--report', '%s.html', '--assignments', '%s.csv']
    clean('s.seg', 's.html', 's.csv')
    s = run_seg([data, '--json', '--quiet'] + opts + [o % 's' if '%' in o else o for o in outs])
    if not check(s.returncode == 0, '%s: seg segment: %s' % (what, s.stderr)):
        return
    want = json.loads(s.stdout)
    sinfo = info_json('s.seg')
    for R in RANKS:
        clean('m.seg', 'm.html', 'm.csv')
        r = run_mpi(R, [data, '--json'] + opts + [o % 'm' if '%' in o else o for o in outs])
        tag = '%s, %d rank(s)' % (what, R)
        if not check(r.returncode == 0, '%s: exit %d: %s' % (tag, r.returncode, r.stderr)):
            continue
        got = json.loads(r.stdout)
        check(read('m.csv') == read('s.csv'), tag + ': the assignments')
        check(read('m.html') == read('s.html'), tag + ': the report')
        check(model_without_timings(read('m.seg')) == model_without_timings(read('s.seg')),
              tag + ': the model file but for the timings')
        minfo = info_json('m.seg')
        for j in (sinfo, minfo):
            for key in ('fit_seconds', 'init_seconds'):
                (j or {}).pop(key, None)
        if not check(minfo == sinfo and sinfo is not None, tag + ': seg info --json'):
            for key in sinfo or {}:
                if (minfo or {}).get(key) != sinfo[key]:
                    print('  %s: %r, serial %r' % (key, (minfo or {}).get(key), sinfo[key]))
        # seg segment's whole JSON document but for its timings (and the
        # library threads, which mpirun's core binding may lower)
        for j in (got, want):
            for key in ('fit_seconds', 'init_seconds', 'threads'):
                j.pop(key, None)
        if not check(got == want, tag + ': the JSON document is seg segment\'s'):
            for key in want:
                if got.get(key) != want[key]:
                    print('  %s: %r, serial %r' % (key, got.get(key), want[key]))


with tempfile.TemporaryDirectory() as tmp:
    os.chdir(tmp)
    write_csv('weights.csv', ['0.1', '1.3', '3.7', '0.7', '2.2', '1'], random.Random(7))
    write_csv('halves.csv', ['0.25', '0.5', '1', '2', '4'], random.Random(8))
    roles = ['--id', 'id', '--weight', 'w', '--describe', 'spend']
    # the weights are felt: the serial weighted model is not the unweighted one
    a = run_seg(['weights.csv', '--k', '3', '--model', 'u.seg', '--id', 'id', '--drop', 'w',
                 '--describe', 'spend', '--quiet'])
    b = run_seg(['weights.csv', '--k', '3', '--model', 'v.seg', '--quiet'] + roles)
    if check(a.returncode == 0 and b.returncode == 0, 'serial models: ' + a.stderr + b.stderr):
        u, v = info_json('u.seg'), info_json('v.seg')
        check(u['segments'] != v['segments'] and u['silhouette'] != v['silhouette'],
              'the weights change the serial profiles and quality measures')
    for data in ('weights.csv', 'halves.csv'):
        compare(data + ' --k 3', data, ['--k', '3', '--seed', '4'] + roles)
        compare(data + ' --k 3 f32', data, ['--k', '3', '--dtype', 'f32', '--threads', '1'] +
                roles)
        compare(data + ' sweep', data, ['--k-max', '5', '--seed', '2'] + roles)
    # a segment under --min-segment-size (withheld profiles) with weights
    compare('weights.csv --k 6 --min-segment-size', 'weights.csv',
            ['--k', '6', '--min-segment-size', '1400'] + roles)

sys.exit(check.summary())
