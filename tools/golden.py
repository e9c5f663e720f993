#!/usr/bin/env python3
"""Golden digests: every scenario's digest, pinned.

    golden.py check DRVSIM [GOLDEN]   TAP: one line per scenario and seed
    golden.py write DRVSIM [GOLDEN]   rewrites the file (make golden)

A digest changes when the trace changes. That is sometimes intended (a new
record, a model that behaves more like Windows): then `make golden` rewrites
tests/golden/digests.txt and the commit says why. Unintended, it is a
determinism or behaviour regression, which is what this check catches,
including between build types (CI runs it against a second, sanitized build).
"""

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


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in ("check", "write"):
        sys.exit(__doc__)
    mode, drvsim = sys.argv[1], sys.argv[2]
    golden = sys.argv[3] if len(sys.argv) == 4 else "tests/golden/digests.txt"
    rows = [(p, s or "-", digest(drvsim, p, s)) for p in scenarios() for s in SEEDS]
    if mode == "write":
        with open(golden, "w", encoding="utf-8") as f:
            f.write("# scenario seed outcome digest (make golden rewrites this file)\n")
            for p, s, d in rows:
                f.write("%s %s %s\n" % (p, s, d))
        return 0
    pinned = {}
    with open(golden, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            p, s, rest = line.rstrip("\n").split(" ", 2)
            pinned[(p, s)] = rest
    print("1..%d" % len(rows))
    failed = 0
    for i, (p, s, d) in enumerate(rows, 1):
        want = pinned.get((p, s))
        if want == d:
            print("ok %d - %s seed %s" % (i, p, s))
        else:
            failed += 1
            print("not ok %d - %s seed %s: %s, golden %s" % (i, p, s, d, want or "missing"))
    if failed:
        print("# %d digests differ: if the change is intended, run `make golden`" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
