"""What the seg-mpi tool tests share: the programs named on their command
line (MPIRUN SEG SEG_MPI), Open MPI's settings for more ranks than cores and
for root, running `seg-mpi segment` on R ranks, reading a file's bytes,
writing a .npy, a CSV whose rank cuts fall inside quoted line ends, a model
file's sections and its bytes without its timings, and the pass/fail tally of tests/checks.py."""
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import Tally  # noqa: E402,F401

mpirun, seg, seg_mpi = (os.path.abspath(a) for a in sys.argv[1:4])
env = dict(os.environ, OMPI_MCA_btl_vader_single_copy_mechanism='none',
           OMPI_MCA_mpi_yield_when_idle='1',
           OMPI_MCA_rmaps_base_oversubscribe='1')
root = ['--allow-run-as-root'] if os.geteuid() == 0 else []


def run_mpi(ranks, args, timeout=300):
    """seg-mpi segment ARGS on `ranks` ranks; the CompletedProcess (text)."""
    cmd = [mpirun] + root + ['--oversubscribe', '-n', str(ranks), seg_mpi, 'segment'] + args
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def save_npy(path, rows, fmt):
    """rows (lists of numbers) as a .npy of '<f4' (fmt 'f4') or '<f8'."""
    n, d = len(rows), len(rows[0])
    h = "{'descr': '<%s', 'fortran_order': False, 'shape': (%d, %d), }" % (fmt, n, d)
    h += ' ' * (63 - (10 + len(h)) % 64) + '\n'
    with open(path, 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode())
        c = 'f' if fmt == 'f4' else 'd'
        for r in rows:
            f.write(struct.pack('<%d%s' % (d, c), *r))


def write_customers_csv(path, n, rng):
    """n customers in 4 groups: numbers, levels, gaps, an id-like column
    (customer) and a free-text one (note), drawn from rng."""
    jobs = ['admin.', 'technician', 'services', 'management', 'retired', 'student']
    with open(path, 'w') as f:
        f.write('customer,age,job,balance,housing,note,score\n')
        for i in range(n):
            g = i % 4
            age = '' if i % 37 == 5 else str(int(rng.gauss(30 + 12 * g, 4)))
            job = '' if i % 53 == 7 else jobs[(g * 2 + rng.randrange(2)) % len(jobs)]
            bal = '' if i % 41 == 3 else '%.2f' % rng.gauss(500 * g, 150)
            housing = 'yes' if (g + rng.randrange(3)) % 2 else 'no'
            note = rng.choice(['call back', 'vip', 'none', 'moved'])
            score = '%.3f' % rng.gauss(g, 0.5)
            f.write('C%06d,%s,%s,%s,%s,%s,%s\n' % (100000 + 7 * i,
                                                  age, job, bal, housing, note, score))


def quoted_newline_ahead(text):
    """inq[i]: byte i is inside quotes with a line end before the closing quote."""
    state = bytearray(len(text) + 1)
    inq = False
    for i, ch in enumerate(text):
        state[i] = inq
        if ch == '"':
            inq = not inq
    ahead = bytearray(len(text) + 1)
    nl = False
    for i in range(len(text) - 1, -1, -1):
        if text[i] == '"':
            nl = False
        elif text[i] == '\n':
            nl = True
        ahead[i] = state[i] and nl
    return ahead


def write_cuts_in_quotes(path, head, body, eol, marker, final=True):
    """head, then the rows of body joined by eol, written to path with
    body[0] padded after its first `marker` (inside a quoted field that has
    a line end further on) until every cut size * r / R of R = 2, 3 and 4
    ranks falls inside a quoted field before one of its line ends; the
    file's text. Most bytes must lie in such fields for some padding to do."""
    first = body[0]
    rest = eol.join(body[1:]) + (eol if final else '')
    at = first.index(marker) + len(marker)
    base = head + first + eol + rest
    ahead = quoted_newline_ahead(base)
    start = len(head) + at  # padding goes here: later bytes move by pad
    for pad in range(5000):
        size = len(base) + pad
        ok = True
        for R in (2, 3, 4):
            for r in range(1, R):
                c = size * r // R - pad  # the cut, in the unpadded text
                ok = ok and c > start + 200 and ahead[c]
        if ok:
            text = head + first[:at] + 'p' * pad + first[at:] + eol + rest
            with open(path, 'w', newline='') as f:
                f.write(text)
            return text
    raise SystemExit('no padding puts every cut inside a quoted line end')


def sections(data):
    """A model file's sections: a list of (tag, payload)."""
    out, at = [], 24
    while at + 12 <= len(data) - 4:
        tag = data[at:at + 4].decode('latin-1')
        size = struct.unpack('<Q', data[at + 4:at + 12])[0]
        out.append((tag, data[at + 12:at + 12 + size]))
        at += 12 + size
        if tag == 'END ':
            break
    return out


def model_without_timings(data):
    """A model file's bytes with the two HEAD timings (fit and start
    seconds, which no two runs share) and the checksum over them zeroed."""
    b = bytearray(data)
    at = b.find(b'HEAD') + 12 + 48  # past k, d, dtype, converged, rows, iterations, inertia
    if at < 60:
        return bytes(b)
    b[at:at + 16] = bytes(16)
    b[-4:] = bytes(4)
    return bytes(b)
