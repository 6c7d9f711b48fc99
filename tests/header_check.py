#!/usr/bin/env python3
"""Rules for the public header that a compiler does not enforce.

include/seg.h must be usable from any FFI and keep its ABI when it grows:
  - no `static inline` (or any inline) function: an FFI cannot call it;
  - no variadic function (`...`): ctypes/JNA cannot call them portably;
  - no struct or union definition (a body in braces): objects are opaque, so
    a new field never changes a layout callers compiled in;
  - no `long`/`short` (their width varies between platforms and FFIs):
    fixed-width types, size_t, int for status codes;
  - every function declaration carries SEG_API (else it is not exported).

Usage: header_check.py SEG_H [more headers to check the same way]
"""
import re
import sys


def strip(text):
    text = re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)
    return "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))


def check(path):
    raw = open(path).read()
    text = strip(raw)
    problems = []
    if re.search(r"\binline\b", text):
        problems.append("an inline function (FFI users cannot call it)")
    if "..." in text:
        problems.append("a variadic declaration '...' (FFI users cannot call it portably)")
    for m in re.finditer(r"\b(struct|union)\s+(\w*)\s*\{", text):
        problems.append("a public layout: %s %s { ... } (use an opaque type and setters)"
                        % (m.group(1), m.group(2)))
    for m in re.finditer(r"\b(long|short)\b", text):
        line = text.count("\n", 0, m.start()) + 1
        problems.append("'%s' near line %d: use int32_t/int64_t/size_t" % (m.group(1), line))
    # Top-level statements: split at ';' outside braces (enums keep theirs).
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == ";" and depth == 0:
            stmt = " ".join(text[start:i].split())
            start = i + 1
            if stmt.startswith("typedef") or "(" not in stmt:
                continue
            if stmt.startswith('extern "C"'):
                stmt = stmt[len('extern "C"'):].lstrip("{ ")
            name = re.search(r"(\w+)\s*\(", stmt)
            if not stmt.startswith("SEG_API "):
                problems.append("function %s is declared without SEG_API"
                                % (name.group(1) if name else stmt))
    return problems


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    failed = 0
    for path in sys.argv[1:]:
        problems = check(path)
        for p in problems:
            print("FAIL: %s: %s" % (path, p))
        failed += bool(problems)
    # Self-test: each rule must fire on a header that breaks it, or the
    # check could pass by never matching anything.
    bad = {
        "static inline int seg_x(void) { return 0; }": "inline",
        "SEG_API int seg_log(const char *fmt, ...);": "variadic",
        "typedef struct seg_opts { int a; } seg_opts;": "layout",
        "SEG_API long seg_count(void);": "'long'",
        "int seg_hidden(void);": "without SEG_API",
    }
    import tempfile
    for snippet, expect in bad.items():
        with tempfile.NamedTemporaryFile("w", suffix=".h") as f:
            f.write("#define SEG_API\n" + snippet + "\n")
            f.flush()
            found = check(f.name)
        if not any(expect in p for p in found):
            print("FAIL: the rule '%s' does not catch: %s" % (expect, snippet))
            failed += 1
    print("%d passed, %d failed" % (len(sys.argv) - 1 + len(bad) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
