#!/usr/bin/env python3
"""seg-mpi segment FILE.csv --target COL [--control COL] [--cost-per-contact C
--revenue-per-conversion R] gives seg segment's campaign figures.

A CSV with numbers, levels, a yes/no outcome with missing values (the
first one in the last rows, past every rank's first share), a 0/1 control
column with missing values and a free-text column; for 1, 2, 3 and 4 ranks,
against seg segment with the same options:

- the text summary's campaign lines (figures per segment, the pooled group,
  the targeting plan) byte for byte;
- the JSON: seg segment's campaign members ("target" ... "plan") equal, and
  each segment's campaign figures equal those of seg segment's segments;
- the model file byte for byte but for the two HEAD timings and the
  checksum (its LEFT section lists the outcome and control columns with seg
  segment's reasons), the HTML report (campaign section, plan chart)
  byte for byte, the assignments byte for byte.

The outcome's counts are made where the rows were read and summed over the
ranks: a rank counting its own rows alone gives other figures from 2 ranks
on. Errors: a column that is no column, a column that is not yes/no (the
first bad value in the last rank's rows: the serial message naming its
line), --control without --target, one money option alone, a negative one,
the target named twice, and --target with a .npy: the same exit status as
seg segment, one message (seg segment's, but for the program name) and no
output.

usage: seg_mpi_campaign_test.py MPIRUN SEG SEG_MPI
"""
import json
import os
import random
import subprocess
import sys
import tempfile

from mpitest import seg, run_mpi, read, save_npy, Tally, model_without_timings  # noqa: E402

check = Tally()


def write_campaign_csv(path, n, rng, bad_at=None, small=False):
    """n customers in 4 groups, an outcome converting more in later groups
    (missing now and then), a hold-out flag and a note; bad_at: a row whose
    outcome is 'maybe'; small: one row in 100 in a small far group (a
    segment of its own) of a job seen nowhere else, and a job seen in one
    row in 700 (levels of fewer customers than --min-segment-size)."""
    jobs = ['admin.', 'technician', 'services', 'management', 'retired', 'student']
    with open(path, 'w') as f:
        f.write('age,job,balance,housing,note,subscribed,holdout\n')
        for i in range(n):
            g = i % 4
            age = '' if i % 37 == 5 else str(int(rng.gauss(30 + 12 * g, 4)))
            job = '' if i % 53 == 7 else jobs[(g * 2 + rng.randrange(2)) % len(jobs)]
            bal = '%.2f' % rng.gauss(500 * g, 150)
            if small and i % 700 == 3:
                job = 'astronaut'
            if small and i % 100 == 7:
                age, job, bal = '90', 'pilot', '%.2f' % rng.gauss(9000, 50)
            housing = 'yes' if (g + rng.randrange(3)) % 2 else 'no'
            note = rng.choice(['call back', 'vip', 'none'])
            # missing outcomes only late: a rank that skipped them would
            # differ from 2 ranks on
            sub = ('' if i > n // 2 and i % 89 == 4 else
                   'Yes' if rng.random() < 0.08 + 0.09 * g else 'No')
            if i == bad_at:
                sub = 'maybe'
            hold = '' if i % 301 == 9 else ('1' if rng.random() < 0.2 else '0')
            f.write('%s,%s,%s,%s,%s,%s,%s\n' % (age, job, bal, housing, note, sub, hold))


def campaign_lines(text, target):
    """The summary's campaign lines: from the outcome's line to the end."""
    at = text.find("\n'%s': " % target)
    return text[at:] if at >= 0 else None


CAMPAIGN_KEYS = ('target', 'control', 'overall_conversion', 'cost_per_contact',
                 'revenue_per_conversion', 'withheld_group', 'plan')
SEGMENT_KEYS = ('size', 'contacts', 'conversions', 'conversion', 'conversion_low',
                'conversion_high', 'lift', 'held_out', 'held_out_conversion', 'uplift', 'roi')
OUTPUTS = ('m.seg', 'r.html', 'a.csv')

