#!/usr/bin/env python3
"""CI formats that validate: SARIF and JUnit against their schemas, and the
options CI uses (test --filter, --seed, --verifier; sweep --until-fail,
--for, --heartbeat).

    check_formats.py DRVSIM

The schemas are read where they are kept, ../shared/schemas/ beside the
checkout (sarif-schema-2.1.0.json, the OASIS SARIF 2.1.0 schema; junit-10.xsd,
the Jenkins xUnit plugin's JUnit schema), never copied into the project.
SARIF is validated with Debian's python3-jsonschema, JUnit with xmllint
(libxml2-utils); `make deps` installs both. Without ../shared the schema
checks are skipped; without a validator they fail, saying what to install.

TAP output. Runs from the repository root.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMAS = os.path.join(ROOT, "..", "shared", "schemas")
SARIF_SCHEMA = os.path.join(SCHEMAS, "sarif-schema-2.1.0.json")
JUNIT_SCHEMA = os.path.join(SCHEMAS, "junit-10.xsd")
DEBIAN_PYTHON = "/usr/bin/python3"

try:
    import jsonschema  # Debian's python3-jsonschema
except ImportError:
    jsonschema = None
    # Debian's packages are for Debian's interpreter: run under it when this
    # one (a pyenv, a venv) does not see them.
    if os.path.exists(DEBIAN_PYTHON) and os.path.realpath(sys.executable) != os.path.realpath(
            DEBIAN_PYTHON) and not os.environ.get("DRVSIM_FORMATS_REEXEC"):
        os.environ["DRVSIM_FORMATS_REEXEC"] = "1"
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON] + sys.argv)

RESULTS = []


def check(name, ok, why=""):
    RESULTS.append((name, bool(ok), why))


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=600, **kw)


def validate_sarif(path):
    """None when valid, else why not."""
    if jsonschema is None:
        return "python3-jsonschema is not installed (make deps installs it)"
    with open(SARIF_SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(doc), key=str)
    return "; ".join(e.message for e in errors[:3]) or None


def validate_junit(path):
    xmllint = shutil.which("xmllint")
    if xmllint is None:
        return "xmllint is not installed (libxml2-utils; make deps installs it)"
    p = run([xmllint, "--noout", "--schema", JUNIT_SCHEMA, path])
    return None if p.returncode == 0 else (p.stderr.strip() or "xmllint exit %d" % p.returncode)


def main():
    drvsim = os.path.abspath(sys.argv[1])
    os.chdir(ROOT)
    tmp = tempfile.mkdtemp(prefix="drvsim_formats.")
    have_schemas = os.path.exists(SARIF_SCHEMA) and os.path.exists(JUNIT_SCHEMA)
    try:
        body(drvsim, tmp, have_schemas)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % len(RESULTS))
    failed = 0
    for i, (name, ok, why) in enumerate(RESULTS, 1):
        if ok == "skip":
            print("ok %d - %s # SKIP %s" % (i, name, why))
        elif ok:
            print("ok %d - %s" % (i, name))
        else:
            failed += 1
            print("not ok %d - %s" % (i, name))
            for line in str(why).splitlines()[:8]:
                print("# " + line)
    return 1 if failed else 0


def body(drvsim, tmp, have_schemas):
    # A suite with every kind of result: a pass, an expectation not met, a
    # bug check nobody expected (with DbgPrint output), a scenario error.
    suite = os.path.join(tmp, "suite")
    os.makedirs(suite)
    fixtures = "tests/cli/fixtures"
    with open("scenarios/demo/leak_on_unload.lua", encoding="utf-8") as f:
        leak = f.read()
    leak = re.sub(r"\n\s*expect\s*=.*\n", "\n", leak)
    leak = leak.replace("return STATUS_SUCCESS", 'DbgPrint("leaky: <loaded> & \\"ready\\"\\n")\n'
                        "    return STATUS_SUCCESS", 1)
    with open(os.path.join(suite, "leak.lua"), "w", encoding="utf-8") as f:
        f.write(leak)

    junit = os.path.join(tmp, "junit.xml")
    sarif = os.path.join(tmp, "test.sarif")
    paths = [os.path.join(fixtures, "suite"), os.path.join(fixtures, "runtime_error.lua"), suite]
    p = run([drvsim, "test", *paths, "--junit", junit, "--sarif", sarif])
    check("test --junit --sarif: exit 1 (failures)", p.returncode == 1, p.stderr)

    # JUnit
    if have_schemas:
        why = validate_junit(junit)
        check("test --junit: valid against junit-10.xsd (Jenkins)", why is None, why)
    else:
        check("test --junit: valid against junit-10.xsd", "skip", "no ../shared/schemas")
    import xml.dom.minidom
    d = xml.dom.minidom.parse(junit)
    cases = {c.getAttribute("name"): c for c in d.getElementsByTagName("testcase")}
    suite_el = d.getElementsByTagName("testsuite")[0]
    check("test --junit: 4 cases, 2 failures, 1 error",
          len(cases) == 4 and suite_el.getAttribute("failures") == "2"
          and suite_el.getAttribute("errors") == "1", suite_el.toxml()[:300])
    err = cases["runtime_error.lua"].getElementsByTagName("error")
    check("test --junit: a scenario error is an <error>", len(err) == 1
          and err[0].getAttribute("type") == "scenario error", cases["runtime_error.lua"].toxml())
    fail = cases["leak.lua"].getElementsByTagName("failure")
    check("test --junit: a bug check is a <failure> typed by its name",
          len(fail) == 1 and fail[0].getAttribute("type") == "DRIVER_VERIFIER_DETECTED_VIOLATION",
          cases["leak.lua"].toxml()[:400])
    text = fail[0].firstChild.data if fail and fail[0].firstChild else ""
    check("test --junit: the failure names the scenario file and line, and the replay",
          re.search(r"scenario \S+/leak\.lua, at \S+/leak\.lua:\d+", text)
          and "replay: drvsim run" in text, text[:300])
    out = cases["leak.lua"].getElementsByTagName("system-out")
    check("test --junit: DbgPrint output in <system-out>",
          len(out) == 1 and 'leaky: <loaded> & "ready"' in out[0].firstChild.data,
          cases["leak.lua"].toxml()[-300:])
    times = [c.getAttribute("time") for c in cases.values()]
    check("test --junit: times are simulated seconds", cases["leak.lua"].getAttribute("time")
          == "10.000", times)
    junit2 = os.path.join(tmp, "junit2.xml")
    run([drvsim, "test", *paths, "--junit", junit2])
    with open(junit, "rb") as a, open(junit2, "rb") as b:
        check("test --junit: the same bytes twice", a.read() == b.read())
    junit_host = os.path.join(tmp, "junit_host.xml")
    run([drvsim, "test", *paths, "--junit", junit_host, "--junit-host-time"])
    dh = xml.dom.minidom.parse(junit_host)
    host_times = [c.getAttribute("time") for c in dh.getElementsByTagName("testcase")]
    check("test --junit-host-time: wall times, not the simulated ones",
          "10.000" not in host_times and all(re.fullmatch(r"\d+\.\d{3}", t) for t in host_times),
          host_times)
    if have_schemas:
        why = validate_junit(junit_host)
        check("test --junit-host-time: still valid", why is None, why)

    # SARIF from test
    if have_schemas:
        why = validate_sarif(sarif)
        check("test --sarif: valid against the SARIF 2.1.0 schema", why is None, why)
    else:
        check("test --sarif: valid against the SARIF 2.1.0 schema", "skip", "no ../shared/schemas")
    with open(sarif, encoding="utf-8") as f:
        log = json.load(f)
    run0 = log["runs"][0]
    results = run0["results"]
    check("test --sarif: version 2.1.0, tool drvsim with its version",
          log["version"] == "2.1.0" and run0["tool"]["driver"]["name"] == "drvsim"
          and run0["tool"]["driver"]["version"], json.dumps(run0["tool"])[:200])
    check("test --sarif: one result per failing scenario (3)", len(results) == 3,
          [r["ruleId"] for r in results])
    by_rule = {r["ruleId"]: r for r in results}
    leak_r = by_rule.get("pool_leak_on_unload")
    rule_ids = [r["id"] for r in run0["tool"]["driver"]["rules"]]
    check("test --sarif: the bug check's result has its catalogue rule id and ruleIndex",
          leak_r is not None and rule_ids[leak_r["ruleIndex"]] == "pool_leak_on_unload",
          rule_ids)
    if leak_r is not None:
        loc = leak_r["locations"][0]["physicalLocation"]
        check("test --sarif: its location is the scenario line of the bug check",
              loc["artifactLocation"]["uri"].endswith("/leak.lua") and loc["region"]["startLine"]
              > 1, loc)
        check("test --sarif: its message and properties carry the replay command",
              "Replay: drvsim run " in leak_r["message"]["text"]
              and leak_r["properties"]["replay"].startswith("drvsim run "), leak_r["message"])
    err_r = by_rule.get("drvsim.scenario-error")
    check("test --sarif: a scenario error is located at the line of its Lua error",
          err_r is not None and err_r["locations"][0]["physicalLocation"]["region"]["startLine"]
          == 6, err_r)
    check("test --sarif: an expectation not met is drvsim.expectation",
          "drvsim.expectation" in by_rule, list(by_rule))

    # test --filter, --seed, --verifier
    p = run([drvsim, "test", "scenarios/demo", "--filter", "leak"])
    lines = [l for l in p.stdout.splitlines() if l.startswith(("PASS", "FAIL"))]
    check("test --filter SUBSTRING: only the matching scenarios",
          lines and all("leak" in l for l in lines) and p.returncode == 0, p.stdout)
    p = run([drvsim, "test", "scenarios", "--filter", "scenarios/demo/*_unload.lua",
             "--filter", "*/races/dpc_list_race.lua"])
    lines = [l for l in p.stdout.splitlines() if l.startswith(("PASS", "FAIL"))]
    check("test --filter GLOB (twice): the scenarios matching either",
          len(lines) >= 2 and any("dpc_list_race.lua" in l for l in lines)
          and all(re.search(r"(_unload|dpc_list_race)\.lua", l) for l in lines), p.stdout)
    p = run([drvsim, "test", "scenarios/races/dpc_list_race.lua", "--seed", "1"])
    check("test --seed: every scenario runs that seed (dpc_list_race is clean at 1: FAIL)",
          p.returncode == 1 and "got a clean run" in p.stdout, p.stdout)
    p = run([drvsim, "test", os.path.join(suite, "leak.lua"), "--verifier", "/flags 0x1 /driver leaky.sys",
             "--sarif", os.path.join(tmp, "v.sarif")])
    check("test --verifier: the scenarios run under it (no pool tracking: no leak found)",
          p.returncode == 0 and "PASS" in p.stdout, p.stdout + p.stderr)
    p = run([drvsim, "test", os.path.join(suite, "leak.lua"), "--seed", "5", "--verifier",
             "/standard /driver leaky.sys", "--sarif", os.path.join(tmp, "v.sarif")])
    with open(os.path.join(tmp, "v.sarif"), encoding="utf-8") as f:
        replay = json.load(f)["runs"][0]["results"][0]["properties"]["replay"]
    check("test --seed --verifier: the replay command repeats both",
          "--seed 5" in replay and "--verifier '/standard /driver leaky.sys'" in replay, replay)
    p = run([drvsim, "test", suite, "--verifier", "/nonsense"])
    check("test --verifier: a bad value is a usage error (exit 2)", p.returncode == 2, p.stderr)

    # SARIF from sweep: one result per distinct way runs failed
    sweep_sarif = os.path.join(tmp, "sweep.sarif")
    p = run([drvsim, "sweep", "scenarios/races/dpc_list_race.lua", "--seeds", "50..100", "-j", "2",
             "--jsonl", os.path.join(tmp, "sweep.jsonl"), "--sarif", sweep_sarif])
    check("sweep --sarif: exit 1 (runs did not match)", p.returncode == 1, p.stderr)
    if have_schemas:
        why = validate_sarif(sweep_sarif)
        check("sweep --sarif: valid against the SARIF 2.1.0 schema", why is None, why)
    with open(sweep_sarif, encoding="utf-8") as f:
        results = json.load(f)["runs"][0]["results"]
    groups = [l for l in p.stdout.splitlines() if re.match(r"\s+\d+ x ", l)]
    unexpected = [l for l in groups if "as expected" not in l]
    check("sweep --sarif: a result per distinct unexpected bug check, one for the clean runs",
          len(results) == len(unexpected) + 1 and
          all("runs" in r["properties"] and "--seed" in r["properties"]["replay"] for r in results),
          [r["ruleId"] for r in results] + groups)
    with open(os.path.join(tmp, "sweep.jsonl"), encoding="utf-8") as f:
        line = json.loads(f.readline())
    check("sweep: each JSON line carries drvsim's version and trace format",
          line.get("drvsim", {}).get("version") and isinstance(line["drvsim"]["trace_format"], int),
          line)

    # Open-ended sweeps
    p = run([drvsim, "sweep", "scenarios/races/dpc_list_race.lua", "--until-fail", "--jsonl",
             os.path.join(tmp, "uf.jsonl")])
    m = re.search(r"random start seed (\d+)", p.stderr)
    stop = re.search(r"stopped at a failure after seeds (\d+)\.\.(\d+)", p.stderr)
    check("sweep --until-fail: a random start seed, printed, and the range run",
          p.returncode == 1 and m and stop and stop.group(1) == m.group(1), p.stderr)
    with open(os.path.join(tmp, "uf.jsonl"), encoding="utf-8") as f:
        lines = [json.loads(l) for l in f]
    check("sweep --until-fail: it stopped at the first run not as expected",
          lines and not lines[-1]["expected"] and all(l["expected"] for l in lines[:-1])
          and stop and str(lines[-1]["seed"]) == stop.group(2), [l["seed"] for l in lines][-3:])
    p = run([drvsim, "sweep", "scenarios/races/dpc_list_race.lua", "--until-fail", "--seeds",
             "82..1000", "--jsonl", os.path.join(tmp, "uf2.jsonl")])
    with open(os.path.join(tmp, "uf2.jsonl"), encoding="utf-8") as f:
        first = json.loads(f.readline())
    check("sweep --until-fail --seeds: the range's first failure", first["seed"] == 82
          and "after seeds 82..82" in p.stderr, p.stderr)
    p = run([drvsim, "sweep", "scenarios/demo/leak_on_unload.lua", "--for", "2s",
             "--heartbeat", "1ms", "--jsonl", os.path.join(tmp, "for.jsonl")])
    with open(os.path.join(tmp, "for.jsonl"), encoding="utf-8") as f:
        seeds = [json.loads(l)["seed"] for l in f]
    done = re.search(r"time is up after seeds (\d+)\.\.(\d+)", p.stderr)
    check("sweep --for 2s: stops, naming the seeds it ran as a range",
          p.returncode == 0 and done and seeds == list(range(int(done.group(1)),
                                                               int(done.group(2)) + 1)),
          p.stderr[-300:])
    beats = re.findall(r"^drvsim sweep: \d+ seeds, \d+ did not match expect, last seed \d+, \d+ s$",
                       p.stderr, re.M)
    check("sweep --heartbeat: progress lines when standard error is no terminal", len(beats) >= 2,
          p.stderr[:300])
    p = run([drvsim, "sweep", "scenarios/demo/leak_on_unload.lua", "--seeds", "1..3",
             "--jsonl", os.path.join(tmp, "hb.jsonl")])
    check("sweep: no heartbeat in a short sweep (default 30s)", "last seed" not in p.stderr,
          p.stderr)
    p = run([drvsim, "sweep", "scenarios/demo/leak_on_unload.lua"])
    check("sweep without --seeds, --until-fail or --for: usage error", p.returncode == 2, p.stderr)


if __name__ == "__main__":
    sys.exit(main())
