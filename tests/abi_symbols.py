#!/usr/bin/env python3
"""The exported ABI is exactly what seg.h declares.

Checks that four lists of function names are the same set:
  1. the functions declared with SEG_API in include/seg.h (the contract),
  2. the names listed in the linker version script lib/libseg.map,
  3. the dynamic symbols libseg.so defines (nm -D --defined-only),
  4. the functions recorded in the committed ABI baseline abi/libseg.so.N.abi,
that no enumerator of seg.h lost or changed its value against
abi/libseg.so.N.enums (and that new ones were added to it), and that the map is well formed: explicit names only (no globs), one node
per release named SEG_<major>.<minor>, each node after the first inheriting
the one before, and `local: *;` in the first.

Usage:
  abi_symbols.py SRCDIR LIBSEG_SO        run the check (a meson test)
  abi_symbols.py SRCDIR --map-lines      print the map lines that are missing
  abi_symbols.py SRCDIR --enums          print the enum baseline
  abi_symbols.py SRCDIR --enums-compatible   exit 1 if an enumerator of the
                                         baseline was removed or changed

When it fails it prints exactly what to do; docs/abi.md explains why.
"""
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

DECL = re.compile(r"\bSEG_API\b([^;{}#]*?)\b(seg_[A-Za-z0-9_]+)\s*\(")
NODE = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\{(.*?)\}\s*([A-Za-z_][A-Za-z0-9_.]*)?\s*;", re.S)


def strip_c_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)


def header_functions(src):
    text = strip_c_comments(open(os.path.join(src, "include", "seg.h")).read())
    # Preprocessor lines (the SEG_API definitions themselves) are not declarations.
    text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))
    return [m.group(2) for m in DECL.finditer(text)]


ENUM = re.compile(r"\benum\s+(\w+)\s*\{(.*?)\}", re.S)


def header_enumerators(src):
    """{(enum, enumerator): value} of every enum in seg.h.

    Most enums only travel as int64_t setting values or int status codes, so
    abidw never sees them: their values are checked here instead, against
    abi/libseg.so.N.enums."""
    text = strip_c_comments(open(os.path.join(src, "include", "seg.h")).read())
    values = {}
    for m in ENUM.finditer(text):
        nxt = 0
        for item in filter(None, (i.strip() for i in m.group(2).split(","))):
            name, _, value = (p.strip() for p in item.partition("="))
            if value:
                nxt = int(value, 0)
            values[(m.group(1), name)] = nxt
            nxt += 1
    return values


def read_enums(path):
    values = {}
    for line in open(path):
        if line.strip() and not line.startswith("#"):
            enum, name, value = line.split()
            values[(enum, name)] = int(value)
    return values


def project_versions(src):
    text = open(os.path.join(src, "meson.build")).read()
    version = re.search(r"version\s*:\s*'(\d+)\.(\d+)\.(\d+)'", text)
    soversion = re.search(r"seg_soversion\s*=\s*'(\d+)'", text)
    if not version or not soversion:
        sys.exit("abi_symbols: cannot find the project version or seg_soversion in meson.build")
    return (int(version.group(1)), int(version.group(2))), soversion.group(1)


def parse_map(path):
    """[(node, [names], has_local_star, parent)] in file order."""
    text = strip_c_comments(open(path).read())
    text = re.sub(r"#[^\n]*", " ", text)
    nodes = []
    for m in NODE.finditer(text):
        body = m.group(2)
        names, local_star = [], False
        section = None
        for tok in re.findall(r"[^\s;]+:|[^\s;]+", body):
            if tok in ("global:", "local:"):
                section = tok[:-1]
            elif section == "local":
                local_star = local_star or tok == "*"
            elif section == "global":
                names.append(tok)
        nodes.append((m.group(1), names, local_star, m.group(3)))
    return nodes


def exported(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) != 3 or parts[1] == "A":  # 'A': the version node names
            continue
        name, _, version = parts[2].partition("@")
        syms[name] = version.lstrip("@")
    return syms


