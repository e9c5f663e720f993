#!/usr/bin/env python3
"""Golden digests: every scenario's digest, pinned.

    golden.py check DRVSIM [GOLDEN]   TAP: one line per scenario and seed
    golden.py write DRVSIM [GOLDEN]   rewrites the file (make golden)

A digest changes when the trace changes. That is sometimes intended (a new
record, a model that behaves more like Windows): then `make golden` rewrites
tests/golden/digests.txt and the commit says why. Unintended, it is a
determinism or behaviour regression, which is what this check catches,
including between build types (CI runs it against a second, sanitized build).

The file's second line is "# trace-format N": the trace format the digests
were pinned under, DRVSIM_TRACE_FORMAT (include/drvsim/drvsim.h), which
`drvsim --version` and every JSON output print. `check` fails when the two
differ; `write` refuses to rewrite a pinned digest unless the binary's number
is higher than the file's (bump DRVSIM_TRACE_FORMAT with the change), and
refuses a higher number when no pinned digest changed: the number changes
exactly when digests do, so a digest pinned elsewhere is trusted under its
number and knowingly re-pinned under the next.
"""

import re

import json
import os
import subprocess
import sys

SEEDS = ("", "7")  # the scenario's own seed, and one other


def scenarios(root="scenarios"):
    found = []
    for top, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")) and d != "drivers")
        for f in sorted(files):
            if f.endswith(".lua") and not f.startswith((".", "_")):
                found.append(os.path.join(top, f))
    return sorted(found)


def digest(drvsim, path, seed):
    cmd = [drvsim, "run", path, "--json", "-", "--quiet"]
    if seed:
        cmd += ["--seed", seed]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    try:
        result = json.loads(out.stdout)
    except json.JSONDecodeError:
        return "error(exit %d)" % out.returncode
    return "%s %s" % (result["outcome"], result["digest"])


HEADER = "# scenario seed outcome digest (make golden rewrites this file)\n"
FORMAT = re.compile(r"^# trace-format (\d+)$")


def binary_format(drvsim):
    out = subprocess.run([drvsim, "--version"], capture_output=True, text=True, timeout=60).stdout
    m = re.search(r"^trace format (\d+)$", out, re.M)
    return int(m.group(1)) if m else None


def read_golden(golden):
    pinned, fmt = {}, None
    with open(golden, encoding="utf-8") as f:
        for line in f:
            m = FORMAT.match(line.rstrip("\n"))
            if m:
                fmt = int(m.group(1))
            if line.startswith("#") or not line.strip():
                continue
            p, s, rest = line.rstrip("\n").split(" ", 2)
            pinned[(p, s)] = rest
    return pinned, fmt


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in ("check", "write"):
        sys.exit(__doc__)
    mode, drvsim = sys.argv[1], sys.argv[2]
    golden = sys.argv[3] if len(sys.argv) == 4 else "tests/golden/digests.txt"
    rows = [(p, s or "-", digest(drvsim, p, s)) for p in scenarios() for s in SEEDS]
    fmt = binary_format(drvsim)
    pinned, pinned_fmt = read_golden(golden) if os.path.exists(golden) else ({}, None)
    if mode == "write":
        moved = sorted((p, s) for p, s, d in rows if (p, s) in pinned and pinned[(p, s)] != d)
        if fmt is None:
            sys.exit("golden.py: %s --version prints no trace format" % drvsim)
        if moved and pinned_fmt is not None and fmt <= pinned_fmt:
            sys.exit("golden.py: %d pinned digests change (%s, ...): bump DRVSIM_TRACE_FORMAT "
                     "in include/drvsim/drvsim.h past %d first" % (len(moved), " ".join(moved[0]),
                                                                  pinned_fmt))
        if not moved and pinned_fmt is not None and fmt != pinned_fmt:
            sys.exit("golden.py: no pinned digest changes, yet the binary's trace format is %d "
                     "and the file's %d: the number changes exactly when digests do" %
                     (fmt, pinned_fmt))
        with open(golden, "w", encoding="utf-8") as f:
            f.write(HEADER)
            f.write("# trace-format %d\n" % fmt)
            for p, s, d in rows:
                f.write("%s %s %s\n" % (p, s, d))
        return 0
    rows.insert(0, ("trace-format", "-", fmt))
    pinned[("trace-format", "-")] = pinned_fmt
    print("1..%d" % len(rows))
    failed = 0
    for i, (p, s, d) in enumerate(rows, 1):
        want = pinned.get((p, s))
        if p == "trace-format" and want == d:
            print("ok %d - trace format %s: the binary's and the golden file's" % (i, d))
        elif p == "trace-format":
            failed += 1
            print("not ok %d - trace format: the binary's is %s, the golden file's %s "
                  "(DRVSIM_TRACE_FORMAT and tests/golden/digests.txt)" % (i, d, want))
        elif want == d:
            print("ok %d - %s seed %s" % (i, p, s))
        else:
            failed += 1
            print("not ok %d - %s seed %s: %s, golden %s" % (i, p, s, d, want or "missing"))
    if failed:
        print("# %d digests differ: if the change is intended, run `make golden`" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
