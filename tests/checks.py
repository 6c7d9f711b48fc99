"""The tally the script-style Python tests share: check(ok, what) prints
"ok: what" or "FAIL: what" and counts it; sys.exit(check.summary()) prints
the counts and exits 1 after any failure."""


class Tally:
    """Counts passed and failed checks; call it once per check."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def __call__(self, ok, what):
        print(("ok: " if ok else "FAIL: ") + what)
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        return bool(ok)

    def summary(self):
        """Print the counts; the exit status: 0 when nothing failed, else 1."""
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0
