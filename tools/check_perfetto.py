#!/usr/bin/env python3
"""drvsim run --perfetto: the Trace Event Format's rules, on a real race.

    check_perfetto.py DRVSIM

Writes the timeline of scenarios/races/dpc_list_race.lua at its failing
seed (the scenario's own, 81: 0x139) and checks it against the rules of
Google's Trace Event Format, which Perfetto's and chrome://tracing's JSON
importers follow:
  - a JSON object whose traceEvents is a list of events, each with a known
    phase (ph), integer pid and tid, and a numeric ts >= 0;
  - B and E events nest per track (pid, tid) in time order, every B ended
    (and an E that names its slice names the B it ends);
  - counter events (C) name a counter and carry numeric args;
  - flow events (s, f) come in pairs of one id, cat and name, start first;
  - instant events (i) have a scope s of g, p or t;
  - metadata (M) names every process and every thread an event uses.
Then what the timeline must show: both processors' IRQL (PASSIVE_LEVEL and
DISPATCH_LEVEL seen), the racing DPC (DPC netq.sys!DeferredRoutine on CPU 1)
and thread (netq.sys!SystemThread), the flows, the bug check with its
parameters, scenario lines in slice args; and two runs give the same bytes,
with the digest of a run without --perfetto. Also `sweep --perfetto` and
`test --perfetto-dir` (a failing seed's timeline). TAP output.
"""

import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIO = "scenarios/races/dpc_list_race.lua"
# A filter over a disk's device: IoCallDriver down the stack, a completion
# routine called by IoCompleteRequest.
IO_SCENARIO = "scenarios/io/io2_completion_not_marked_pending_clean.lua"
PHASES = set("BEXiIsCMftbneNODPR") | {"(", ")"}
RESULTS = []


def check(name, ok, why=""):
    RESULTS.append((name, bool(ok), why))


def trace_rules(doc):
    """The Trace Event Format's rules; returns a list of violations."""
    bad = []
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        return ["not an object with a traceEvents list"]
    events = doc["traceEvents"]
    stacks, last_ts, flows_s, flows_f = {}, {}, {}, []
    named_pid, named_tid, used = set(), set(), set()
    for n, e in enumerate(events):
        ph = e.get("ph")
        if ph not in PHASES:
            bad.append("event %d: phase %r" % (n, ph))
            continue
        if not isinstance(e.get("pid"), int) or not isinstance(e.get("tid"), int):
            bad.append("event %d: pid/tid not integers" % n)
            continue
        ts = e.get("ts")
        if not isinstance(ts, (int, float)) or ts < 0:
            bad.append("event %d: ts %r" % (n, ts))
            continue
        track = (e["pid"], e["tid"])
        if ph == "M":
            if e.get("name") == "process_name":
                named_pid.add(e["pid"])
            elif e.get("name") == "thread_name":
                named_tid.add(track)
            if not isinstance(e.get("args", {}).get("name", ""), str):
                bad.append("event %d: metadata name not a string" % n)
            continue
        used.add(track)
        if ts < last_ts.get(track, 0):
            bad.append("event %d: ts %s goes back on track %s" % (n, ts, track))
        last_ts[track] = ts
        if ph == "B":
            if not e.get("name"):
                bad.append("event %d: B without a name" % n)
            stacks.setdefault(track, []).append(e.get("name"))
        elif ph == "E":
            if not stacks.get(track):
                bad.append("event %d: E with no open B on %s" % (n, track))
            else:
                opened = stacks[track].pop()
                # Optional in the format; Chrome DevTools' loader wants the B's name.
                if "name" in e and e["name"] != opened:
                    bad.append("event %d: E %r ends B %r" % (n, e["name"], opened))
        elif ph == "C":
            args = e.get("args")
            if not e.get("name") or not isinstance(args, dict) or not args or not all(
                    isinstance(v, (int, float)) for v in args.values()):
                bad.append("event %d: counter %r args %r" % (n, e.get("name"), args))
        elif ph == "i":
            if e.get("s", "t") not in ("g", "p", "t"):
                bad.append("event %d: instant scope %r" % (n, e.get("s")))
        elif ph in ("s", "f"):
            key = e.get("id")
            if key is None:
                bad.append("event %d: flow without id" % n)
            elif ph == "s":
                if key in flows_s:
                    bad.append("event %d: flow id %s started twice" % (n, key))
                flows_s[key] = (e.get("cat"), e.get("name"), ts)
            else:
                flows_f.append((n, key, e.get("cat"), e.get("name"), ts))
    for track, stack in stacks.items():
        if stack:
            bad.append("track %s: %d slices never ended (%s)" % (track, len(stack), stack[-1]))
    for n, key, cat, name, ts in flows_f:
        start = flows_s.get(key)
        if start is None:
            bad.append("event %d: flow end %s without a start" % (n, key))
        elif start[:2] != (cat, name) or start[2] > ts:
            bad.append("event %d: flow %s ends as %r, started as %r" % (n, key, (cat, name), start))
    for pid, tid in used:
        if pid not in named_pid:
            bad.append("process %d has no process_name" % pid)
        if (pid, tid) not in named_tid:
            bad.append("thread %d/%d has no thread_name" % (pid, tid))
    return bad


