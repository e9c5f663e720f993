#!/usr/bin/env python3
"""Prints the closing line of `make test`: "N passed, N failed".

Reads meson's test log (one JSON object per test). Every registered test
speaks TAP, so each "ok" / "not ok" line of its output is one test case: the
count is of cases (Criterion tests, scenario runs, CLI checks), not of test
programs. A program that failed without TAP output (a crash, a timeout)
counts as one failure.
"""

import json
import re
import sys

OK = re.compile(r"^ok\b")
NOT_OK = re.compile(r"^not ok\b")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: test_summary.py build/meson-logs/testlog.json")
    passed = failed = 0
    failures = []
    with open(sys.argv[1], encoding="utf-8") as log:
        for line in log:
            test = json.loads(line)
            out = test.get("stdout") or ""
            ok = sum(1 for l in out.splitlines() if OK.match(l))
            bad = sum(1 for l in out.splitlines() if NOT_OK.match(l))
            if test.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP") and bad == 0:
                bad = 1
            passed += ok
            failed += bad
            if bad:
                failures.append(test.get("name", "?"))
    if failures:
        print("failing test programs: " + ", ".join(failures))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
