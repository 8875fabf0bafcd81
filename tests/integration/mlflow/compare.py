#!/usr/bin/env python3
"""compare.py A.json B.json [--rel-tol X] [--ignore PATH ...]

Compares two outputs of client_scenario.py (e.g. reference mlflow server vs Millrace).
Prints one line per difference, with the JSON path, and exits 1 if they differ, 0 if they
are equal, 2 on usage / unreadable input. Numbers are compared exactly unless --rel-tol is
given. --ignore takes a path as printed (e.g. 'runs.run:train-main.tags') and skips it and
everything below it.
Only the Python standard library is used, so any python3 can run it.
"""

import argparse
import json
import math
import sys


def fmt(v, limit=160):
    s = json.dumps(v, ensure_ascii=False, sort_keys=True)
    return s if len(s) <= limit else s[:limit] + "...(%d chars)" % len(s)


def join(path, key):
    return "%s.%s" % (path, key) if path else str(key)


def diff(a, b, path, opts, out):
    if path in opts.ignore:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            p = join(path, k)
            if p in opts.ignore:
                continue
            if k not in b:
                out.append("%s: only in A: %s" % (p, fmt(a[k])))
            elif k not in a:
                out.append("%s: only in B: %s" % (p, fmt(b[k])))
            else:
                diff(a[k], b[k], p, opts, out)
        return
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append("%s: list length A=%d B=%d" % (path, len(a), len(b)))
            out.append("    A: %s" % fmt(a, 400))
            out.append("    B: %s" % fmt(b, 400))
            return
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, "%s[%d]" % (path, i), opts, out)
        return
    numeric = (int, float)
    if (isinstance(a, numeric) and isinstance(b, numeric)
            and not isinstance(a, bool) and not isinstance(b, bool)):
        if a == b or (opts.rel_tol and math.isclose(a, b, rel_tol=opts.rel_tol)):
            return
        out.append("%s: A=%s B=%s" % (path, fmt(a), fmt(b)))
        return
    if type(a) is not type(b) or a != b:
        out.append("%s: A=%s B=%s" % (path, fmt(a), fmt(b)))


def main():
    ap = argparse.ArgumentParser(description="Compare two client_scenario.py outputs.")
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--rel-tol", type=float, default=0.0)
    ap.add_argument("--ignore", action="append", default=[])
    opts = ap.parse_args()
    opts.ignore = set(opts.ignore)
    docs = []
    for name in (opts.a, opts.b):
        try:
            with open(name, encoding="utf-8") as f:
                docs.append(json.load(f))
        except (OSError, ValueError) as e:
            print("compare.py: cannot read %s: %s" % (name, e), file=sys.stderr)
            return 2
    out = []
    diff(docs[0], docs[1], "", opts, out)
    if not out:
        print("compare.py: equal (%s == %s)" % (opts.a, opts.b))
        return 0
    print("compare.py: %s (A) and %s (B) differ:" % (opts.a, opts.b))
    for line in out:
        print("  " + line)
    n = sum(1 for line in out if not line.startswith("    "))
    print("compare.py: %d difference(s)" % n)
    return 1


if __name__ == "__main__":
    sys.exit(main())