def baseline(src, soversion):
    path = os.path.join(src, "abi", "libseg.so.%s.abi" % soversion)
    if not os.path.exists(path):
        return path, None
    root = ET.parse(path).getroot()
    names = set()
    for sym in root.iter("elf-symbol"):
        if sym.get("type") == "func-type" and sym.get("is-defined", "yes") == "yes":
            names.add(sym.get("name"))
    return path, names


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src = sys.argv[1]
    (major, minor), soversion = project_versions(src)
    node_now = "SEG_%d.%d" % (major, minor)
    map_path = os.path.join(src, "lib", "libseg.map")
    declared = header_functions(src)
    nodes = parse_map(map_path)
    mapped = [n for _, names, _, _ in nodes for n in names]

    if sys.argv[2] == "--enums":
        print("# enum enumerator value: written by tests/abi_check.sh --update")
        for (enum, name), value in sorted(header_enumerators(src).items()):
            print("%s %s %d" % (enum, name, value))
        return 0
    if sys.argv[2] == "--enums-compatible":
        # Used by --update: may the enum baseline be rewritten without a new soname?
        old = read_enums(os.path.join(src, "abi", "libseg.so.%s.enums" % soversion))
        now = header_enumerators(src)
        bad = [k for k in old if now.get(k) != old[k]]
        for enum, name in bad:
            print("%s::%s was %d, is now %s" % (enum, name, old[(enum, name)],
                                                now.get((enum, name), "removed")))
        return 1 if bad else 0

    if sys.argv[2] == "--map-lines":
        missing = [n for n in declared if n not in set(mapped)]
        print("# add to node %s of lib/libseg.map:" % node_now)
        for n in missing:
            print("    %s;" % n)
        return 0

    fails = []
    fix = set()

    def fail(msg, how):
        fails.append(msg)
        fix.add(how)

    # The map's shape.
    if not nodes:
        fail("lib/libseg.map has no version node", "map")
    for i, (node, names, local_star, parent) in enumerate(nodes):
        if not re.fullmatch(r"SEG_\d+\.\d+", node):
            fail("map node %s is not named SEG_<major>.<minor>" % node, "map")
        if i == 0 and not local_star:
            fail("map node %s lacks `local: *;` (every other symbol must stay hidden)" % node, "map")
        if i > 0 and parent != nodes[i - 1][0]:
            fail("map node %s must inherit the node before it: `} %s;`" % (node, nodes[i - 1][0]), "map")
        for n in names:
            if any(c in n for c in "*?["):
                fail("map node %s uses the pattern '%s': list each function by name" % (node, n), "map")
    seen = {}
    for node, names, _, _ in nodes:
        for n in names:
            if n in seen:
                fail("%s is listed in both %s and %s of lib/libseg.map" % (n, seen[n], node), "map")
            seen[n] = node
    if nodes and nodes[-1][0] != node_now and \
            any(n not in set(mapped) for n in declared):
        fail("the newest map node is %s but the project version is %d.%d: new functions go in a new node %s"
             % (nodes[-1][0], major, minor, node_now), "node")
    dup = sorted({n for n in declared if declared.count(n) > 1})
    if dup:
        fail("seg.h declares %s more than once" % ", ".join(dup), "header")

    declared_set, mapped_set = set(declared), set(mapped)
    syms = exported(sys.argv[2])
    so_set = set(syms)

    for n in sorted(declared_set - mapped_set):
        fail("%s is declared SEG_API in seg.h but not listed in lib/libseg.map" % n, "map")
    for n in sorted(mapped_set - declared_set):
        fail("%s is listed in lib/libseg.map but not declared SEG_API in seg.h" % n, "unmap")
    for n in sorted(declared_set - so_set):
        fail("%s is declared SEG_API in seg.h but libseg.so does not export it "
             "(not defined, or missing from the map)" % n, "define")
    for n in sorted(so_set - declared_set):
        fail("libseg.so exports %s, which seg.h does not declare with SEG_API" % n, "leak")
    for n, version in sorted(syms.items()):
        if n in seen and version != seen[n]:
            fail("libseg.so exports %s at version %s, the map says %s (stale build?)"
                 % (n, version, seen[n]), "rebuild")

    base_path, base_set = baseline(src, soversion)
    rel_base = os.path.relpath(base_path, src)
    if base_set is None:
        fail("no ABI baseline %s for soversion %s" % (rel_base, soversion), "baseline")
    else:
        for n in sorted(declared_set - base_set):
            fail("%s is not in the ABI baseline %s" % (n, rel_base), "baseline")
        for n in sorted(base_set - declared_set):
            fail("%s is in the ABI baseline %s but no longer declared in seg.h "
                 "(removing a function breaks the ABI)" % (n, rel_base), "removed")

    enums_path = os.path.join(src, "abi", "libseg.so.%s.enums" % soversion)
    rel_enums = os.path.relpath(enums_path, src)
    if os.path.exists(enums_path):
        old, now = read_enums(enums_path), header_enumerators(src)
        for (enum, name), value in sorted(old.items()):
            if (enum, name) not in now:
                fail("%s::%s (%d) was removed from seg.h: that breaks the ABI" % (enum, name, value), "removed")
            elif now[(enum, name)] != value:
                fail("%s::%s changed from %d to %d: enum values never change meaning"
                     % (enum, name, value, now[(enum, name)]), "removed")
        for (enum, name) in sorted(set(now) - set(old)):
            fail("%s::%s is not in the enum baseline %s" % (enum, name, rel_enums), "baseline")
    else:
        fail("no enum baseline %s for soversion %s" % (rel_enums, soversion), "baseline")

    if not fails:
        print("ok: %d functions declared in seg.h = listed in lib/libseg.map = exported "
              "by libseg.so = in %s" % (len(declared_set), rel_base))
        print("1 passed, 0 failed")
        return 0

    for msg in fails:
        print("FAIL: " + msg)
    print()
    print("To add a public function (docs/abi.md, \"Adding a function\"):")
    print("  1. declare it in include/seg.h with SEG_API and a Doxygen block;")
    print("  2. list it by name in the newest node of lib/libseg.map, which must be")
    print("     %s (the project version in meson.build); if there is no such node," % node_now)
    print("     add `%s { global: ...; } %s;` after the last one (released nodes never change);"
          % (node_now, nodes[-1][0] if nodes else "SEG_0.1"))
    print("     `%s %s --map-lines` prints the missing lines;" % (os.path.relpath(sys.argv[0]), src))
    print("  3. rebuild and regenerate the ABI baseline: `ninja -C <builddir> abi-baseline`")
    print("     (or `tests/abi_check.sh --update <builddir> .`), and commit abi/.")
    if "unmap" in fix or "removed" in fix:
        print("Removing or renaming a function, or changing an enum value, is an incompatible")
        print("change: undo it, or raise seg_soversion")
        print("in meson.build, then regenerate the baseline (docs/abi.md, \"Breaking the ABI\").")
    if "leak" in fix:
        print("A symbol leaks: give the function `static` linkage or keep it out of the map;")
        print("only SEG_API declarations of seg.h are public.")
    print("%d passed, %d failed" % (0, 1))
    return 1


if __name__ == "__main__":
    sys.exit(main())