def run(args):
    return subprocess.run(args, capture_output=True, text=True, timeout=600)


def main():
    drvsim = os.path.abspath(sys.argv[1])
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory(prefix="drvsim_perfetto.") as tmp:
        body(drvsim, tmp)
    print("1..%d" % len(RESULTS))
    failed = 0
    for i, (name, ok, why) in enumerate(RESULTS, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            failed += 1
            for line in str(why).splitlines()[:10]:
                print("# " + line)
    return 1 if failed else 0


def body(drvsim, tmp):
    a, b = os.path.join(tmp, "a.json"), os.path.join(tmp, "b.json")
    p = run([drvsim, "run", SCENARIO, "--perfetto", a, "--json", "-", "--quiet"])
    check("run --perfetto: the race at its failing seed, exit 0 (0x139 expected)",
          p.returncode == 0, p.stderr)
    digest = json.loads(p.stdout)["digest"]
    p2 = run([drvsim, "run", SCENARIO, "--perfetto", b, "--json", "-", "--quiet"])
    with open(a, "rb") as fa, open(b, "rb") as fb:
        check("run --perfetto: two runs give the same bytes", fa.read() == fb.read())
    p3 = run([drvsim, "run", SCENARIO, "--json", "-", "--quiet"])
    check("run --perfetto: the digest is the one without it",
          json.loads(p3.stdout)["digest"] == digest == json.loads(p2.stdout)["digest"])
    with open(a, encoding="utf-8") as f:
        doc = json.load(f)
    bad = trace_rules(doc)
    check("the Trace Event Format's rules hold (phases, B/E nesting per track, counters, "
          "flows, metadata)", not bad, "\n".join(bad[:10]))
    ev = doc["traceEvents"]
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in ev
             if e["ph"] == "M" and e["name"] == "thread_name"}
    procs = [e for e in ev if e["ph"] == "M" and e["name"] == "process_name"]
    check("one process, the machine, named by the scenario and seed",
          len(procs) == 1 and SCENARIO in procs[0]["args"]["name"]
          and "seed 81" in procs[0]["args"]["name"], procs)
    check("a track per processor", names.get((1, 1)) == "CPU 0" and names.get((1, 2)) == "CPU 1",
          names)
    irql = [{e["args"]["IRQL"] for e in ev if e["ph"] == "C" and e["name"] == "CPU %d IRQL" % cpu}
            for cpu in (0, 1)]
    check("both processors' IRQL as counters: CPU 0's thread at PASSIVE_LEVEL, CPU 1 at "
          "DISPATCH_LEVEL for the DPC", 0 in irql[0] and {0, 2} <= irql[1], irql)
    dpc = [e for e in ev if e["ph"] == "B" and e["name"] == "DPC netq.sys!DeferredRoutine"]
    check("the racing DPC: slices named by its routine on CPU 1's track",
          dpc and all(e["tid"] == 2 for e in dpc), len(dpc))
    thread = [e for e in ev if e["ph"] == "B" and e["name"] == "netq.sys!SystemThread"]
    check("the racing thread: its routine on its own thread track",
          thread and all(e["tid"] >= 1000 and names.get((1, e["tid"])) == "thread %d" %
                         (e["tid"] - 1000) for e in thread), thread[:1])
    execs = [e for e in ev if e["ph"] == "B" and e["tid"] in (1, 2)
             and e["name"].startswith("thread ")]
    check("thread executions as slices on the processors' tracks", len(execs) > 2, len(execs))
    calls = [e for e in ev if e["ph"] == "B" and e["name"] in ("InsertTailList", "RemoveHeadList")]
    check("DDI calls as slices, each with its scenario file:line",
          calls and all(":" in e["args"]["site"] and e["args"]["site"].split(":")[-1].isdigit()
                        for e in calls), calls[:1])
    check("every slice has a site argument",
          all("site" in e.get("args", {}) for e in ev if e["ph"] == "B"))
    flows = {e["name"] for e in ev if e["ph"] == "f"}
    check("flow arrows from a DPC's queueing (its timer) to its run", "DPC queued -> run" in flows,
          flows)
    counters = {e["name"] for e in ev if e["ph"] == "C"}
    check("pool and verifier counters",
          {"Pool of verified drivers (bytes)", "Special pool (allocations)",
           "Driver Verifier"} <= counters, counters)
    special = [e["args"]["special"] for e in ev if e["ph"] == "C"
               and e["name"] == "Special pool (allocations)"]
    check("the special pool counter moves (/standard puts each request there)",
          max(special) > 0, special[-3:])
    bc = [e for e in ev if e["ph"] == "i" and e["name"].startswith("bug check 0x139")]
    check("the bug check as an instant event with its parameters",
          len(bc) == 1 and bc[0]["args"]["P1"] == "0x0000000000000003"
          and bc[0]["args"]["driver"] == "netq.sys" and bc[0]["s"] == "g", bc)
    check("timestamps are simulated time (the bug check at the run's end, in microseconds)",
          bc and bc[0]["ts"] == max(e["ts"] for e in ev), bc[:1])

    # I/O flows: a scenario with IoCallDriver and a completion routine.
    io = os.path.join(tmp, "io.json")
    run([drvsim, "run", IO_SCENARIO, "--perfetto", io, "--quiet"])
    with open(io, encoding="utf-8") as f:
        doc = json.load(f)
    bad = trace_rules(doc)
    flows = {e["name"] for e in doc["traceEvents"] if e["ph"] == "f"}
    check("an I/O scenario: the rules hold, flows IoCallDriver -> dispatch and completion -> "
          "routine", not bad and {"IoCallDriver -> dispatch", "completion -> routine"} <= flows,
          "\n".join(bad[:5]) + " flows: %s" % flows)

    # sweep --perfetto and test --perfetto-dir: a failing seed's timeline.
    sw = os.path.join(tmp, "sweep.json")
    p = run([drvsim, "sweep", SCENARIO, "--seeds", "55..60", "--jsonl", os.path.join(tmp, "s.jsonl"),
             "--perfetto", sw])
    ok = os.path.exists(sw)
    if ok:
        with open(sw, encoding="utf-8") as f:
            sdoc = json.load(f)
        ok = not trace_rules(sdoc) and any("seed 58" in e["args"]["name"] for e in
                                           sdoc["traceEvents"] if e.get("name") == "process_name")
    check("sweep --perfetto PATH: the timeline of the first seed not as expected (58: 0xD5)",
          ok and "perfetto" in p.stderr, p.stderr)
    d = os.path.join(tmp, "pf")
    p = run([drvsim, "test", SCENARIO, "--seed", "58", "--perfetto-dir", d])
    files = sorted(os.listdir(d)) if os.path.isdir(d) else []
    check("test --perfetto-dir DIR: a timeline per failing scenario",
          p.returncode == 1 and files == ["scenarios_races_dpc_list_race.lua.json"], files)


if __name__ == "__main__":
    sys.exit(main())
