#!/usr/bin/env python3
"""Every clean twin stays clean on many seeds, not only on its own.

    check_twins.py DRVSIM [--seeds N] [--jobs J] [--filter TEXT]

A clean twin (scenarios/**/*_clean.lua) is the proof that a rule does not
fire on a correct driver. The suites run each twin at its own seed; a twin
that is clean there and stops on another seed is a false positive users
would meet in a sweep (six were found that way: a DPC still running at
unload, a completion routine outliving its driver, a counter overflowing).
This sweeps each twin over seeds 1..N (`drvsim sweep`, its own verifier
settings and expect) and prints TAP: one line per twin, with the seeds that
did not match and the command replaying the first, then "N passed, N
failed" over the twins.

--seeds N    seeds 1..N per twin (default 8; `make twins` uses 200)
--jobs J     worker processes per sweep (default 1; meson already runs the
             suites side by side)
--filter T   only twins whose path holds T
"""

import argparse
import json
import os
import subprocess
import sys


def twins(root):
    """The clean twins under root, sorted, skipping driver files and names
    that begin with . or _ (as `drvsim test` does)."""
    found = []
    for base, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "drivers" and not d.startswith((".", "_")))
        for name in files:
            if name.endswith("_clean.lua") and not name.startswith((".", "_")):
                found.append(os.path.join(base, name))
    return sorted(found)


def sweep(drvsim, path, seeds, jobs):
    """(failing [(seed, outcome, detail)], error text or None) of one twin."""
    cmd = [drvsim, "sweep", path, "--seeds", "1..%d" % seeds, "-j", str(jobs),
           "--jsonl", "-", "--heartbeat", "0"]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)
    failing = []
    lines = 0
    for line in proc.stdout.splitlines():
        try:
            run = json.loads(line)
        except ValueError:
            return [], "not a JSON line from drvsim sweep: %r" % line[:200]
        lines += 1
        if run.get("expected") is not True:
            check = run.get("bugcheck") or {}
            detail = check.get("rule") or run.get("message") or ""
            failing.append((run.get("seed"), run.get("outcome"), detail))
    if lines != seeds:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        return failing, "%d of %d seeds ran (exit %d): %s" % (lines, seeds, proc.returncode,
                                                               tail[0])
    return failing, None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("drvsim")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--filter", default="")
    args = parser.parse_args()
    if args.seeds < 1 or args.jobs < 1:
        sys.exit("check_twins.py: --seeds and --jobs must be at least 1")
    paths = [p for p in twins("scenarios") if args.filter in p]
    if not paths:
        sys.exit("check_twins.py: no clean twin under scenarios/ (run from the source root)")
    print("1..%d" % len(paths))
    passed = failed = 0
    for i, path in enumerate(paths, 1):
        failing, error = sweep(args.drvsim, path, args.seeds, args.jobs)
        if error is None and not failing:
            passed += 1
            print("ok %d - %s: clean on seeds 1..%d" % (i, path, args.seeds))
            continue
        failed += 1
        what = error or "%d of %d seeds not clean" % (len(failing), args.seeds)
        print("not ok %d - %s: %s" % (i, path, what))
        for seed, outcome, detail in failing[:5]:
            print("# seed %s: %s %s" % (seed, outcome, detail))
        if failing:
            print("# replay: %s run %s --seed %s" % (args.drvsim, path, failing[0][0]))
    print("# %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
