"""Every @code example in seg.h compiles, links and runs (issue 21, item 6).

Each Doxygen group (@defgroup) of the public header must hold at least one
example. An example with its own main() is compiled as it is; any other is
the body of main() in a file that includes seg.h and the standard headers
it uses. Each is compiled with -std=c11 -Wall -Wextra -pedantic -Werror,
linked against the library just built, and run in a scratch directory
holding bank.csv (500 customers of the bank data) and sales.csv (a small
transaction log); it must exit 0. So an example cannot fall out of step
with the header or the library.

Run by meson as:
    python3 doc_examples.py SEG_H LIBSEG_SO DATA_DIR -- CC [CC ARGS...]
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

PRELUDE = """#include <seg.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
"""

# Comment leaders inside a Doxygen block: " * " (or " *" on an empty line).
LEADER = re.compile(r"^ \* ?")


def examples(header_text):
    """(group, first line, code) of every @code block, in header order."""
    out, group, code, start = [], None, None, 0
    for no, line in enumerate(header_text.splitlines(), 1):
        m = re.search(r"@defgroup\s+(\w+)", line)
        if m:
            group = m.group(1)
        body = LEADER.sub("", line, count=1)
        if code is None:
            if re.match(r"\s*@code\b", body):
                code, start = [], no
        elif re.match(r"\s*@endcode\b", body):
            out.append((group, start, "\n".join(code) + "\n"))
            code = None
        else:
            code.append(body)
    if code is not None:
        raise SystemExit("seg.h:%d: @code without @endcode" % start)
    return out


def groups(header_text):
    return re.findall(r"@defgroup\s+(\w+)", header_text)


def program(code):
    if re.search(r"\bmain\s*\(", code):
        return code
    body = "".join("    " + l + "\n" if l else "\n" for l in code.splitlines())
    return PRELUDE + body + "}\n"


def main():
    sep = sys.argv.index("--")
    header, lib, data = sys.argv[1:sep]
    cc = sys.argv[sep + 1:]
    text = open(header, encoding="utf-8").read()
    found = examples(text)
    failures = []
    missing = sorted(set(groups(text)) - {g for g, _, _ in found})
    for g in missing:
        failures.append("group '%s' has no @code example" % g)
    libdir = os.path.dirname(os.path.abspath(lib))
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(os.path.join(data, "bank-plain-head.csv"), os.path.join(tmp, "bank.csv"))
        shutil.copy(os.path.join(data, "rfm_log.csv"), os.path.join(tmp, "sales.csv"))
        for i, (group, line, code) in enumerate(found):
            where = "seg.h:%d (group %s)" % (line, group)
            src = os.path.join(tmp, "example_%d.c" % i)
            exe = os.path.join(tmp, "example_%d" % i)
            with open(src, "w", encoding="utf-8") as f:
                f.write(program(code))
            cmd = cc + ["-std=c11", "-Wall", "-Wextra", "-pedantic", "-Werror",
                        "-D_POSIX_C_SOURCE=200809L", "-I" + os.path.dirname(os.path.abspath(header)),
                        src, "-o", exe, os.path.abspath(lib), "-Wl,-rpath," + libdir, "-lm"]
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode != 0:
                failures.append("%s: does not compile:\n%s%s" % (where, p.stdout, p.stderr))
                continue
            p = subprocess.run([exe], cwd=tmp, capture_output=True, text=True, timeout=120)
            if p.returncode != 0:
                failures.append("%s: exits %d:\n%s%s" % (where, p.returncode, p.stdout, p.stderr))
                continue
            print("ok: %s" % where)
    for f in failures:
        print("FAIL: " + f)
    print("%d examples, %d groups, %d failures" % (len(found), len(groups(text)), len(failures)))
    return 1 if failures or not found else 0


if __name__ == "__main__":
    sys.exit(main())
