#!/usr/bin/env python3
"""Every rule in the catalogue has a scenario that triggers it and a clean twin.

    check_rules.py DRVSIM      TAP, two lines per rule

For rule ID, scenarios/<group>/ID.lua must end in a bug check naming ID, and
scenarios/<group>/ID_clean.lua must run clean. The catalogue comes from
`drvsim rules --json`, the one table it is printed from, so a new rule
without its scenarios fails here.
"""

import json
import os
import subprocess
import sys


def find(name):
    for top, dirs, files in os.walk("scenarios"):
        dirs.sort()
        if name in files:
            return os.path.join(top, name)
    return None


def run(drvsim, path):
    out = subprocess.run([drvsim, "run", path, "--json", "-", "--quiet"],
                         capture_output=True, text=True, timeout=300)
    try:
        return json.loads(out.stdout)
    except json.JSONDecodeError:
        return {"outcome": "error(exit %d)" % out.returncode}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    drvsim = sys.argv[1]
    rules = json.loads(subprocess.run([drvsim, "rules", "--json"], capture_output=True,
                                      text=True, check=True).stdout)
    print("1..%d" % (2 * len(rules)))
    n = failed = 0
    for rule in rules:
        rid = rule["id"]
        for name, want_clean in ((rid + ".lua", False), (rid + "_clean.lua", True)):
            n += 1
            path = find(name)
            if path is None:
                failed += 1
                print("not ok %d - %s: no scenarios/**/%s" % (n, rid, name))
                continue
            result = run(drvsim, path)
            if want_clean:
                good = result.get("outcome") == "clean"
                got = result.get("outcome")
            else:
                bugcheck = result.get("bugcheck") or {}
                good = result.get("outcome") == "bugcheck" and bugcheck.get("rule") == rid
                got = "%s %s" % (result.get("outcome"), bugcheck.get("rule"))
            if good:
                print("ok %d - %s: %s" % (n, rid, path))
            else:
                failed += 1
                print("not ok %d - %s: %s gave %s" % (n, rid, path, got))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
