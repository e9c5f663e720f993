#!/usr/bin/env python3
"""The pool tracking, special pool and I/O verification scenarios under /standard.

    check_standard.py DRVSIM      TAP, two lines per scenario, then one for the list

Options interact: a check that works under its own flag must keep working
when the other options of /standard are on with it (pool tracking with
special pool above all: a leak in special pool is still a leak). So every
scenario of scenarios/pool_tracking, scenarios/special_pool and
scenarios/io, and every scenario anywhere that ends in a leak at unload
(0xC4/0x62, found by running them all), runs twice more:

    --verifier "/standard /driver D..."   and   --verifier "/flags F /driver D..."

where F is its family's own flag (0x8 pool tracking, 0x1 special pool, 0x10
I/O verification; 0x8 for a leak) and D the drivers its own settings verify
(those with a verified load in its own run's counters; a scenario that
verifies none, a GFlags one, gets all its drivers). Each run must match the
scenario's own `expect`, except where STANDARD_CHANGES or FLAG_CHANGES below
say the outcome legitimately differs, and why; there the run must give
exactly the outcome listed. A leak scenario must give 0xC4/0x62 under
/standard, with no exception. An entry of the lists that no run uses fails
the last line, so the lists stay true.
"""

import json
import os
import subprocess
import sys

FAMILIES = (("scenarios/pool_tracking", 0x8), ("scenarios/special_pool", 0x1),
            ("scenarios/io", 0x10))
LEAK_FLAG = 0x8
LEAK_RULE = "pool_leak_on_unload"

# Scenarios whose outcome /standard changes, with the outcome it gives (a
# rule, "clean", or "error: TEXT" for a scenario error whose message holds
# TEXT, the scenario's own assert) and why. Keep each reason true.
STANDARD_CHANGES = {
    # The scenario asserts its two blocks are back to back in one pool page
    # (the layout a header overrun needs); special pool puts each on a page
    # of its own, so the scenario's own assert fails in DriverEntry.
    "scenarios/pool_tracking/pool_header_damaged_tracked.lua": "driver_exception",
    "scenarios/pool_tracking/pool_header_damaged_tracked_clean.lua": "driver_exception",
    # The overrun stays in the block's slack: with special pool on, the
    # slack is special pool's pattern, checked at free first (0xC1 P4 0x24)
    # before pool tracking looks (0xC4/0x51).
    "scenarios/pool_tracking/pool_overrun_tracked.lua": "special_pool_overrun_slack",
}

# The special pool scenarios of GFlags (`gflags = "+spp ..."`) are about
# which allocations GFlags selects, or about a driver Driver Verifier does
# not verify. Under /standard and under /flags 0x1 alike:
SPECIAL_POOL_OF_THE_VERIFIER = {
    # Driver Verifier's own special pool takes every allocation of the
    # verified driver below a page, not only GFlags' tags or size class:
    # the scenario's own count of its special pool allocations fails.
    "scenarios/special_pool/gflags_tag_wildcard_clean.lua": "error: :32: assertion failed",
    "scenarios/special_pool/size_class_x64_0x20_clean.lua": "error: special: 3 of 3",
    "scenarios/special_pool/size_class_x64_0x30_clean.lua": "error: special: 5 of 5",
    "scenarios/special_pool/size_class_x64_0xFF0_clean.lua": "error: special: 3 of 4",
    "scenarios/special_pool/size_class_x86_0x10_clean.lua": "error: special: 3 of 3",
    "scenarios/special_pool/size_class_x86_0x18_clean.lua": "error: special: 4 of 4",
    "scenarios/special_pool/size_class_x86_0xFF8_clean.lua": "error: special: 3 of 4",
    # The driver, unverified in the scenario, is verified here: the
    # verifier's automatic checks of the call come before special pool's
    # own (its IRQL checks 0xC1/0x30 and 0x31, its bad free 0xC1/0x20), so
    # the same bug is reported as the automatic check's 0xC4 (C4's table:
    # 0x1 paged pool above APC_LEVEL, 0x11 its free, 0x13 a double free).
    "scenarios/special_pool/special_pool_alloc_bad_irql.lua": "pool_paged_above_apc",
    "scenarios/special_pool/special_pool_free_bad_irql.lua": "pool_free_paged_above_apc",
    "scenarios/special_pool/special_pool_free_unallocated.lua": "pool_double_free",
}
STANDARD_CHANGES.update(SPECIAL_POOL_OF_THE_VERIFIER)
# DDI compliance checking (0x20000, part of /standard) checks a DDI's IRQL
# on the call's entry, before the automatic checks and I/O verification look
# at it, as on Windows (the debugging page's example: an allocation above
# DISPATCH_LEVEL reported as IrqlExAllocatePool, 0x20004). These scenarios
# verify with /standard minus 0x20000 to show the other option's check.
STANDARD_CHANGES.update({
    # KeAcquireSpinLock above DISPATCH_LEVEL (in an ISR): IrqlKeDispatchLte.
    "scenarios/io/io_call_above_dispatch.lua": "IrqlKeDispatchLte",
    # A dispatch routine returns at another IRQL: IrqlReturn, at its return.
    "scenarios/io/io_dispatch_irql_changed.lua": "IrqlReturn",
    # Paged pool at DISPATCH_LEVEL: IrqlExAllocatePool.
    "scenarios/special_pool/special_pool_alloc_bad_irql.lua": "IrqlExAllocatePool",
})

