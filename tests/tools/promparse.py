#!/usr/bin/env python3
"""promparse.py -- a strict parser of the Prometheus text exposition
format 0.0.4, for pinetctl's tests (promtool is not installed: Debian
ships it in the whole `prometheus` server package).

Reads the exposition on stdin.  Fails (exit 1, "line N: why") on any line
that is not a well-formed # HELP, # TYPE, comment or sample; a sample
without a # TYPE before it, or of another metric family than the last
# TYPE; a TYPE or HELP given twice for one metric; a counter whose name
does not end in _total or whose value is negative or not finite; a label
name that is invalid or repeated; a bad escape in a label value; a
sample (name and labels) given twice; no trailing newline.  Otherwise
prints one line per sample, `name{k="v",...} value` with the labels
sorted, for the test to grep.
"""
import math
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def fail(n, why):
    sys.stderr.write("promparse: line %d: %s\n" % (n, why))
    sys.exit(1)


def parse_labels(n, s):
    """s is the text between { and }; returns a list of (name, value)."""
    out, i = [], 0
    while i < len(s):
        m = re.match(LABEL, s[i:])
        if not m:
            fail(n, "bad label name at %r" % s[i:])
        name = m.group(0)
        i += len(name)
        if s[i:i + 2] != '="':
            fail(n, "label %s: expected =\"" % name)
        i += 2
        val = []
        while True:
            if i >= len(s):
                fail(n, "label %s: unterminated value" % name)
            c = s[i]
            if c == "\\":
                e = s[i + 1:i + 2]
                if e == "n":
                    val.append("\n")
                elif e in ("\\", '"'):
                    val.append(e)
                else:
                    fail(n, "label %s: bad escape \\%s" % (name, e))
                i += 2
                continue
            if c == '"':
                i += 1
                break
            if c == "\n":
                fail(n, "newline in a label value")
            val.append(c)
            i += 1
        if name in [k for k, _ in out]:
            fail(n, "label %s repeated" % name)
        out.append((name, "".join(val)))
        if i < len(s):
            if s[i] != ",":
                fail(n, "expected , after label %s" % name)
            i += 1
    return out


def main():
    text = sys.stdin.read()
    if not text:
        fail(0, "empty exposition")
    if not text.endswith("\n"):
        fail(text.count("\n") + 1, "no trailing newline")
    types, helps, seen, current = {}, set(), set(), None
    out = []
    for n, line in enumerate(text[:-1].split("\n"), 1):
        if line == "":
            fail(n, "empty line")
        if line.startswith("#"):
            m = re.match(r"# (HELP|TYPE) (" + NAME + r") (.*)$", line)
            if not m:
                if re.match(r"# (HELP|TYPE)\b", line):
                    fail(n, "malformed %s line" % line.split()[1])
                continue  # a plain comment
            kind, name, rest = m.groups()
            if kind == "HELP":
                if name in helps:
                    fail(n, "HELP for %s given twice" % name)
                helps.add(name)
            else:
                if rest not in TYPES:
                    fail(n, "unknown type %r" % rest)
                if name in types:
                    fail(n, "TYPE for %s given twice" % name)
                types[name] = rest
                current = name
            continue
        m = re.match(r"(" + NAME + r")(\{(.*)\})? (\S+)( -?[0-9]+)?$", line)
        if not m:
            fail(n, "malformed sample %r" % line)
        name, _, labels, value, _ts = m.groups()
        if current is None or name != current:
            fail(n, "sample %s is not of the family of the last TYPE (%s)"
                 % (name, current))
        try:
            v = float(value)
        except ValueError:
            fail(n, "bad value %r" % value)
        lab = sorted(parse_labels(n, labels)) if labels else []
        if types[name] == "counter":
            if not name.endswith("_total"):
                fail(n, "counter %s does not end in _total" % name)
            if not math.isfinite(v) or v < 0:
                fail(n, "counter %s has value %s" % (name, value))
        key = (name, tuple(lab))
        if key in seen:
            fail(n, "sample %s%s given twice" % (name, lab))
        seen.add(key)
        out.append("%s{%s} %s" % (name, ",".join('%s="%s"' % kv for kv in lab),
                                  value))
    for name in types:
        if name not in helps:
            fail(0, "no HELP for %s" % name)
    print("\n".join(out))


main()