with tempfile.TemporaryDirectory() as tmp:
    os.chdir(tmp)
    write_campaign_csv('camp.csv', 6000, random.Random(11))
    write_campaign_csv('small.csv', 5000, random.Random(13), small=True)
    cases = [['--k', '4', '--seed', '1', '--target', 'subscribed'],
             ['--k', '4', '--seed', '2', '--target', 'subscribed', '--control', 'holdout',
              '--cost-per-contact', '2', '--revenue-per-conversion', '30', '--drop', 'note'],
             ['--k', '3', '--seed', '3', '--target', 'subscribed', '--cost-per-contact', '1.5',
              '--revenue-per-conversion', '4.25', '--dtype', 'f32', '--scale', 'minmax'],
             # a segment of 50 rows withheld (with a partner), its figures
             # pooled; 'astronaut' (8 rows) and 'pilot' (50) folded
             ['--k', '6', '--seed', '2', '--target', 'subscribed', '--control', 'holdout',
              '--min-segment-size', '60', '--cost-per-contact', '2',
              '--revenue-per-conversion', '30', '@small.csv']]
    for opts in cases:
        data = 'camp.csv'
        if opts[-1].startswith('@'):
            data, opts = opts[-1][1:], opts[:-1]
        label = ' '.join(opts)
        outs = ['--model', 's.seg', '--report', 's.html', '--assignments', 's.csv']
        s = subprocess.run([seg, 'segment', data] + outs + opts,
                           capture_output=True, text=True, timeout=300)
        sj = subprocess.run([seg, 'segment', data, '--json'] + opts,
                            capture_output=True, text=True, timeout=300)
        if not check(s.returncode == 0 and sj.returncode == 0,
                     'seg segment (%s): %s' % (label, s.stderr + sj.stderr)):
            continue
        serial_lines = campaign_lines(s.stdout, 'subscribed')
        serial_doc = json.loads(sj.stdout)
        check(serial_lines and 'Targeting plan' in serial_lines,
              label + ': the serial summary has campaign lines')
        if '--min-segment-size' in opts:
            check(serial_doc['withheld_group'] is not None and b'(other)' in read('s.seg') and
                  'pooled' in serial_lines,
                  label + ': seg segment pools withheld segments and folds rare levels')
        for ranks in (1, 2, 3, 4):
            what = '%s, %d rank(s)' % (label, ranks)
            for f in OUTPUTS:
                if os.path.exists(f):
                    os.remove(f)
            r = run_mpi(ranks, [data, '--model', 'm.seg', '--report', 'r.html',
                                '--assignments', 'a.csv'] + opts)
            rj = run_mpi(ranks, [data, '--json'] + opts)
            if not check(r.returncode == 0 and rj.returncode == 0,
                         what + ': ran: ' + (r.stderr + rj.stderr).strip()):
                continue
            check(campaign_lines(r.stdout, 'subscribed') == serial_lines,
                  what + ': the campaign lines of the summary are seg segment\'s')
            doc = json.loads(rj.stdout)
            check(all(doc.get(key) == serial_doc[key] for key in CAMPAIGN_KEYS),
                  what + ': the JSON campaign members are seg segment\'s')
            segs = doc.get('segments', [])
            check(len(segs) == len(serial_doc['segments']) and
                  all(seg_[key] == ref[key] for seg_, ref in zip(segs, serial_doc['segments'])
                      for key in SEGMENT_KEYS),
                  what + ': each segment\'s campaign figures are seg segment\'s')
            check(read('a.csv') == read('s.csv'), what + ': the serial assignments')
            check(model_without_timings(read('m.seg')) == model_without_timings(read('s.seg')),
                  what + ': the model is seg segment\'s but for the timings and checksum')
            check(read('r.html') == read('s.html'), what + ': the report is seg segment\'s')

    # --min-segment-size with a .npy: the small far group's profile (and a
    # partner's) withheld in the model and the report
    rng = random.Random(4)
    rows = [[rng.gauss(4 * (i % 3), 1), rng.gauss(-2 * (i % 3), 1)] if i % 250 != 7 else
            [rng.gauss(60, 1), rng.gauss(60, 1)] for i in range(12000)]
    save_npy('far.npy', rows, 'f8')
    opts = ['--k', '4', '--seed', '1', '--min-segment-size', '60']
    s = subprocess.run([seg, 'segment', 'far.npy', '--model', 's.seg', '--report', 's.html',
                        '--json'] + opts, capture_output=True, text=True, timeout=300)
    if check(s.returncode == 0 and any(x['profile_withheld'] for x in
                                       json.loads(s.stdout)['segments']),
             'seg segment far.npy withholds a profile: ' + s.stderr):
        for ranks in (1, 2, 3, 4):
            what = 'far.npy %s, %d rank(s)' % (' '.join(opts), ranks)
            r = run_mpi(ranks, ['far.npy', '--model', 'm.seg', '--report', 'r.html',
                                '--quiet'] + opts)
            check(r.returncode == 0 and
                  model_without_timings(read('m.seg')) == model_without_timings(read('s.seg')) and
                  read('r.html') == read('s.html'),
                  what + ': the model and the report are seg segment\'s ' + r.stderr.strip())

    # Errors: seg segment's exit status and message (but for the program
    # name), one message, no output.
    write_campaign_csv('bad.csv', 6000, random.Random(12), bad_at=5990)
    save_npy('x.npy', [[float(i % 7), float(i % 2)] for i in range(200)], 'f8')
    errors = [('camp.csv', ['--target', 'nope']),
              ('bad.csv', ['--target', 'subscribed']),
              ('camp.csv', ['--target', 'job']),
              ('camp.csv', ['--control', 'holdout']),
              ('camp.csv', ['--target', 'subscribed', '--cost-per-contact', '2']),
              ('camp.csv', ['--target', 'subscribed', '--cost-per-contact', '-1',
                            '--revenue-per-conversion', '3']),
              ('camp.csv', ['--target', 'subscribed', '--control', 'subscribed']),
              ('camp.csv', ['--target', 'subscribed', '--control', 'nope']),
              ('camp.csv', ['--min-segment-size', '-1'])]
    for data, opts in errors:
        s = subprocess.run([seg, 'segment', data, '--k', '3', '--model', 'e.seg'] + opts,
                           capture_output=True, text=True, timeout=300)
        first = s.stderr.splitlines()[0] if s.stderr else ''
        for ranks in (1, 3):
            what = '%s %s, %d rank(s)' % (data, ' '.join(opts), ranks)
            if os.path.exists('e.seg'):
                os.remove('e.seg')
            r = run_mpi(ranks, [data, '--k', '3', '--model', 'e.seg'] + opts)
            mine = r.stderr.splitlines()[0] if r.stderr else ''
            check(s.returncode in (1, 2) and r.returncode == s.returncode and
                  mine == first.replace('seg:', 'seg-mpi:', 1) and
                  r.stderr.count('seg-mpi:') == 1 and not os.path.exists('e.seg'),
                  what + ': exit %d (seg segment: %d), one message: %r (seg segment: %r)' %
                  (r.returncode, s.returncode, mine, first))
    r = run_mpi(2, ['x.npy', '--k', '2', '--target', 'x1'])
    check(r.returncode == 2 and '--target goes with CSV input' in r.stderr and
          r.stderr.count('seg-mpi:') == 1, '.npy --target: exit 2: ' + r.stderr.strip())

sys.exit(check.summary())
