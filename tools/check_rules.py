#!/usr/bin/env python3
"""Every rule in the catalogue has a scenario that triggers it and a clean twin.

    check_rules.py DRVSIM      TAP, two lines per rule

For rule ID, scenarios/<group>/ID.lua must end in a bug check naming ID, and
scenarios/<group>/ID_clean.lua must run clean. A warning (its "warning"
true: reported, and the run goes on) instead runs clean with ID among its
"warnings", and its clean twin runs clean without it. The catalogue comes from
`drvsim rules --json`, the one table it is printed from, so a new rule
without its scenarios fails here.

A DDI compliance rule (its option one of OPTION_OFF's) is checked a third
time: its trigger, run with every driver verified under the settings in
OPTION_OFF (the rest of /standard, without the rule's option), must not
raise it: a rule raises only when its option is on.
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


# The DDI compliance options, and settings without each: /standard without
# 0x20000 (0x209BB - 0x20000); /standard alone for the others, which it
# does not include (0x80000, /ruleclasses 35, drvsim's /sdv and /races).
OPTION_OFF = {
    0x20000: "/flags 0x9BB /all",
    0x80000: "/standard /all",
    0x40000000: "/standard /all",
    0x80000000: "/standard /all",
    0x20000000: "/standard /all",  # drvsim's /races: off under /standard
}


def run(drvsim, path, verifier=None):
    extra = ["--verifier", verifier] if verifier is not None else []
    out = subprocess.run([drvsim, "run", path, "--json", "-", "--quiet"] + extra,
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
    print("1..%d" % (2 * len(rules) + sum(r["option"] in OPTION_OFF for r in rules)))
    n = failed = 0
    for rule in rules:
        rid = rule["id"]
        if rule["option"] in OPTION_OFF:
            n += 1
            path = find(rid + ".lua")
            verifier = OPTION_OFF[rule["option"]]
            result = run(drvsim, path, verifier) if path is not None else {}
            got = (result.get("bugcheck") or {}).get("rule")
            if path is not None and result.get("outcome") is not None and got != rid:
                print("ok %d - %s: not raised under %s" % (n, rid, verifier))
            else:
                failed += 1
                print("not ok %d - %s: %s raised it under %s" % (n, rid, path, verifier))
        for name, want_clean in ((rid + ".lua", False), (rid + "_clean.lua", True)):
            n += 1
            path = find(name)
            if path is None:
                failed += 1
                print("not ok %d - %s: no scenarios/**/%s" % (n, rid, name))
                continue
            result = run(drvsim, path)
            warned = [w.get("rule") for w in result.get("warnings") or []]
            if rule.get("warning"):
                good = result.get("outcome") == "clean" and (rid in warned) != want_clean
                got = "%s, warnings %s" % (result.get("outcome"), warned)
            elif want_clean:
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
