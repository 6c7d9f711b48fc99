#!/usr/bin/env python3
"""The one-way rule of lib/ (docs/architecture.md), checked two ways.

    layering.py SRCDIR [STATIC_LIB]     check the tree (and the library's calls)
    layering.py --self-test SRCDIR      show that the check catches violations

Includes: every file of lib/ lives in a stage folder; a quoted include names
"seg.h" or "<stage>/<file>"; the stage is the file's own or one below it in
STAGES; the headers of lib/ include each other without a cycle.

Calls (when STATIC_LIB, the built libseg.a, is given): no object file calls a
function defined in an object of a higher stage. Meson names the object of
lib/<stage>/<file>.c "<stage>_<file>.c.o", which is how an object is mapped
back to its stage.

Prints one line per violation and "N passed, N failed" at the end; exits 1
on any violation.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Bottom-up. Keep in step with docs/architecture.md and lib/meson.build.
STAGES = ["core", "data", "prepare", "kernel", "model", "cluster", "analyse", "pipeline"]
RANK = {s: i for i, s in enumerate(STAGES)}
SOURCE = re.compile(r"\.(c|h)$")
INCLUDE = re.compile(r'^\s*#\s*(?:include|define\s+SEG_TMPL)\s+"([^"]+)"', re.M)
NOT_CODE = {"meson.build", "libseg.map", "README.md"}


def check_includes(lib):
    """Violations of the include rule under lib/ (a list of strings)."""
    bad = []
    headers = {}  # "stage/x.h" -> included "stage/y.h" list
    for root, dirs, files in os.walk(lib):
        dirs.sort()
        rel_dir = os.path.relpath(root, lib)
        for name in sorted(files):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if name in NOT_CODE and rel_dir == ".":
                continue
            parts = rel.split("/")
            if len(parts) != 2 or parts[0] not in RANK:
                bad.append(f"lib/{rel}: not in a stage folder ({', '.join(STAGES)})")
                continue
            if not SOURCE.search(name):
                continue
            stage = parts[0]
            with open(os.path.join(root, name), encoding="utf-8") as f:
                text = f.read()
            deps = []
            for m in INCLUDE.finditer(text):
                inc = m.group(1)
                line = text.count("\n", 0, m.start()) + 1
                where = f"lib/{rel}:{line}"
                if inc == "seg.h":
                    continue
                ip = inc.split("/")
                if len(ip) != 2 or ip[0] not in RANK:
                    bad.append(f'{where}: "{inc}" does not name a stage folder')
                    continue
                if not os.path.isfile(os.path.join(lib, inc)):
                    bad.append(f'{where}: "{inc}" does not exist')
                    continue
                if RANK[ip[0]] > RANK[stage]:
                    bad.append(f'{where}: upward include: {stage}/ may not include "{inc}"')
                deps.append(inc)
            if name.endswith(".h"):
                headers[rel] = deps
    bad += find_cycles(headers)
    return bad


def find_cycles(graph):
    """One message per include cycle among headers (depth-first search)."""
    bad, state, stack = [], {}, []

    def visit(h):
        state[h] = 1
        stack.append(h)
        for d in graph.get(h, []):
            if state.get(d) == 1:
                cyc = stack[stack.index(d):] + [d]
                bad.append("include cycle: " + " -> ".join(f"lib/{c}" for c in cyc))
            elif d in graph and not state.get(d):
                visit(d)
        stack.pop()
        state[h] = 2

    for h in sorted(graph):
        if not state.get(h):
            visit(h)
    return bad


def object_stage(obj):
    base = os.path.basename(obj)
    for s in STAGES:
        if base.startswith(s + "_"):
            return s
    return None


def check_calls(static_lib):
    """Calls from an object of one stage to a function of a higher stage."""
    out = subprocess.run(["nm", "-A", static_lib], capture_output=True, text=True, check=True)
    defined, used = {}, []
    for line in out.stdout.splitlines():
        # "libseg.a:core_alloc.c.o:0000000000000000 T seg_malloc" or "...:  U seg_fail"
        m = re.match(r"^[^:]*:([^:]+):\s*(?:[0-9a-fA-F]+\s+)?([A-Za-z])\s+(\S+)$", line)
        if not m:
            continue
        obj, kind, sym = m.groups()
        if kind == "U":
            used.append((obj, sym))
        elif kind.isupper():
            defined[sym] = obj
    bad = []
    if not defined:
        return [f"{static_lib}: no symbols read"]
    for obj, sym in used:
        if sym not in defined:
            continue
        src, dst = object_stage(obj), object_stage(defined[sym])
        if src is None or dst is None:
            bad.append(f"{obj} or {defined[sym]}: object not in a stage folder")
        elif RANK[dst] > RANK[src]:
            bad.append(f"{obj}: upward call to {sym} ({defined[sym]})")
    return sorted(set(bad))


def self_test(src):
    """The check must pass on the tree and fail on each planted violation."""
    lib = os.path.join(src, "lib")
    results = []
    results.append(("tree as it is", check_includes(lib) == []))
    plants = [
        ("upward include", "core/alloc.c", '#include "analyse/rfm.h"\n'),
        ("unqualified include", "data/csv.c", '#include "scaler.h"\n'),
        ("include cycle", "core/strtab.h", '#include "core/bytes.h"\n', "core/bytes.h",
         '#include "core/strtab.h"\n'),
    ]
    for plant in plants:
        with tempfile.TemporaryDirectory() as tmp:
            copy = os.path.join(tmp, "lib")
            shutil.copytree(lib, copy)
            edits = list(zip(plant[1::2], plant[2::2]))
            for rel, line in edits:
                p = os.path.join(copy, rel)
                with open(p, encoding="utf-8") as f:
                    text = f.read()
                with open(p, "w", encoding="utf-8") as f:
                    f.write(line + text)
            found = check_includes(copy)
            results.append((plant[0], bool(found)))
            for msg in found:
                print(f"  ({plant[0]}) caught: {msg}")
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "lib")
        shutil.copytree(lib, copy)
        os.makedirs(os.path.join(copy, "misc"))
        open(os.path.join(copy, "misc", "x.c"), "w").close()
        results.append(("file outside a stage", bool(check_includes(copy))))
    failed = [name for name, ok in results if not ok]
    for name, ok in results:
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "--self-test":
        return self_test(argv[2])
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    checks = [("includes", check_includes(os.path.join(argv[1], "lib")))]
    if len(argv) == 3:
        checks.append(("calls", check_calls(argv[2])))
    for _, bad in checks:
        for msg in bad:
            print(msg)
    failed = sum(1 for _, bad in checks if bad)
    print(f"{len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