# Scenarios whose outcome their family's single flag changes (they need
# another option of /standard, or none of them), the outcome, and why.
FLAG_CHANGES = dict(SPECIAL_POOL_OF_THE_VERIFIER)
FLAG_CHANGES.update({
    # Pool tracking of blocks in special pool: the scenario counts its
    # special pool allocations, which pool tracking alone does not make.
    "scenarios/pool_tracking/standard_leak.lua": "error: both small blocks in special pool",
    "scenarios/pool_tracking/standard_leak_clean.lua": "error: both small blocks in special pool",
    # Special pool's counters with pool tracking's: under special pool
    # alone nothing is tracked, and UnTrackedPool "will always be zero if
    # Pool Tracking is not active" (monitoring-global-counters.md).
    "scenarios/special_pool/counters_page_or_more_clean.lua":
        "error: the frame is not tracked, only counted",
})


def scenarios_under(top):
    found = []
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d != "drivers" and not d.startswith((".", "_")))
        found += [os.path.join(root, f) for f in sorted(files)
                  if f.endswith(".lua") and not f.startswith((".", "_"))]
    return sorted(found)


def run(drvsim, path, verifier=None):
    cmd = [drvsim, "run", path, "--json", "-", "--quiet"]
    if verifier is not None:
        cmd += ["--verifier", verifier]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    try:
        return json.loads(out.stdout)
    except json.JSONDecodeError:
        return {"outcome": "error", "message": "exit %d: %s" % (out.returncode,
                                                              out.stderr.strip()[:200])}


def outcome_of(result):
    """The rule that stopped the run, or its outcome ("clean", "timeout")."""
    if result.get("outcome") == "bugcheck":
        return (result.get("bugcheck") or {}).get("rule") or "bugcheck"
    return result.get("outcome")


def matches(result, want):
    """Whether a run gave the outcome a list entry names."""
    if want.startswith("error: "):
        return result.get("outcome") == "error" and want[7:] in (result.get("message") or "")
    return outcome_of(result) == want


def is_leak(result):
    bugcheck = result.get("bugcheck") or {}
    params = bugcheck.get("params") or [None]
    return result.get("outcome") == "bugcheck" and bugcheck.get("code") == 0xC4 and \
        params[0] == 0x62


def verified_drivers(result):
    """The drivers the scenario's own settings verify: a verified load is
    counted in Loads. None verified (GFlags alone): every driver."""
    drivers = (result.get("counters") or {}).get("drivers") or {}
    verified = [name for name, c in drivers.items() if c.get("Loads", 0) > 0]
    return verified or list(drivers)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    drvsim = sys.argv[1]
    flag_of = {}
    for top, flag in FAMILIES:
        for path in scenarios_under(top):
            flag_of[path] = flag
    own = {}
    for path in scenarios_under("scenarios"):
        result = run(drvsim, path)
        if path in flag_of or outcome_of(result) == LEAK_RULE:
            own[path] = result
            flag_of.setdefault(path, LEAK_FLAG)
    paths = sorted(own)
    print("1..%d" % (2 * len(paths) + 1))
    n = failed = 0
    used = set()
    for path in paths:
        base = own[path]
        leak = outcome_of(base) == LEAK_RULE
        drivers = verified_drivers(base)
        modes = (("/standard", STANDARD_CHANGES), ("/flags 0x%X" % flag_of[path], FLAG_CHANGES))
        for mode, changes in modes:
            n += 1
            verifier = "%s /driver %s" % (mode, " ".join(drivers))
            problem = None
            if base.get("outcome") == "error" or not drivers:
                problem = "its own run: %s" % (base.get("message") or "no drivers")
            else:
                result = run(drvsim, path, verifier)
                got = outcome_of(result)
                if got == "error":
                    got = "error: %s" % result.get("message")
                if path in changes:
                    used.add((mode == "/standard", path))
                    if leak and mode == "/standard":
                        problem = "a leak scenario cannot be excused under /standard"
                    elif not matches(result, changes[path]):
                        problem = "gave %s, the list says %s" % (got, changes[path])
                elif leak and mode == "/standard" and not is_leak(result):
                    problem = "a leak, gave %s instead of 0xC4/0x62" % got
                elif not result.get("expected"):
                    problem = "gave %s, not its expect (%s)" % (
                        got, result.get("message") or outcome_of(base))
            if problem is None:
                print("ok %d - %s under %s" % (n, path, verifier))
            else:
                failed += 1
                print("not ok %d - %s under %s: %s" % (n, path, verifier, problem))
    n += 1
    stale = [("/standard" if std else "flag", p)
             for std, changes in ((True, STANDARD_CHANGES), (False, FLAG_CHANGES))
             for p in changes if (std, p) not in used]
    if stale:
        failed += 1
        print("not ok %d - entries no run uses: %s" % (n, ", ".join("%s %s" % s for s in stale)))
    else:
        print("ok %d - every listed change is used" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
