#!/usr/bin/env python3
"""seg-mpi segment --pseudonymize-key against seg segment --pseudonymize-key.

A .npy has no id column: both write row numbers, so the assignments must be
the same bytes with the key as without; a key under 16 bytes or a missing key
file stops both with the same exit status and message (seg-mpi: one message
for 1 and 3 ranks), and no output. Before, seg-mpi refused the option.

usage: seg_mpi_pseudonym_test.py MPIRUN SEG SEG_MPI
"""
import os
import random
import struct
import subprocess
import sys
import tempfile

from mpitest import mpirun, seg, seg_mpi, env, root, read, Tally  # noqa: E402

check = Tally()


def mpi(ranks, args):
    return subprocess.run([mpirun] + root + ['--oversubscribe', '-n', str(ranks), seg_mpi,
                                             'segment'] + args,
                          env=env, capture_output=True, text=True, timeout=300)


with tempfile.TemporaryDirectory() as tmp:
    os.chdir(tmp)
    rng = random.Random(2)
    rows = [[rng.gauss(4 * (i % 5), 1) for _ in range(3)] for i in range(3000)]
    h = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, 3), }" % len(rows)
    h += ' ' * (63 - (10 + len(h)) % 64) + '\n'
    with open('x.npy', 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode())
        for r in rows:
            f.write(struct.pack('<3d', *r))
    with open('key', 'w') as f:
        f.write('0123456789abcdef-secret\n')
    with open('short', 'w') as f:
        f.write('too short\n')
    opts = ['--k', '5', '--seed', '1', '--quiet']
    s = subprocess.run([seg, 'segment', 'x.npy', '--pseudonymize-key', 'key', '--assignments',
                        'serial.csv'] + opts, capture_output=True, text=True, timeout=120)
    check(s.returncode == 0, 'seg segment with a key: ' + s.stderr.strip())
    for ranks in (1, 3):
        p = mpi(ranks, ['x.npy', '--pseudonymize-key', 'key', '--assignments', 'm.csv'] + opts)
        check(p.returncode == 0 and read('m.csv') == read('serial.csv'),
              '%d ranks with a key: the serial assignments: %s' % (ranks, p.stderr.strip()))
    for key in ('short', 'missing'):
        s = subprocess.run([seg, 'segment', 'x.npy', '--pseudonymize-key', key,
                            '--assignments', 'no.csv'] + opts,
                           capture_output=True, text=True, timeout=120)
        for ranks in (1, 3):
            p = mpi(ranks, ['x.npy', '--pseudonymize-key', key, '--assignments', 'no.csv'] + opts)
            # seg's message, once (mpirun adds its own lines after it)
            want = s.stderr.strip().replace('seg:', 'seg-mpi:', 1)
            check(p.returncode == s.returncode != 0 and p.stderr.count(want) == 1,
                  '%s key, %d ranks: exit %d %r, seg segment: %d %r' %
                  (key, ranks, p.returncode, p.stderr, s.returncode, s.stderr))
            check(not os.path.exists('no.csv'), '%s key, %d ranks: no output' % (key, ranks))

sys.exit(check.summary())
