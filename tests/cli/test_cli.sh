#!/usr/bin/env bash
# test_cli.sh DRVSIM - the drvsim command line against CONTRACT.md: usage errors,
# exit codes, the bug check report, --json, determinism, test, sweep, rules and
# the scenario sandbox. Speaks TAP (the plan first). Run from the repository
# root (meson does: workdir = source root); the fixtures are tests/cli/fixtures/.
# The sh -c '...' and awk snippets below take their values as "$1" ...:
# single-quoted on purpose.
# shellcheck disable=SC2016
set -u

if [ $# -ne 1 ]; then
    echo "usage: $0 DRVSIM" >&2
    exit 2
fi
DRVSIM=$1
case $DRVSIM in
/*) ;;
*/*) DRVSIM=$PWD/$DRVSIM ;;
esac
if [ ! -x "$DRVSIM" ]; then
    echo "1..0 # SKIP $DRVSIM is not an executable"
    exit 0
fi
# The repository root, wherever we are started from: replay lines and
# `test` output name the fixtures relative to it.
cd "$(dirname "$0")/../.." || exit 1
F=tests/cli/fixtures

T=$(mktemp -d "${TMPDIR:-/tmp}/drvsim_cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
RESULTS=$T/results
: >"$RESULTS"

# A hung command should fail its check, not the whole suite.
if command -v timeout >/dev/null 2>&1; then
    BOUND=(timeout 60)
else
    BOUND=()
fi

N=0
FAILED=0
RC=0
OUT=$T/out
ERR=$T/err

# One-line rendering of a file's head, for diagnostics.
show() {
    if [ -s "$1" ]; then
        head -c "${2:-400}" "$1" | tr '\n' '|' | sed 's/|$//'
    else
        printf '(empty)'
    fi
}

pass() {
    N=$((N + 1))
    printf 'ok %d - %s\n' "$N" "$1" >>"$RESULTS"
}

# fail DESCRIPTION WHAT-WAS-SEEN
fail() {
    N=$((N + 1))
    FAILED=$((FAILED + 1))
    printf 'not ok %d - %s\n' "$N" "$1" >>"$RESULTS"
    printf '%s\n' "$2" | head -n 6 | sed 's/^/# /' >>"$RESULTS"
}

# run CMD...: runs a command; its stdout is $OUT, its stderr $ERR, its status $RC.
run() {
    "${BOUND[@]}" "$@" >"$OUT" 2>"$ERR" </dev/null
    RC=$?
}

# check DESCRIPTION STATUS CMD...: runs CMD and wants that exit status.
check() {
    local desc=$1 want=$2
    shift 2
    run "$@"
    if [ "$RC" -eq "$want" ]; then
        pass "$desc"
    else
        fail "$desc" "exit $RC, wanted $want: $*
stdout: $(show "$OUT")
stderr: $(show "$ERR")"
    fi
}

# ok_if DESCRIPTION DIAGNOSTIC CMD...: passes when CMD succeeds.
ok_if() {
    local desc=$1 diag=$2
    shift 2
    if "$@" >/dev/null 2>&1; then
        pass "$desc"
    else
        fail "$desc" "$diag"
    fi
}

# out_has / err_has DESCRIPTION ERE: the last command's stdout / stderr has a
# line matching ERE; out_lacks / err_lacks: has none.
out_has() { ok_if "$1" "stdout: $(show "$OUT" 600)" grep -Eq -- "$2" "$OUT"; }
err_has() { ok_if "$1" "stderr: $(show "$ERR" 600)" grep -Eq -- "$2" "$ERR"; }
out_lacks() { ok_if "$1" "stdout: $(show "$OUT" 600)" not grep -Eq -- "$2" "$OUT"; }
err_lacks() { ok_if "$1" "stderr: $(show "$ERR" 600)" not grep -Eq -- "$2" "$ERR"; }
out_empty() { ok_if "$1" "stdout: $(show "$OUT" 600)" test ! -s "$OUT"; }
not() { ! "$@"; }

# same DESCRIPTION FILE1 FILE2
same() {
    ok_if "$1" "they differ: $(diff "$2" "$3" 2>&1 | head -n 4 | tr '\n' '|')" cmp -s "$2" "$3"
}

# py DESCRIPTION FILE CODE: python3 CODE with FILE on stdin, must exit 0.
py() {
    local desc=$1 file=$2 code=$3 msg
    if msg=$(python3 -c "$code" "${@:4}" <"$file" 2>&1); then
        pass "$desc"
    else
        fail "$desc" "$(printf '%s' "$msg" | tail -n 2 | tr '\n' '|'); input: $(show "$file" 300)"
    fi
}

# The line of a file matching ERE (the first), or nothing.
line_of() { grep -Em1 -- "$2" "$1"; }

# ---------------------------------------------------------------------------
# Global options, usage errors
# ---------------------------------------------------------------------------

check "--version exits 0" 0 "$DRVSIM" --version
ok_if "--version: 'drvsim 0.1.0', the trace format, the git revision of a checkout" \
    "stdout: $(show "$OUT")" \
    sh -c 'head -n1 "$1" | grep -qx "drvsim 0\.1\.0" &&
           sed -n 2p "$1" | grep -Eqx "trace format [0-9]+" &&
           { [ "$(wc -l <"$1")" -eq 2 ] || sed -n 3p "$1" | grep -Eqx "git revision [0-9a-f]+(-dirty)?"; }' \
    - "$OUT"
ok_if "--version: the trace format is the golden file's" "stdout: $(show "$OUT")" \
    sh -c 'sed -n 2p "$1" | grep -qx "trace format $(sed -n "s/^# trace-format //p" tests/golden/digests.txt)"' \
    - "$OUT"

check "--help exits 0" 0 "$DRVSIM" --help
for cmd in run test sweep rules ddis; do
    out_has "--help lists $cmd" "^ +$cmd( |$)"
done

check "no arguments: exit 2" 2 "$DRVSIM"
err_has "no arguments: usage on stderr" '^usage: drvsim'
out_empty "no arguments: nothing on stdout"

check "unknown command: exit 2" 2 "$DRVSIM" frobnicate
err_has "unknown command: named on stderr" '^drvsim: .*frobnicate'

check "unknown global option: exit 2" 2 "$DRVSIM" --frobnicate
err_has "unknown global option: usage on stderr" '^usage: drvsim'

for cmd in run test sweep rules ddis; do
    check "$cmd --help: exit 0" 0 "$DRVSIM" "$cmd" --help
    ok_if "$cmd --help: its usage on stdout" "stdout: $(show "$OUT")" \
        grep -Eq "^usage: drvsim $cmd" "$OUT"

    check "$cmd --frobnicate: exit 2" 2 "$DRVSIM" "$cmd" --frobnicate
    ok_if "$cmd --frobnicate: one 'drvsim: ...' line naming it, then the usage, on stderr" \
        "stderr: $(show "$ERR")" \
        sh -c 'head -n1 "$1" | grep -Eq "^drvsim: .*--frobnicate" &&
               sed -n 2p "$1" | grep -Eq "^usage: drvsim $2"' - "$ERR" "$cmd"
    out_empty "$cmd --frobnicate: nothing on stdout"
done

check "run without a scenario: exit 2" 2 "$DRVSIM" run
err_has "run without a scenario: usage on stderr" '^usage: drvsim run'
check "run with two scenarios: exit 2" 2 "$DRVSIM" run $F/clean.lua $F/clean.lua
check "run --seed abc: exit 2" 2 "$DRVSIM" run $F/clean.lua --seed abc
err_has "run --seed abc: names the value" "^drvsim: .*abc"
check "run --seed (no value): exit 2" 2 "$DRVSIM" run $F/clean.lua --seed
check "run --cpus 0: exit 2" 2 "$DRVSIM" run $F/clean.lua --cpus 0
check "run --cpus 65: exit 2" 2 "$DRVSIM" run $F/clean.lua --cpus 65
check "run --max-instructions 0: exit 2" 2 "$DRVSIM" run $F/clean.lua --max-instructions 0
check "run --limit nonsense: exit 2" 2 "$DRVSIM" run $F/clean.lua --limit forever
check "sweep --seeds 5..1: exit 2" 2 "$DRVSIM" sweep $F/clean.lua --seeds 5..1
check "sweep --seeds 1-5: exit 2" 2 "$DRVSIM" sweep $F/clean.lua --seeds 1-5
check "sweep without --seeds: exit 2" 2 "$DRVSIM" sweep $F/clean.lua
check "sweep --shard 3/2: exit 2" 2 "$DRVSIM" sweep $F/clean.lua --seeds 1..4 --shard 3/2
check "sweep --shard 0/2: exit 2" 2 "$DRVSIM" sweep $F/clean.lua --seeds 1..4 --shard 0/2
check "sweep -j 0: exit 2" 2 "$DRVSIM" sweep $F/clean.lua --seeds 1..4 -j 0
check "test -j 0: exit 2" 2 "$DRVSIM" test -j 0 $F/clean.lua
check "rules with a rule id that does not exist: exit 2" 2 "$DRVSIM" rules extra
err_has "rules extra: ... names it" "^drvsim: no rule 'extra'"

check "run --verifier '/flags 0xZZ': exit 2" 2 \
    "$DRVSIM" run $F/clean.lua --verifier "/flags 0xZZ"
err_has "run --verifier '/flags 0xZZ': the message names 0xZZ" '^drvsim: .*0xZZ'
out_empty "run --verifier '/flags 0xZZ': nothing on stdout"
check "sweep --verifier '/flags 0xZZ': exit 2" 2 \
    "$DRVSIM" sweep $F/clean.lua --seeds 1..2 --verifier "/flags 0xZZ"
check "run --gflags '+spp' (no tag): exit 2" 2 "$DRVSIM" run $F/clean.lua --gflags "+spp"
err_has "run --gflags '+spp': a drvsim: message" '^drvsim: .*spp'

# ---------------------------------------------------------------------------
# Exit codes of runs
# ---------------------------------------------------------------------------

check "run: a clean scenario exits 0" 0 "$DRVSIM" run $F/clean.lua
out_has "run: a clean scenario says clean" '^clean: '
check "run: an expect that is not met exits 1" 1 "$DRVSIM" run $F/unmet_expect.lua
check "run: an expected bug check exits 0" 0 "$DRVSIM" run $F/raise_below.lua

check "run: a missing file exits 3" 3 "$DRVSIM" run $F/nonexistent.lua
err_has "run: a missing file says 'cannot open'" 'cannot open'

check "run: a Lua syntax error exits 3" 3 "$DRVSIM" run $F/syntax_error.lua
err_has "run: a syntax error names file:line" 'syntax_error\.lua:5:'

check "run: a runtime error in run() exits 3" 3 "$DRVSIM" run $F/runtime_error.lua
err_has "run: a runtime error names file:line and the message" \
    'runtime_error\.lua:6:.*failed on purpose'

check "run: an unknown scenario{} field exits 3" 3 "$DRVSIM" run $F/unknown_field.lua
err_has "run: an unknown scenario{} field is named" 'colour'

check "run: an error in a driver routine is a bug check (exit 1 with expect clean)" 1 \
    "$DRVSIM" run $F/driver_error.lua
out_has "run: an error in a driver routine is reported as STOP 0x7E" \
    '^\*\*\* STOP: 0x0000007E \('
out_has "run: ... naming the driver" '^  driver crashy\.sys:'

check "run: a harness function called from a driver routine exits 3" 3 \
    "$DRVSIM" run $F/harness_in_driver.lua
err_has "run: ... naming Sleep" 'Sleep'

check "run: a driver calling unresolved names fails its load with exit 3" 3 \
    "$DRVSIM" run $F/unresolved_import.lua
err_has "run: ... at the LoadDriver line, naming the unsimulated DDI and its caller" \
    'unresolved_import\.lua:20: LoadDriver\("imports\.sys"\).*HalGetBusDataByOffset is not a DDI drvsim simulates \(called at [^ ]*unresolved_import\.lua:11\)'
err_has "run: ... and suggesting the DDI a misspelt name meant" \
    'KeInitializeSpinlock is not a DDI drvsim simulates; did you mean KeInitializeSpinLock\? \(called at [^ ]*unresolved_import\.lua:14\)'
out_lacks "run: ... with no bug check" 'STOP'
check "run: Microsoft's cancel sample, IoCsq*, remove locks and IoCreateDeviceSecure as in C, runs clean" 0 \
    "$DRVSIM" run $F/cancel_csq.lua
check "run: an overlapped read the driver completed before returning STATUS_PENDING gets STATUS_PENDING, then its result" 0 \
    "$DRVSIM" run $F/overlapped_done.lua
check "run: a helper written as a field of the driver's table fails the load" 3 \
    "$DRVSIM" run $F/unresolved_field.lua
err_has "run: ... saying it is a field, not a global" \
    "CompleteIt is not a DDI drvsim simulates \\(it is a field of the driver's table, not a global"
check "run: a driver calling a global that is nil exits 3, not 0x7E" 3 \
    "$DRVSIM" run $F/unresolved_call.lua
err_has "run: ... naming the name and the calling line" \
    'unresolved_call\.lua:9: Callback is not a DDI drvsim simulates'
out_lacks "run: ... with no bug check" 'STOP'
check "run: a misspelt harness call exits 3" 3 "$DRVSIM" run $F/unresolved_harness.lua
err_has "run: ... with the name it meant" \
    'unresolved_harness\.lua:5: LoadDrvier is not a DDI drvsim simulates; did you mean LoadDriver\?'

check "run: while true with --max-instructions 100000 exits 1" 1 \
    "$DRVSIM" run $F/runaway.lua --max-instructions 100000
out_has "run: ... and reports a timeout" '^TIMEOUT'
check "run: --max-instructions 100000 --json -: outcome timeout" 1 \
    "$DRVSIM" run $F/runaway.lua --max-instructions 100000 --json -
py "run: ... the JSON says outcome timeout, expected false" "$OUT" '
import json, sys
o = json.load(sys.stdin)
assert o["outcome"] == "timeout", o["outcome"]
assert o["expected"] is False'
check "run: a runaway with expect = \"timeout\" exits 0" 0 \
    "$DRVSIM" run $F/runaway_expect_timeout.lua --max-instructions 100000

# Issue 11 item 2: no abort without a report (each of these ended with exit
# 134 and nothing else).
check "run: a DPC that queues itself for ever: 0x133 (the DPC watchdog), exit 0 as expected" 0 \
    "$DRVSIM" run scenarios/sync/dpc_requeue_forever.lua
out_has "run: ... STOP 0x133, P1 = 1" '^\*\*\* STOP: 0x00000133 \(0x0000000000000001,'
check "run: ... with --max-events 1000: a timeout, exit 1" 1 \
    "$DRVSIM" run scenarios/sync/dpc_requeue_forever.lua --max-events 1000
out_has "run: ... naming the event limit" '^TIMEOUT: event limit reached \(1000 events\)'
check "run: a self-queueing DPC with --max-instructions 100000: a timeout, exit 1" 1 \
    "$DRVSIM" run $F/dpc_requeue_heavy.lua --max-instructions 100000
out_has "run: ... naming the instruction limit and the DPC" \
    '^TIMEOUT: instruction limit reached \(100000 Lua instructions\) in spin\.sys DeferredRoutine'
check "run: 17 nested IoCallDriver calls (16 pass-through filters) are legal: exit 0" 0 \
    "$DRVSIM" run scenarios/io/kstack_overflow_clean.lua
check "run: a dispatch routine that calls its own stack: 0x7F/8, exit 0 as expected" 0 \
    "$DRVSIM" run scenarios/io/kstack_overflow.lua
check "run: ObDereferenceObject of a live device to zero: 0x18, exit 0 as expected" 0 \
    "$DRVSIM" run scenarios/io/device_dereferenced_too_often.lua
check "run: a million system threads: a scenario error at the host limit, exit 3" 3 \
    "$DRVSIM" run $F/thread_flood.lua
err_has "run: ... naming the limit and the line" \
    'thread_flood\.lua:10: host limit reached: 65536 threads created in one run'

check "run: limit = 1s with Sleep 10s exits 1" 1 "$DRVSIM" run $F/limit.lua --json -
py "run: ... outcome timeout at 1 s simulated" "$OUT" '
import json, sys
o = json.load(sys.stdin)
assert o["outcome"] == "timeout", o["outcome"]
assert o["sim_time_ns"] == 10**9, o["sim_time_ns"]'
check "run: --limit 100ms overrides the scenario's limit" 1 \
    "$DRVSIM" run $F/clean.lua --limit 100ms
out_has "run: ... and times out" '^TIMEOUT'

# ---------------------------------------------------------------------------
# The report (CONTRACT 2)
# ---------------------------------------------------------------------------

check "report: raise_below runs as expected" 0 "$DRVSIM" run $F/raise_below.lua --seed 7
cp "$OUT" "$T/report.txt"
H='0x[0-9A-F]{16}'
ok_if "report: line 1 is '*** STOP: 0x000000C4 (0x0000000000000030,...)'" \
    "stdout: $(show "$OUT")" \
    sh -c 'sed -n 1p "$1" | grep -Eq "^\*\*\* STOP: 0x000000C4 \(0x0000000000000030,$2,$2,$2\)$"' \
    - "$OUT" "$H"
ok_if "report: line 2 is the name DRIVER_VERIFIER_DETECTED_VIOLATION" "stdout: $(show "$OUT")" \
    sh -c 'sed -n 2p "$1" | grep -Eq "^DRIVER_VERIFIER_DETECTED_VIOLATION$"' - "$OUT"
# Then the driver (the contract's third line), then the parameters as
# `!analyze -v` lists them, each with its meaning from the rule catalogue
# (`drvsim rules --json`).
ok_if "report: line 3 is '  driver lower.sys: ...'" "stdout: $(show "$OUT")" \
    sh -c 'sed -n 3p "$1" | grep -Eq "^  driver lower\.sys: .+"' - "$OUT"
ok_if "report: line 4 is '  Arguments:'" "stdout: $(show "$OUT")" \
    sh -c 'sed -n 4p "$1" | grep -Eq "^  Arguments:$"' - "$OUT"
"$DRVSIM" rules --json irql_raise_below_current >"$T/rule_30.json" 2>/dev/null
py "report: lines 5-8 are '  ArgN: <16 hex digits>, <meaning>', the rule's meanings" "$OUT" "
import json, re, sys
lines = sys.stdin.read().splitlines()
rule = json.load(open('$T/rule_30.json'))[0]
stop = re.match(r'\*\*\* STOP: 0x[0-9A-F]{8} \((.*)\)$', lines[0]).group(1).split(',')
for i in range(4):
    want = '  Arg%d: %016x, %s' % (i + 1, int(stop[i], 16), rule['param_meanings'][i])
    assert lines[4 + i] == want, (lines[4 + i], want)
assert rule['param_meanings'][1] == 'Current IRQL', rule['param_meanings']"
out_has "report: '  at 0:00:... simulated, CPU n, IRQL ..., process ...'" \
    '^  at 0:00:[0-9]{2}\.[0-9]{3} simulated, CPU [0-9]+, IRQL [A-Z_]+, process .+'
out_has "report: '  seed 7, digest 0x' and 16 hex digits" '^  seed 7, digest 0x[0-9a-f]{16}$'
out_has "report: '  replay: drvsim run $F/raise_below.lua --seed 7'" \
    "^  replay: drvsim run $F/raise_below\.lua --seed 7$"
ok_if "report: the lines come in order (STOP, name, driver, Arguments, at, seed, replay)" \
    "stdout: $(show "$OUT")" \
    awk 'BEGIN { n = split("^\\*\\*\\* STOP:|^DRIVER_VERIFIER|^  driver |^  Arguments:$|^  Arg4: |^  at |^  seed |^  replay: ", p, "|") }
         { for (i = 1; i <= n; i++) if (!(i in at) && $0 ~ p[i]) at[i] = NR }
         END { for (i = 1; i <= n; i++) if (!(i in at) || (i > 1 && at[i] <= at[i - 1])) exit 1 }' "$OUT"

REPLAY=$(line_of "$T/report.txt" '^  replay: drvsim ' | sed 's/^  replay: drvsim //')
DIGEST=$(line_of "$T/report.txt" '^  seed ' | sed 's/.*digest //')
# shellcheck disable=SC2086 # the replay line is words, as a shell would split them
check "report: the replay command exits 0 too" 0 "$DRVSIM" $REPLAY
ok_if "report: the replay command gives the same digest ($DIGEST)" \
    "replay: drvsim $REPLAY; stdout: $(show "$OUT")" \
    grep -q "digest ${DIGEST:-none}\$" "$OUT"

# A bug check the scenario expects exits 0, and says so on stderr.
ok_if "report: stderr says 'drvsim: outcome matched expect (bug check 0xC4/0x30)'" \
    "stderr: $(show "$ERR")" \
    test "$(cat "$ERR")" = "drvsim: outcome matched expect (bug check 0xC4/0x30)"
check "report: an unmet expect exits 1" 1 "$DRVSIM" run $F/unmet_expect.lua
err_lacks "report: ... and nothing says it matched" 'matched expect'
check "report: a clean run exits 0" 0 "$DRVSIM" run $F/clean.lua
err_lacks "report: ... and needs no 'matched expect' line" 'matched expect'
check "report: an expected timeout exits 0" 0 "$DRVSIM" run $F/runaway_expect_timeout.lua
err_has "report: ... 'drvsim: outcome matched expect (timeout)'" \
    '^drvsim: outcome matched expect \(timeout\)$'
check "report: an expected bug check whose sub-code is P4" 0 \
    "$DRVSIM" run scenarios/special_pool/special_pool_free_unallocated.lua
err_has "report: ... 'matched expect (bug check 0xC1/P4=0x20)'" \
    '^drvsim: outcome matched expect \(bug check 0xC1/P4=0x20\)$'

# The leak list as `!verifier 3 leaky.sys` shows it (debugging-memory-leaks
# page): the driver's statistics, nonpaged / paged, then Address Length Tag
# Caller, the caller being the scenario line that allocated.
check "report: a leak at unload" 0 "$DRVSIM" run scenarios/demo/leak_on_unload.lua --seed 42
cat >"$T/leak_layout" <<'LAYOUT'
  MODULE: leaky.sys
    Pool Allocation Statistics: ( NonPagedPool / PagedPool )
      Current Pool Allocations: ( 0x00000001 / 0x00000000 )
      Current Pool Bytes:       ( 0x00000040 / 0x00000000 )
      Peak Pool Allocations:    ( 0x00000001 / 0x00000000 )
      Peak Pool Bytes:          ( 0x00000040 / 0x00000000 )
    Pool Allocations:
      Address             Length      Tag   Caller
      ------------------  ----------  ----  ------
LAYOUT
py "report: ... the leak list in the layout of !verifier 3" "$OUT" "
import re, sys
text = sys.stdin.read()
want = open('$T/leak_layout').read()
assert want in text, text
row = text.split(want)[1].splitlines()[0]
assert re.fullmatch(r'      0x[0-9A-F]{16}  0x00000040  Leak  scenarios/demo/leak_on_unload.lua:15',
                    row), row"
out_has "report: ... Arg4 counts the allocations left" \
    '^  Arg4: 0000000000000001, Number of allocations not freed, paged and nonpaged$'

check "report: --verifier on the command line is in the replay line" 0 \
    "$DRVSIM" run $F/raise_below.lua --verifier "/flags 0x2 /driver lower.sys"
out_has "report: ... replay: ... --verifier" '^  replay: drvsim run .*--verifier'

# ---------------------------------------------------------------------------
# --json, --quiet
# ---------------------------------------------------------------------------

check "--json -: exit 0" 0 "$DRVSIM" run $F/raise_below.lua --json -
cp "$OUT" "$T/json_stdout.txt"
py "--json -: stdout is exactly one JSON object with the contract's keys" "$OUT" '
import json, sys
o = json.load(sys.stdin)
assert isinstance(o, dict), type(o)
for k in ("scenario", "seed", "outcome", "bugcheck", "sim_time_ns", "digest", "expected",
          "counters"):
    assert k in o, "missing " + k
b = o["bugcheck"]
for k in ("code", "name", "params", "driver", "rule"):
    assert k in b, "bugcheck missing " + k
assert b["code"] == 0xC4, b["code"]
assert b["name"] == "DRIVER_VERIFIER_DETECTED_VIOLATION", b["name"]
assert len(b["params"]) == 4 and all(isinstance(p, int) for p in b["params"]), b["params"]
assert b["params"][0] == 0x30, b["params"]
assert b["driver"] == "lower.sys", b["driver"]
assert b["rule"] == "irql_raise_below_current", b["rule"]
assert o["scenario"] == "tests/cli/fixtures/raise_below.lua", o["scenario"]
assert o["seed"] == 1, o["seed"]
assert o["outcome"] == "bugcheck", o["outcome"]
assert o["expected"] is True, o["expected"]
assert isinstance(o["sim_time_ns"], int), o["sim_time_ns"]
import re
assert re.fullmatch(r"0x[0-9a-f]{16}", o["digest"]), o["digest"]
assert isinstance(o["counters"], dict) and "RaiseIrqls" in o["counters"], o["counters"]
# Beside the contract: the parameters as hex strings too (jq rounds
# integers above 2^53), and what each holds.
assert b["params_hex"] == ["0x%016x" % p for p in b["params"]], b["params_hex"]
assert len(b["param_meanings"]) == 4 and all(b["param_meanings"]), b["param_meanings"]
assert b["param_meanings"][1] == "Current IRQL", b["param_meanings"]'
err_has "--json -: the human report goes to stderr" '^\*\*\* STOP: 0x000000C4'
err_has "--json -: ... and so does the 'matched expect' line" \
    '^drvsim: outcome matched expect \(bug check 0xC4/0x30\)$'
ok_if "--json -: the digest is the one of the human report" \
    "json: $(show "$OUT" 200); report: $(show "$T/report.txt" 200)" \
    sh -c 'd=$(grep "^  seed " "$2" | sed "s/.*digest //"); grep -q "\"digest\": *\"$d\"" "$1"' \
    - "$OUT" "$ERR"

check "--json -: a clean run gives bugcheck null" 0 "$DRVSIM" run $F/clean.lua --json -
py "--json -: ... outcome clean, bugcheck null, counters" "$OUT" '
import json, sys
o = json.load(sys.stdin)
assert o["outcome"] == "clean" and o["bugcheck"] is None and o["expected"] is True, o
assert o["counters"]["AllocationsSucceeded"] == 1, o["counters"]'

check "--json -: print() in a scenario does not reach stdout" 0 \
    "$DRVSIM" run $F/prints.lua --json -
py "--json -: ... stdout is still one JSON object" "$OUT" 'import json, sys; json.load(sys.stdin)'
err_has "--json -: ... print() went to stderr" 'hello from the scenario'

check "--json FILE: exit 0" 0 "$DRVSIM" run $F/raise_below.lua --json "$T/result.json"
py "--json FILE: the file is the JSON object" "$T/result.json" '
import json, sys
o = json.load(sys.stdin)
assert o["bugcheck"]["code"] == 0xC4 and o["expected"] is True, o'
out_has "--json FILE: the report is still on stdout" '^\*\*\* STOP: 0x000000C4'
same "--json FILE: the file holds what --json - printed" "$T/result.json" "$T/json_stdout.txt"

check "--quiet: exit 0" 0 "$DRVSIM" run $F/raise_below.lua --quiet
out_empty "--quiet: nothing on stdout"
err_lacks "--quiet: no 'matched expect' line either" 'matched expect'
check "--quiet: an unmet expect still exits 1" 1 "$DRVSIM" run $F/unmet_expect.lua --quiet
out_empty "--quiet: ... and prints nothing on stdout"
check "--quiet --json -: exit 0" 0 "$DRVSIM" run $F/raise_below.lua --quiet --json -
py "--quiet --json -: stdout is the JSON object only" "$OUT" 'import json, sys; json.load(sys.stdin)'
check "--json -: a scenario error exits 3" 3 "$DRVSIM" run $F/runtime_error.lua --json -
py "--json -: ... still one JSON object, outcome error" "$OUT" '
import json, sys
o = json.load(sys.stdin)
assert o["outcome"] == "error", o["outcome"]'

# ---------------------------------------------------------------------------
# Determinism
# ---------------------------------------------------------------------------

run "$DRVSIM" run $F/raise_below.lua --seed 42
cp "$OUT" "$T/det1"
run "$DRVSIM" run $F/raise_below.lua --seed 42
same "determinism: the same scenario and seed twice give the same stdout" "$T/det1" "$OUT"

run "$DRVSIM" run $F/random_sleep.lua --seed 1
cp "$OUT" "$T/rs1"
run "$DRVSIM" run $F/random_sleep.lua --seed 2
cp "$OUT" "$T/rs2"
ok_if "determinism: two seeds of a math.random scenario differ" \
    "seed 1: $(show "$T/rs1"); seed 2: $(show "$T/rs2")" not cmp -s "$T/rs1" "$T/rs2"
run "$DRVSIM" run $F/random_sleep.lua --seed 2
same "determinism: ... and each is reproducible" "$T/rs2" "$OUT"
run "$DRVSIM" run $F/random_sleep.lua
cp "$OUT" "$T/rs_default"
same "determinism: without --seed the seed is 1" "$T/rs1" "$T/rs_default"

check "--trace FILE: exit 0" 0 "$DRVSIM" run $F/clean.lua --trace "$T/trace1"
check "--trace FILE: again" 0 "$DRVSIM" run $F/clean.lua --trace "$T/trace2"
ok_if "--trace FILE: a non-empty file" "trace1: $(show "$T/trace1")" test -s "$T/trace1"
same "--trace FILE: twice, identical files" "$T/trace1" "$T/trace2"
ok_if "--trace FILE: the first line is the boot record" \
    "first lines: $(head -n 2 "$T/trace1" 2>&1 | tr '\n' '|')" \
    sh -c 'head -n1 "$1" | grep -Eq "^([0-9:.]+ )?boot( |$)"' - "$T/trace1"
check "--trace FILE: a different seed of random_sleep" 0 \
    "$DRVSIM" run $F/random_sleep.lua --seed 3 --trace "$T/trace3"
check "--trace FILE: the same seed again" 0 \
    "$DRVSIM" run $F/random_sleep.lua --seed 3 --trace "$T/trace4"
same "--trace FILE: a math.random scenario's trace is reproducible" "$T/trace3" "$T/trace4"

# ---------------------------------------------------------------------------
# drvsim test
# ---------------------------------------------------------------------------

SUITE=$F/suite
check "test: a failing scenario makes it exit 1" 1 "$DRVSIM" test $SUITE --junit "$T/junit.xml"
cp "$OUT" "$T/test_j1"
out_has "test: a PASS line for the passing scenario" "^PASS $SUITE/pass\.lua"
out_has "test: a FAIL line for the failing scenario" "^FAIL $SUITE/fail\.lua"
ok_if "test: the last line is '1 passed, 1 failed'" "stdout: $(show "$OUT")" \
    sh -c 'tail -n1 "$1" | grep -Eq "^1 passed, 1 failed$"' - "$OUT"
out_lacks "test: the drivers/ directory is skipped" 'drivers/'
py "test --junit: valid XML, one testcase per scenario, one failure" "$T/junit.xml" '
import sys, xml.dom.minidom
d = xml.dom.minidom.parse(sys.stdin)
cases = d.getElementsByTagName("testcase")
assert len(cases) == 2, len(cases)
names = sorted(c.getAttribute("name") for c in cases)
assert all("pass" in n or "fail" in n for n in names), names
fails = [c for c in cases if c.getElementsByTagName("failure")]
assert len(fails) == 1 and "fail" in fails[0].getAttribute("name"), len(fails)'

check "test -j 2: exit 1 as well" 1 "$DRVSIM" test -j 2 $SUITE
same "test -j 2: the same stdout as -j 1" "$T/test_j1" "$OUT"

check "test --tap: exit 1" 1 "$DRVSIM" test --tap $SUITE
ok_if "test --tap: the first line is 1..2" "stdout: $(show "$OUT")" \
    sh -c 'head -n1 "$1" | grep -qx "1\.\.2"' - "$OUT"
out_has "test --tap: 'ok' for the passing scenario" "^ok [0-9]+ - $SUITE/pass\.lua"
out_has "test --tap: 'not ok' for the failing scenario" "^not ok [0-9]+ - $SUITE/fail\.lua"

check "test: files given one by one, all passing: exit 0" 0 \
    "$DRVSIM" test $F/clean.lua $F/raise_below.lua
ok_if "test: ... '2 passed, 0 failed'" "stdout: $(show "$OUT")" \
    sh -c 'tail -n1 "$1" | grep -Eq "^2 passed, 0 failed$"' - "$OUT"
check "test: a scenario error counts as a failure (exit 1)" 1 "$DRVSIM" test $F/runtime_error.lua
out_has "test: ... with a FAIL line" "^FAIL $F/runtime_error\.lua"
check "test: a PATH that does not exist: exit 2" 2 "$DRVSIM" test $F/no_such_dir

# ---------------------------------------------------------------------------
# drvsim sweep
# ---------------------------------------------------------------------------

check "sweep: some seeds bug-check: exit 1" 1 \
    "$DRVSIM" sweep $F/random_crash.lua --seeds 1..20 --jsonl "$T/sweep1.jsonl"
cp "$OUT" "$T/sweep_summary"
py "sweep --jsonl: 20 lines, each a JSON object with seed 1..20 in order" "$T/sweep1.jsonl" '
import json, sys
lines = sys.stdin.read().splitlines()
assert len(lines) == 20, len(lines)
seeds = [json.loads(l)["seed"] for l in lines]
assert seeds == list(range(1, 21)), seeds'
py "sweep --jsonl: each line has outcome, bugcheck and digest; some bug-check, some not" \
    "$T/sweep1.jsonl" '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
for r in rows:
    assert "outcome" in r and "bugcheck" in r and "digest" in r, r
bad = [r for r in rows if r["outcome"] == "bugcheck"]
assert 0 < len(bad) < 20, len(bad)
for r in bad:
    assert r["bugcheck"]["code"] == 0xE0000001 and r["bugcheck"]["params"] == [1, 2, 3, 4], r
    assert r["bugcheck"]["params_hex"] == ["0x%016x" % p for p in (1, 2, 3, 4)], r
    assert "param_meanings" not in r["bugcheck"], r
    assert r["expected"] is False, r'
out_has "sweep: a summary on stdout" '[0-9]+ runs'
out_has "sweep: the summary names the distinct bug check" '0xE0000001'
out_has "sweep: the summary has a replay command" 'replay: drvsim run .*random_crash\.lua --seed [0-9]+'

# Deadlock detection: an ABBA pair on two threads that never overlap (the
# second starts after the first has ended) raises 0xC4/0x1001 on every
# seed, with the same lock in P2 and the same chains.
DL=scenarios/deadlock/deadlock_lock_hierarchy.lua
SAVED_BOUND=("${BOUND[@]}")
[ ${#BOUND[@]} -eq 0 ] || BOUND=(timeout 300)
check "deadlock: ABBA sweep 1..1000: exit 0 (every seed as expected)" 0 \
    "$DRVSIM" sweep $DL --seeds 1..1000 --jsonl "$T/abba.jsonl"
BOUND=("${SAVED_BOUND[@]}")
py "deadlock: ABBA on every seed: 0x1001, one P2, one report (the same chains)" "$T/abba.jsonl" '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert [r["seed"] for r in rows] == list(range(1, 1001)), "seeds"
for r in rows:
    b = r["bugcheck"]
    assert r["outcome"] == "bugcheck" and b["code"] == 0xC4 and b["params"][0] == 0x1001, r
assert len({r["bugcheck"]["params"][1] for r in rows}) == 1, "P2 differs"
chains = {json.dumps(r["deadlock"]["chains"], sort_keys=True) for r in rows}
assert len(chains) == 1, "%d different reports" % len(chains)
c = rows[0]["deadlock"]["chains"]
assert [(x["held"]["name"], x["acquired"]["name"]) for x in c] == [("A", "B"), ("B", "A")], c
assert c[0]["who"].endswith("(terminated)"), c[0]["who"]
assert rows[0]["bugcheck"]["params"][1] == c[1]["acquired"]["lock"], "P2 closed the cycle"'
check "deadlock: ABBA run: exit 0" 0 "$DRVSIM" run $DL --seed 7
out_has "deadlock: the report lists the chains by scenario line" \
    '^    acquires A 0x[0-9A-F]{16} Spinlock, class scenarios/deadlock/deadlock_lock_hierarchy\.lua:[0-9]+$'
out_has "deadlock: ... with lockdep's possible scenario" '^   \*\*\* DEADLOCK \*\*\*$'
py "deadlock: the report ends with make it real, without deadlock detection, directed at the first acquisition of each chain" "$OUT" '
import sys
lines = sys.stdin.read().splitlines()
last = lines[-1]
want = ("  make it real: drvsim run scenarios/deadlock/deadlock_lock_hierarchy.lua --seed 7 "
        "--verifier \x27/flags 0x0 /driver stats.sys\x27 --sched \x27directed:"
        "scenarios/deadlock/deadlock_lock_hierarchy.lua:23,"
        "scenarios/deadlock/deadlock_lock_hierarchy.lua:31\x27")
assert last == want, last'
check "deadlock: the same run with the option off: exit 1 (clean, not the expected 0x1001)" 1 \
    "$DRVSIM" run $DL --verifier "/flags 0x2099B /driver stats.sys"
out_has "deadlock: ... and clean" '^clean: '
check "deadlock: the three-lock cycle: exit 0" 0 "$DRVSIM" run scenarios/deadlock/lock_cycle_three_routines.lua --json "$T/three.json"
py "deadlock: a dispatch routine, a DPC and a work item: three chains with their lines" "$T/three.json" '
import json, sys
d = json.load(sys.stdin)["deadlock"]
c = d["chains"]
assert len(c) == 3 and d["locks"] == 3 and not d["by_class"], d
assert [x["acquired"]["context"] for x in c] == ["dispatch routine", "DPC", "work item"], c
for x in c:
    for step in ("held", "acquired"):
        assert x[step]["site"].startswith("scenarios/deadlock/lock_cycle_three_routines.lua:"), x
assert len(d["make_it_real"]["sites"]) == 3, d'

FIRST_BAD=$(python3 -c '
import json, sys
print(next(json.loads(l)["seed"] for l in sys.stdin if json.loads(l)["outcome"] == "bugcheck"))' \
    <"$T/sweep1.jsonl" 2>/dev/null)
check "sweep: a failing seed run alone exits 1" 1 \
    "$DRVSIM" run $F/random_crash.lua --seed "${FIRST_BAD:-0}" --json -
py "sweep: ... with the sweep's digest" "$OUT" "
import json, sys
o = json.load(sys.stdin)
rows = [json.loads(l) for l in open('$T/sweep1.jsonl')]
row = next(r for r in rows if r['seed'] == o['seed'])
assert o['digest'] == row['digest'], (o['digest'], row['digest'])"

# A sweep at the scale users run: 10,000 seeds on two workers, every line
# there once and the summary agreeing with them.
# The one heavy command of the suite: 2 s in an optimised build, about 60 s
# in CI's sanitized -O0 build, so it gets a bound of its own.
SAVED_BOUND=("${BOUND[@]}")
[ ${#BOUND[@]} -eq 0 ] || BOUND=(timeout 300)
check "sweep 1..10000 -j 2: exit 1 (some seeds bug-check)" 1 \
    "$DRVSIM" sweep $F/random_crash.lua --seeds 1..10000 -j 2 --jsonl "$T/sweep10k.jsonl"
BOUND=("${SAVED_BOUND[@]}")
cp "$OUT" "$T/sweep10k_summary"
py "sweep 1..10000: 10,000 JSON lines, seeds 1..10000 in order, the summary agrees" \
    "$T/sweep10k.jsonl" "
import json, re, sys
rows = [json.loads(l) for l in sys.stdin]
assert [r['seed'] for r in rows] == list(range(1, 10001)), 'seeds'
clean = sum(r['outcome'] == 'clean' for r in rows)
bad = [r for r in rows if r['outcome'] == 'bugcheck']
assert clean + len(bad) == 10000 and 0 < len(bad) < 10000, (clean, len(bad))
summary = open('$T/sweep10k_summary').read()
m = re.search(r'^10000 runs, ([0-9]+) clean; ([0-9]+) matched expect, ([0-9]+) did not$',
              summary, re.M)
assert m and int(m.group(1)) == clean and int(m.group(2)) == clean, summary
assert int(m.group(3)) == len(bad), summary
g = re.search(r'^ *([0-9]+) x bug check 0xE0000001 .*first seed ([0-9]+)', summary, re.M)
assert g and int(g.group(1)) == len(bad) and int(g.group(2)) == bad[0]['seed'], summary"

check "sweep -j 2: exit 1" 1 \
    "$DRVSIM" sweep $F/random_crash.lua --seeds 1..20 -j 2 --jsonl "$T/sweep2.jsonl"
same "sweep -j 2: the same JSON lines as -j 1" "$T/sweep1.jsonl" "$T/sweep2.jsonl"
same "sweep -j 2: the same summary as -j 1" "$T/sweep_summary" "$OUT"

run "$DRVSIM" sweep $F/random_crash.lua --seeds 1..20 --shard 1/2 --jsonl "$T/shard1.jsonl"
run "$DRVSIM" sweep $F/random_crash.lua --seeds 1..20 --shard 2/2 --jsonl "$T/shard2.jsonl"
cat "$T/shard1.jsonl" "$T/shard2.jsonl" >"$T/shards.jsonl" 2>/dev/null
py "sweep --shard 1/2 + 2/2: every seed of 1..20 exactly once, same results" "$T/shards.jsonl" "
import json, sys
rows = [json.loads(l) for l in sys.stdin]
seeds = sorted(r['seed'] for r in rows)
assert seeds == list(range(1, 21)), seeds
full = {json.loads(l)['seed']: json.loads(l) for l in open('$T/sweep1.jsonl')}
for r in rows:
    assert r == full[r['seed']], (r, full[r['seed']])"
py "sweep --shard 1/2: the odd seeds" "$T/shard1.jsonl" '
import json, sys
assert [json.loads(l)["seed"] for l in sys.stdin] == list(range(1, 21, 2))'

check "sweep: every seed clean: exit 0" 0 "$DRVSIM" sweep $F/clean.lua --seeds 1..3 --jsonl -
py "sweep --jsonl -: stdout is the 3 JSON lines" "$OUT" '
import json, sys
assert [json.loads(l)["seed"] for l in sys.stdin] == [1, 2, 3]'
err_has "sweep --jsonl -: the summary goes to stderr" '3 runs'
check "sweep: a scenario with a Lua syntax error: exit 3 (a scenario error, not a failed run)" 3 \
    "$DRVSIM" sweep $F/syntax_error.lua --seeds 1..2 --jsonl "$T/sweep_syntax.jsonl"
ok_if "sweep: ... naming file:line" "stdout: $(show "$OUT"); stderr: $(show "$ERR")" \
    sh -c 'cat "$1" "$2" | grep -q "syntax_error\.lua:5:"' - "$OUT" "$ERR"
check "sweep: a missing scenario: exit 3" 3 "$DRVSIM" sweep $F/nonexistent.lua --seeds 1..3
err_has "sweep: ... 'cannot open'" 'cannot open'

# ---------------------------------------------------------------------------
# drvsim rules
# ---------------------------------------------------------------------------

check "rules: exit 0" 0 "$DRVSIM" rules
out_has "rules: lists irql_raise_below_current with 0xC4/0x30" \
    '^irql_raise_below_current +0xC4/0x30 '
check "rules --json: exit 0" 0 "$DRVSIM" rules --json
py "rules --json: a JSON array of {id, code, description}" "$OUT" '
import json, sys
a = json.load(sys.stdin)
assert isinstance(a, list) and a, type(a)
for r in a:
    assert isinstance(r.get("id"), str) and isinstance(r.get("code"), int), r
    assert isinstance(r.get("description"), str) and r["description"], r
ids = [r["id"] for r in a]
assert len(ids) == len(set(ids)), "duplicate ids"
r = next(r for r in a if r["id"] == "irql_raise_below_current")
assert r["code"] == 0xC4, r'
py "rules --json: every rule says what its four parameters hold" "$OUT" '
import json, sys
for r in json.load(sys.stdin):
    m = r.get("param_meanings")
    assert isinstance(m, list) and len(m) == 4, r
    assert all(isinstance(x, str) and x.strip() for x in m), r'
check "rules RULE: exit 0" 0 "$DRVSIM" rules pool_leak_on_unload kisr_irql_changed
py "rules RULE...: each rule asked for, with its code, name, option and Arg1..Arg4" "$OUT" '
import sys
blocks = sys.stdin.read().split("\n\n")
assert len(blocks) == 2, blocks
lines = blocks[0].splitlines()
assert lines[0] == ("pool_leak_on_unload: 0xC4/0x62 DRIVER_VERIFIER_DETECTED_VIOLATION, "
                    "0x8 Pool tracking"), lines[0]
assert lines[3] == "  Arg2: Name of the driver", lines
assert lines[5] == "  Arg4: Number of allocations not freed, paged and nonpaged", lines
assert blocks[1].startswith("kisr_irql_changed: 0xC8 IRQL_UNEXPECTED_VALUE, kernel\n"), blocks[1]'
check "rules --json RULE: exit 0" 0 "$DRVSIM" rules --json kisr_irql_changed
py "rules --json RULE: only that rule" "$OUT" '
import json, sys
a = json.load(sys.stdin)
assert [r["id"] for r in a] == ["kisr_irql_changed"], a
assert a[0]["param_meanings"][2] == "KINTERRUPT", a'

# ---------------------------------------------------------------------------
# drvsim ddis
# ---------------------------------------------------------------------------

check "ddis KeAcquireSpinLock: exit 0" 0 "$DRVSIM" ddis KeAcquireSpinLock
py "ddis NAME: the WDK signature, the Lua form, the file and the checks that watch it" "$OUT" '
import sys
lines = sys.stdin.read().splitlines()
assert lines == [
    "KeAcquireSpinLock",
    "  VOID KeAcquireSpinLock(PVOID SpinLock, _Out_ PKIRQL OldIrql)",
    "  Lua: local OldIrql = KeAcquireSpinLock(SpinLock)",
    "  flags: spins sync",
    "  in: sim/ke/spinlock.c",
    "  checks: kspin_lock_already_owned, spinlock_acquire_above_dispatch"], lines'
check "ddis with a name that is not a DDI: exit 2" 2 "$DRVSIM" ddis KeFrobnicate
err_has "ddis KeFrobnicate: ... names it" "^drvsim: no DDI 'KeFrobnicate'"
check "ddis --json: exit 0" 0 "$DRVSIM" ddis --json
"$DRVSIM" rules --json >"$T/all_rules.json" 2>/dev/null
py "ddis --json: every DDI once, numbered as in the trace, each check a rule of drvsim rules" "$OUT" '
import json, sys, os
a = json.load(sys.stdin)
rules = {r["id"] for r in json.load(open(sys.argv[1]))}
assert [d["number"] for d in a] == list(range(len(a))), "numbers"
assert len({d["name"] for d in a}) == len(a), "duplicates"
for d in a:
    assert d["signature"].split("(")[0].endswith(" " + d["name"]), d
    assert set(d["checks"]) <= rules, (d["name"], set(d["checks"]) - rules)
    assert all(p["wdk_type"] for p in d["params"]), d
w = next(d for d in a if d["name"] == "KeWaitForSingleObject")
assert "wait_above_dispatch" in w["checks"] and "blocking" in w["flags"], w' "$T/all_rules.json"

# ---------------------------------------------------------------------------
# The sandbox: each check is a scenario whose run() asserts one thing; it
# exits 0 when the assertion holds and 3 (a scenario error) when not.
# ---------------------------------------------------------------------------

SB=0
# sandbox DESCRIPTION LUA-CONDITION
sandbox() {
    SB=$((SB + 1))
    local file=$T/sandbox_$SB.lua
    printf '%s\n' \
        '-- generated by tests/cli/test_cli.sh' \
        'scenario { expect = "clean" }' \
        'run(function()' \
        "  assert($2, \"sandbox check failed\")" \
        'end)' >"$file"
    check "sandbox: $1" 0 "$DRVSIM" run "$file"
}

check "sandbox: a false assertion in run() is a scenario error (exit 3)" 3 \
    "$DRVSIM" run $F/assert_fails.lua
for name in io os require debug coroutine collectgarbage dofile loadfile string.dump; do
    sandbox "$name is nil" "$name == nil"
done
sandbox "math.randomseed is there, and raises" \
    'type(math.randomseed) == "function" and not pcall(math.randomseed, 1)'
sandbox "math.random works" 'math.random(10) >= 1 and math.random(10) <= 10'
sandbox "setmetatable(t, {__gc = f}) raises" \
    'not pcall(setmetatable, {}, { __gc = function() end })'
sandbox "setmetatable without __gc works" \
    'getmetatable(setmetatable({}, { __index = {} })) ~= nil'
sandbox "setmetatable(t, {__mode = \"k\"}) raises" \
    'not pcall(setmetatable, {}, { __mode = "k" })'
sandbox "string.format(\"%p\", {}) raises" 'not pcall(string.format, "%p", {})'
sandbox "string.format(\"%d\", 7) still works" 'string.format("%d", 7) == "7"'
sandbox "tostring({}) is exactly \"table\"" 'tostring({}) == "table"'
sandbox "tostring(print) is exactly \"function\"" 'tostring(print) == "function"'
sandbox "string.format(\"%s\", {}) is exactly \"table\"" 'string.format("%s", {}) == "table"'
sandbox "pairs visits {b=1, a=2, [2]=3, [1]=4} as 1, 2, \"a\", \"b\"" \
    '(function() local s = "" for k in pairs({ b = 1, a = 2, [2] = 3, [1] = 4 }) do s = s .. tostring(k) .. "," end return s == "1,2,a,b," end)()'
sandbox "load of a binary chunk (mode \"b\") raises" \
    'not pcall(load, "\27LuaT\0", "chunk", "b")'
sandbox "load of a binary chunk (default mode) returns nil" \
    'load("\27LuaT\0") == nil'
sandbox "load of text still works" 'load("return 6 * 7")() == 42'
# The constants and DDIs are resolved on first use (lua/globals.c): every way
# of reaching a global sees what registering them all at start gave.
sandbox "rawget(_G, ...) finds a DDI and a constant never used before" \
    'type(rawget(_G, "KeBugCheckEx")) == "function" and rawget(_G, "STATUS_PENDING") == 0x103'
sandbox "a DDI or a constant assigned nil stays nil" \
    '(function() KeBugCheckEx = nil rawset(_G, "STATUS_TIMEOUT", nil) return KeBugCheckEx == nil and STATUS_TIMEOUT == nil end)()'
sandbox "_G has no metatable; pairs(_G) visits DDIs and constants never used" \
    '(function() local n = 0 for k in pairs(_G) do if k == "KeSetEvent" or k == "STATUS_SUCCESS" then n = n + 1 end end return n == 2 and getmetatable(_G) == nil end)()'
sandbox "a strict metatable on _G keeps the DDIs and constants" \
    '(function() setmetatable(_G, { __index = function(_, k) error("undefined " .. k) end }) return type(KeSetEvent) == "function" and STATUS_SUCCESS == 0 and not pcall(function() return Undefined_Name end) end)()'

# probe FILE STATUS ERE: runs a fixture of $F/sandbox (bounded by timeout),
# wants that exit status and a line matching ERE on stderr or stdout, and no
# scenario code running after the machine stopped.
probe() {
    check "sandbox: $1 exits $2" "$2" timeout 30 "$DRVSIM" run "$F/sandbox/$1"
    ok_if "sandbox: $1 says where and why" "stdout: $(show "$OUT") stderr: $(show "$ERR")" \
        grep -Eq -- "$3" "$OUT" "$ERR"
    err_lacks "sandbox: $1 runs no scenario code after the stop" 'after the (bug check|stop)'
}
probe pointer_metatable.lua 3 'pointer_metatable\.lua:6: attempt to index a string value'
probe exception_metatable.lua 3 'exception_metatable\.lua:8: attempt to index a string value'
probe weak_nested.lua 3 'weak_nested\.lua:7: __mode depends on when the garbage collector runs'
probe weak_unsealed.lua 3 'weak_unsealed\.lua:7: __mode depends on when the garbage collector'
probe close_variable.lua 3 'close_variable\.lua:5: __close runs scenario code while an error'
probe close_string.lua 3 'close_string\.lua:4: __close runs scenario code'
probe load_reader.lua 3 'load_reader\.lua:6: load: the chunk must be a string'
probe sort_stop.lua 0 'rule driver_called_bugcheck, at .*sort_stop\.lua:7'
probe gsub_stop.lua 0 'rule driver_called_bugcheck, at .*gsub_stop\.lua:7'
probe classes.lua 0 '^clean: classes'
sandbox "setmetatable(t, {__close = f}) raises" \
    'not pcall(setmetatable, {}, { __close = function() end })'
sandbox "rawset(t, \"__mode\", \"k\") raises" 'not pcall(rawset, {}, "__mode", "k")'
sandbox "getmetatable(\"\").__index is still string" 'getmetatable("").__index == string'

# ---------------------------------------------------------------------------
# Scheduling strategies and the race a sweep finds (scenarios/races/)
# ---------------------------------------------------------------------------

R=scenarios/races
check "--sched bogus: exit 2" 2 "$DRVSIM" run $F/clean.lua --sched bogus
err_has "--sched bogus: ... naming the strategies" 'random, pct'
check "--sched pct:0: exit 2 (depth 1..16)" 2 "$DRVSIM" run $F/clean.lua --sched pct:0
check "--sched pct:3:x: exit 2" 2 "$DRVSIM" sweep $F/clean.lua --seeds 1..2 --sched pct:3:x
check "--sched pct:2 runs a clean scenario clean" 0 "$DRVSIM" run $F/clean.lua --sched pct:2
check "--sched random is the default: same digest as without" 0 \
    "$DRVSIM" run $R/dpc_list_race.lua --sched random --json "$T/race_random.json"
check "race: the recorded seed fails fast (0x139), as the scenario expects" 0 \
    "$DRVSIM" run $R/dpc_list_race.lua --json "$T/race_default.json"
py "race: ... with the same digest as --sched random" "$T/race_default.json" "
import json, sys
o = json.load(sys.stdin)
r = json.load(open('$T/race_random.json'))
assert o['bugcheck']['code'] == 0x139 and o['bugcheck']['params'][0] == 3, o['bugcheck']
assert o['digest'] == r['digest'], (o['digest'], r['digest'])"
check "race: a sweep over 1..100 finds failing seeds (exit 1)" 1 \
    "$DRVSIM" sweep $R/dpc_list_race.lua --seeds 1..100 --jsonl "$T/race.jsonl"
out_has "race: ... the summary groups them under 0x139" '0x139 P1=0x3 .*klist_entry_corrupted'
py "race: most seeds are clean, some bug-check" "$T/race.jsonl" '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
bad = [r for r in rows if r["outcome"] == "bugcheck"]
assert len(rows) == 100 and 0 < len(bad) < 20, len(bad)'
RACE_SEED=$(python3 -c '
import json, sys
print(next(json.loads(l)["seed"] for l in sys.stdin
           if (json.loads(l)["bugcheck"] or {}).get("code") == 0x139))' <"$T/race.jsonl" 2>/dev/null)
check "race: run --seed N replays a failing seed of the sweep" 0 \
    "$DRVSIM" run $R/dpc_list_race.lua --seed "${RACE_SEED:-0}" --json -
py "race: ... with the sweep's digest" "$OUT" "
import json, sys
o = json.load(sys.stdin)
row = next(json.loads(l) for l in open('$T/race.jsonl') if json.loads(l)['seed'] == o['seed'])
assert o['digest'] == row['digest'], (o['digest'], row['digest'])"
check "race: with --sched pct:3 the sweep still runs every seed" 1 \
    "$DRVSIM" sweep $R/dpc_list_race.lua --seeds 101..200 --sched pct:3 --jsonl "$T/race_pct.jsonl"
out_has "race: ... and the replay command keeps --sched" 'replay: drvsim run .* --sched pct:3'
check "race fixed: the locked driver is clean on every seed of 1..100" 0 \
    "$DRVSIM" sweep $R/dpc_list_race_locked.lua --seeds 1..100 --jsonl /dev/null
check "race fixed: ... and under --sched pct:3" 0 \
    "$DRVSIM" sweep $R/dpc_list_race_locked.lua --seeds 1..50 --sched pct:3 --jsonl /dev/null

# ---------------------------------------------------------------------------
# Scheduling decisions by meaning: --record, --replay, shrink of a race
# ---------------------------------------------------------------------------

R=scenarios/races
check "record: the race at its seed, with its scheduling decisions" 0 \
    "$DRVSIM" run $R/dpc_list_race.lua --record "$T/race.rec.json" --json "$T/race.rec.out"
py "record: ... the choice file names each decision by thread and call" "$T/race.rec.json" '
import json, sys
o = json.load(sys.stdin)
assert o["format"] == "drvsim-faults/2" and isinstance(o["seed"], int), o
w = o["switches"]
assert len(w) > 0, w
for d in w:
    assert d["kind"] in ("thread", "dpc", "isr", "idle") and d["cpu"] in (0, 1), d
    assert d["step"] >= 0 and d["id"] >= 0 and d["run"] >= 0, d'
check "replay: the recorded decisions give the same run" 0 \
    "$DRVSIM" run $R/dpc_list_race.lua --replay "$T/race.rec.json" --json -
py "replay: ... with the recorded run's digest" "$OUT" "
import json, sys
o = json.load(sys.stdin)
r = json.load(open('$T/race.rec.out'))
assert o['digest'] == r['digest'], (o['digest'], r['digest'])"
check "replay: under pct:3 alone the seed is clean (exit 1)" 1 \
    "$DRVSIM" run $R/dpc_list_race.lua --sched pct:3
check "replay: under pct:3 the recorded decisions still crash it (they name, not draw)" 0 \
    "$DRVSIM" run $R/dpc_list_race.lua --sched pct:3 --replay "$T/race.rec.json"
check "shrink: the race at its pinned seed" 0 "$DRVSIM" shrink $R/dpc_list_race.lua --out "$T/race.min.json"
py "shrink: ... keeps fewer preemptions than the run made" "$OUT" '
import re, sys
m = re.search(r"^0 of 0 failures and ([0-9]+) of ([0-9]+) preemptions? needed", sys.stdin.read(), re.M)
assert m and 0 < int(m.group(1)) < int(m.group(2)), m and m.groups()'
out_has "shrink: ... named by thread and call" '^  thread [0-9]+ at its call [0-9]+: CPU [01] runs next'
check "shrink: the kept preemptions replay the 0x139" 0 \
    "$DRVSIM" run $R/dpc_list_race.lua --replay "$T/race.min.json"
python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
o["format"] = "drvsim-faults/1"
del o["switches"]
json.dump(o, open(sys.argv[2], "w"))' "$T/race.rec.json" "$T/race.v1.json"
check "replay: a format 1 file (no switches) schedules by the seed" 0 \
    "$DRVSIM" run $R/dpc_list_race.lua --replay "$T/race.v1.json"
printf '{"format": "drvsim-faults/2", "faults": [], "switches": [{"kind": "fibre"}]}' >"$T/bad.json"
check "replay: a switch of an unknown kind is a usage error" 2 \
    "$DRVSIM" run $R/dpc_list_race.lua --replay "$T/bad.json"

# ---------------------------------------------------------------------------
# Interleaving at shared accesses: --sched ...+accesses (sim/ke/share.c)
# ---------------------------------------------------------------------------

R=scenarios/races
check "+accesses: a strategy with a bad suffix is a usage error" 2 \
    "$DRVSIM" run $F/clean.lua --sched random+access
err_has "+accesses: ... naming the suffix" '\+accesses'
check "+accesses: pct:2+accesses runs a clean scenario clean" 0 \
    "$DRVSIM" run $F/clean.lua --sched pct:2+accesses
printf 'scenario { sched = "random+shared" }\nrun(function() end)\n' >"$T/badsched.lua"
check "+accesses: a bad scenario sched is a scenario error" 3 "$DRVSIM" run "$T/badsched.lua"
err_has "+accesses: ... naming the field and the suffix" 'sched must be .*"\+accesses"'
# The lost update: a read-modify-write of a counter by a thread and a DPC.
check "lost update: the pinned seed fails the driver's NT_ASSERT, as the scenario expects" 0 \
    "$DRVSIM" run $R/lost_update_interleave.lua
err_has "lost update: ... the count is wrong (its DbgPrint)" 'stats\.sys: [0-9]+ packets counted, [0-9]+ sent \+ [0-9]+ received'
check "lost update: +accesses finds wrong counts on seeds of 1..100 (the others mismatch: exit 1)" 1 \
    "$DRVSIM" sweep $R/lost_update_interleave.lua --seeds 1..100 --jsonl "$T/lost.jsonl"
py "lost update: ... at least one seed of 100, not every one" "$T/lost.jsonl" '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
bad = [r for r in rows if r["outcome"] == "bugcheck" and r["bugcheck"]["code"] == 0x7E]
assert len(rows) == 100 and 1 <= len(bad) < 100, len(bad)'
check "lost update: without +accesses the count is right on every seed of 1..100" 1 \
    "$DRVSIM" sweep $R/lost_update_interleave.lua --seeds 1..100 --sched random --jsonl "$T/lost0.jsonl"
py "lost update: ... every run clean" "$T/lost0.jsonl" '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert len(rows) == 100 and all(r["outcome"] == "clean" for r in rows), [r["seed"] for r in rows if r["outcome"] != "clean"]'
check "lost update fixed: InterlockedIncrement is right on every seed of 1..100, +accesses on" 0 \
    "$DRVSIM" sweep $R/lost_update_interlocked.lua --seeds 1..100 --jsonl /dev/null
check "lost update fixed: ... and under pct:3+accesses" 0 \
    "$DRVSIM" sweep $R/lost_update_interlocked.lua --seeds 1..50 --sched pct:3+accesses --jsonl /dev/null
# Decisions at accesses are recorded and replayed by meaning, and shrunk.
check "lost update: --record keeps the decisions taken at accesses" 0 \
    "$DRVSIM" run $R/lost_update_interleave.lua --record "$T/lost.rec.json" --json "$T/lost.rec.out"
check "lost update: --replay gives the recorded run" 0 \
    "$DRVSIM" run $R/lost_update_interleave.lua --replay "$T/lost.rec.json" --json -
py "lost update: ... with its digest" "$OUT" "
import json, sys
o = json.load(sys.stdin)
r = json.load(open('$T/lost.rec.out'))
assert o['digest'] == r['digest'], (o['digest'], r['digest'])"
check "lost update: under pct:3+accesses alone the seed is clean (exit 1)" 1 \
    "$DRVSIM" run $R/lost_update_interleave.lua --sched pct:3+accesses
check "lost update: ... the recorded decisions still lose the update (they name, not draw)" 0 \
    "$DRVSIM" run $R/lost_update_interleave.lua --sched pct:3+accesses --replay "$T/lost.rec.json"
check "lost update: shrink" 0 "$DRVSIM" shrink $R/lost_update_interleave.lua --out "$T/lost.min.json"
py "lost update: ... to the preemption between the load and the store, and the one back" "$OUT" '
import re, sys
m = re.search(r"^0 of 0 failures and ([0-9]+) of ([0-9]+) preemptions? needed", sys.stdin.read(), re.M)
assert m and int(m.group(1)) == 2 and int(m.group(2)) > 10, m and m.groups()'
check "lost update: the two replay the failed NT_ASSERT" 0 \
    "$DRVSIM" run $R/lost_update_interleave.lua --replay "$T/lost.min.json"
# The lock-free tail pointer.
check "tail pointer: the pinned seed writes through a freed packet (0xD5), as expected" 0 \
    "$DRVSIM" run $R/tail_pointer_interleave.lua
check "tail pointer: +accesses finds it on seeds of 1..100" 1 \
    "$DRVSIM" sweep $R/tail_pointer_interleave.lua --seeds 1..100 --jsonl "$T/tail.jsonl"
py "tail pointer: ... a freed packet written (0xD5) or a packet lost (0xC4/0x62)" "$T/tail.jsonl" '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
bad = [r for r in rows if r["outcome"] == "bugcheck"]
assert len(rows) == 100 and len(bad) >= 1, len(bad)
for r in bad:
    b = r["bugcheck"]
    assert b["code"] == 0xD5 or (b["code"] == 0xC4 and b["params"][0] == 0x62), b'
check "tail pointer: without +accesses clean on every seed of 1..100" 1 \
    "$DRVSIM" sweep $R/tail_pointer_interleave.lua --seeds 1..100 --sched random --jsonl "$T/tail0.jsonl"
py "tail pointer: ... every run clean" "$T/tail0.jsonl" '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert len(rows) == 100 and all(r["outcome"] == "clean" for r in rows), [r["seed"] for r in rows if r["outcome"] != "clean"]'
check "tail pointer fixed: the DPC under the lock is clean on every seed of 1..100" 0 \
    "$DRVSIM" sweep $R/tail_pointer_locked.lua --seeds 1..100 --jsonl /dev/null
check "tail pointer: shrink" 0 "$DRVSIM" shrink $R/tail_pointer_interleave.lua --out "$T/tail.min.json"
py "tail pointer: ... from thousands of preemptions to at most 3" "$OUT" '
import re, sys
m = re.search(r"^0 of 0 failures and ([0-9]+) of ([0-9]+) preemptions? needed", sys.stdin.read(), re.M)
assert m and 1 <= int(m.group(1)) <= 3 and int(m.group(2)) > 1000, m and m.groups()'
check "tail pointer: the kept preemptions replay the 0xD5" 0 \
    "$DRVSIM" run $R/tail_pointer_interleave.lua --replay "$T/tail.min.json"

# The cancel race of scenarios/io: a timer DPC and IoCancelIrp both complete a
# read on some seeds (0x44); with the ownership check, no seed does.
check "io race: a sweep over 1..20 finds a double completion (exit 1)" 1 \
    "$DRVSIM" sweep scenarios/io/kirp_completed_twice.lua --seeds 1..20 -j 2 --jsonl /dev/null
out_has "io race: ... MULTIPLE_IRP_COMPLETE_REQUESTS" '0x44 driver pollread\.sys rule kirp_completed_twice'
check "io race fixed: clean on every seed of 1..100" 0 \
    "$DRVSIM" sweep scenarios/io/kirp_completed_twice_clean.lua --seeds 1..100 -j 2 --jsonl /dev/null

# ---------------------------------------------------------------------------
# The contract's examples, verbatim (CONTRACT 3), when ../shared is beside us
# ---------------------------------------------------------------------------

CONTRACT=../shared/CONTRACT.md
if [ -f "$CONTRACT" ]; then
    for pair in "1 scenarios/demo/leak_on_unload.lua" "2 scenarios/demo/timer_dpc_thread.lua"; do
        set -- $pair
        py "contract example $1 is $2 verbatim (after its comment line)" "$CONTRACT" "
import sys
block = sys.stdin.read().split('\\x60\\x60\\x60lua\\n')[$1].split('\\x60\\x60\\x60')[0]
body = open('$2').read().split('\\n', 1)[1]
while body.startswith('--'):
    body = body.split('\\n', 1)[1]
assert body == block, 'differs'"
    done
    set --
fi
check "contract example 2 (timer, DPC, system thread) runs clean" 0 \
    "$DRVSIM" run scenarios/demo/timer_dpc_thread.lua

# ---------------------------------------------------------------------------
# Low resources simulation: /faults, --fail-nth, --record/--replay,
# explore-faults, shrink, sweep --resume, scenario{ faults }
# ---------------------------------------------------------------------------

S=scenarios/faults
check "faults: a DPC that ignores NULL crashes after the delay (its expect: 0xD1)" 0 \
    "$DRVSIM" run $S/sample_dpc_null.lua
out_has "faults: the report counts the failures injected" \
    'low resources simulation failed 1 call deliberately; last 1:'
out_has "faults: ... and lists the last with DDI, tag, ordinal, driver and line" \
    "ExAllocatePoolWithTag tag \"Smpl\" #[0-9]+  sensor\.sys  $S/sample_dpc_null\.lua:27"
check "faults: --json gives the injected failures" 0 "$DRVSIM" run $S/sample_dpc_null.lua --json -
py "faults: ... count, last (ddi, tag, ordinal, site), and the counter" "$OUT" '
import json, sys
o = json.load(sys.stdin)
f = o["injected_failures"]
assert f["count"] == 1 and len(f["last"]) == 1, f
l = f["last"][0]
assert l["ddi"] == "ExAllocatePoolWithTag" and l["tag"] == "Smpl" and l["ordinal"] > 0, l
assert l["site"].endswith("sample_dpc_null.lua:27") and l["time_ns"] >= 7 * 60 * 10**9, l
assert o["counters"]["AllocationsFailedDeliberately"] == 1, o["counters"]'
check "faults: the first 7 simulated minutes are clean (a timeout, not a crash)" 1 \
    "$DRVSIM" run $S/sample_dpc_null.lua --limit 7min --json -
py "faults: ... with nothing injected" "$OUT" '
import json, sys
o = json.load(sys.stdin)
assert o["outcome"] == "timeout" and o["counters"]["AllocationsFailedDeliberately"] == 0, o'
check "faults: /faults is no longer reported as not simulated" 0 \
    "$DRVSIM" run $F/clean.lua --verifier "/faults 600 Leak \"\" 7 /all"
err_lacks "faults: ... no note about /faults" 'faults'
check "faults: the twin that checks every allocation runs clean" 0 \
    "$DRVSIM" run $S/sample_dpc_handles_failure.lua
check "faults: Verifier(\"/volatile /faults ...\") switches it on mid-run" 0 \
    "$DRVSIM" run $F/faults_volatile.lua

check "--fail-nth 2: the DPC's first allocation fails at once (no delay)" 0 \
    "$DRVSIM" run $S/sample_dpc_null.lua --fail-nth 2 --json -
py "--fail-nth: ... exactly one failure, the 2nd eligible call, long before 7 minutes" "$OUT" '
import json, sys
o = json.load(sys.stdin)
f = o["injected_failures"]
assert f["count"] == 1 and f["last"][0]["nth"] == 2, f
assert o["bugcheck"]["code"] == 0xD1 and o["sim_time_ns"] < 60 * 10**9, o
assert "--fail-nth 2" in o["replay"], o["replay"]'
check "--fail-nth 1: DriverEntry's failure makes the harness' assert a scenario error" 3 \
    "$DRVSIM" run $S/sample_dpc_null.lua --fail-nth 1
check "--fail-nth 0: exit 2" 2 "$DRVSIM" run $F/clean.lua --fail-nth 0
check "--fail-nth x: exit 2" 2 "$DRVSIM" run $F/clean.lua --fail-nth x
check "sweep --fail-nth 2: every seed crashes as expected" 0 \
    "$DRVSIM" sweep $S/sample_dpc_null.lua --seeds 1..3 --fail-nth 2 --jsonl "$T/nth.jsonl"
py "sweep --fail-nth: ... each JSON line counts its injected failures" "$T/nth.jsonl" '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert len(rows) == 3 and all(r["injected_failures"] == {"count": 1} for r in rows), rows'

check "--record: a crashing run" 0 "$DRVSIM" run $S/sample_dpc_null.lua --seed 5 --record "$T/rec.json"
py "--record: a choice file keyed by DDI, tag and ordinal, with its seed" "$T/rec.json" '
import json, sys
o = json.load(sys.stdin)
assert o["format"] == "drvsim-faults/2" and o["seed"] == 5, o
f = o["faults"]
assert len(f) == 1 and f[0]["ddi"] == "ExAllocatePoolWithTag" and f[0]["tag"] == "Smpl", f
assert f[0]["ordinal"] > 1 and f[0]["tag_value"] == 0x6C706D53, f'
{ printf -- '-- an unrelated edit: two comment lines above everything\n--\n'; cat $S/sample_dpc_null.lua; } \
    >"$T/edited.lua"
check "--replay: an edited copy of the scenario (lines shifted) still crashes" 0 \
    "$DRVSIM" run "$T/edited.lua" --replay "$T/rec.json" --json -
py "--replay: ... the same call fails: same DDI, tag and ordinal, the new line, same seed" "$OUT" "
import json, sys
o = json.load(sys.stdin)
rec = json.load(open('$T/rec.json'))['faults'][0]
l = o['injected_failures']['last'][0]
assert o['seed'] == 5 and o['injected_failures']['count'] == 1, o
assert (l['ddi'], l['tag'], l['ordinal']) == (rec['ddi'], rec['tag'], rec['ordinal']), (l, rec)
assert l['site'].endswith('edited.lua:29'), l
assert o['bugcheck']['code'] == 0xD1 and '--replay' in o['replay'], o"
printf '{"format": "drvsim-faults/1", "seed": 5, "faults": []}\n' >"$T/none.json"
check "--replay of an empty choice file: nothing fails, not even at random (mismatch)" 1 \
    "$DRVSIM" run $S/sample_dpc_null.lua --replay "$T/none.json" --json -
py "--replay: ... a clean run" "$OUT" '
import json, sys
o = json.load(sys.stdin)
assert o["outcome"] == "clean" and "injected_failures" not in o, o'
printf '{"format": "drvsim-faults/1", "faults": [{"ddi": "NoSuchDdi", "tag": "Smpl", "ordinal": 1}]}\n' \
    >"$T/badddi.json"
check "--replay naming an unknown DDI: exit 2" 2 "$DRVSIM" run $F/clean.lua --replay "$T/badddi.json"
check "--replay of a missing file: exit 2" 2 "$DRVSIM" run $F/clean.lua --replay "$T/missing.json"
check "--replay with --fail-nth: exit 2" 2 \
    "$DRVSIM" run $F/clean.lua --replay "$T/none.json" --fail-nth 1

check "explore-faults --help: exit 0" 0 "$DRVSIM" explore-faults --help
out_has "explore-faults --help: its usage" '^usage: drvsim explore-faults'
check "explore-faults without a scenario: exit 2" 2 "$DRVSIM" explore-faults
check "explore-faults: the twin survives every site failing" 0 \
    "$DRVSIM" explore-faults $S/sample_dpc_handles_failure.lua
out_has "explore-faults: ... a table of sites" '^SITE +DDI +OUTCOME'
out_has "explore-faults: ... the DPC's allocation, clean" \
    "sample_dpc_handles_failure\.lua:25 +ExAllocatePoolWithTag +clean"
out_has "explore-faults: ... 2 sites, none bug-checked" '^2 sites, 0 bug-checked'
check "explore-faults: the buggy driver: exit 1" 1 "$DRVSIM" explore-faults $S/sample_dpc_null.lua
out_has "explore-faults: ... the DPC site bug-checks" \
    'sample_dpc_null\.lua:27 +ExAllocatePoolWithTag +0xD1 driver_fault_at_raised_irql'
out_has "explore-faults: ... with its replay command" \
    'replay: drvsim run scenarios/faults/sample_dpc_null\.lua --seed 1 --fail-nth 2'

# Force pending I/O (/flags 0x200) is a fault point explore-faults enumerates:
# one run per IoCallDriver site of the verified driver, that call made to
# return STATUS_PENDING.
FP=scenarios/force_pending
check "explore-faults /flags 0x200: a START forwarded without a wait is found: exit 1" 1 \
    "$DRVSIM" explore-faults $FP/start_not_waited.lua --seed 2
out_has "explore-faults /flags 0x200: ... the START site bug-checks (0x209)" \
    'start_not_waited\.lua:[0-9]+ +IoCallDriver +0xC9 io2_complete_queued_irp'
out_has "explore-faults /flags 0x200: ... the other sites run clean" '^3 sites, 1 bug-checked'
check "explore-faults /flags 0x200: its twin, which waits, survives every site: exit 0" 0 \
    "$DRVSIM" explore-faults $FP/start_not_waited_clean.lua --seed 2
out_has "explore-faults /flags 0x200: ... 3 IoCallDriver sites, none bug-checked" '^3 sites, 0 bug-checked'
check "force pending: without 0x200 the unwaited START runs clean (not as expected: exit 1)" 1 \
    "$DRVSIM" run $FP/start_not_waited.lua --verifier "/standard /driver syncfwd.sys"
out_lacks "force pending: ... no bug check" 'STOP'
check "force pending: --fail-nth forces exactly that IoCallDriver (seed 2 alone does not)" 0 \
    "$DRVSIM" run $FP/start_not_waited.lua --seed 2 --fail-nth 1
out_has "force pending: ... the report names the forced call" \
    'IoCallDriver #1 forced STATUS_PENDING +syncfwd\.sys'

# IRP logging (/flags 0x400): each verified device's last twenty IRPs, in the
# JSON report too.
check "IRP logging: the record of \\Device\\Logged: exit 0" 0 \
    "$DRVSIM" run scenarios/irp_logging/irp_log_clean.lua --json "$T/irplog.json"
py "IRP logging: ... --json has irp_log, twenty entries in slot order" "$T/irplog.json" '
import json, sys
logs = json.load(sys.stdin)["irp_log"]
assert len(logs) == 1, logs
d = logs[0]
assert d["driver"] == "logged.sys" and d["device"] == "\\Device\\Logged" and d["total"] == 27, d
e = d["entries"]
assert len(e) == 20 and [x["seq"] for x in e[:7]] == [21, 22, 23, 24, 25, 26, 27], e[:7]
io = e[4]["ioctl"]
assert io["device_type"] == 0x22 and io["function"] == 0x800 and io["method"] == 0, io
assert io["input_length"] == 0 and io["output_length"] == 4, io
assert e[6]["major"] == 2 and "ioctl" not in e[6], e[6]
'
check "IRP logging: without 0x400 no record" 0 \
    "$DRVSIM" run scenarios/force_pending/start_not_waited_clean.lua --json "$T/irplog_off.json"
py "IRP logging: ... and no irp_log in the JSON" "$T/irplog_off.json" '
import json, sys
assert "irp_log" not in json.load(sys.stdin)
'

check "shrink: the thread loop's crash after many handled failures" 0 \
    "$DRVSIM" shrink $S/thread_loop_null.lua --seed 1 --out "$T/shrunk.json"
out_has "shrink: ... one failure is needed" '^1 of [0-9]+ failures and [0-9]+ of [0-9]+ preemptions? needed'
out_has "shrink: ... the replay command" \
    "replay: drvsim run scenarios/faults/thread_loop_null\.lua --seed 1 --replay $T/shrunk\.json"
py "shrink: the choice file holds the unchecked allocation only" "$T/shrunk.json" '
import json, sys
f = json.load(sys.stdin)["faults"]
assert len(f) == 1 and f[0]["tag"] == "Sum " and f[0]["site"].endswith(":34"), f'
check "shrink: the minimal file replays the crash" 0 \
    "$DRVSIM" run $S/thread_loop_null.lua --replay "$T/shrunk.json"
check "shrink: a run that does not crash: exit 1" 1 \
    "$DRVSIM" shrink $F/clean.lua --out "$T/none2.json"

check "scenario{ faults }: the predicate picks what fails" 0 \
    "$DRVSIM" run $F/faults_predicate.lua --record "$T/pred.json"
py "scenario{ faults }: ... only Sum allocations of the System process failed" "$T/pred.json" '
import json, sys
f = json.load(sys.stdin)["faults"]
assert len(f) > 10 and all(x["tag"] == "Sum " for x in f), f'
check "scenario{ faults }: a predicate that raises: exit 3" 3 \
    "$DRVSIM" run $F/faults_predicate_error.lua
err_has "scenario{ faults }: ... naming the predicate" 'scenario\{ faults \}: .*predicate broken'

check "sweep --resume: the first half" 1 \
    "$DRVSIM" sweep $F/random_crash.lua --seeds 1..10 --jsonl "$T/resume.jsonl"
check "sweep --resume: the whole range, resumed" 1 \
    "$DRVSIM" sweep $F/random_crash.lua --seeds 1..20 --resume --jsonl "$T/resume.jsonl"
same "sweep --resume: the same JSON lines as one sweep" "$T/sweep1.jsonl" "$T/resume.jsonl"
same "sweep --resume: the summary covers every line" "$T/sweep_summary" "$OUT"
check "sweep --resume: nothing left to run" 1 \
    "$DRVSIM" sweep $F/random_crash.lua --seeds 1..20 --resume --jsonl "$T/resume.jsonl"
same "sweep --resume: ... the file is unchanged" "$T/sweep1.jsonl" "$T/resume.jsonl"
check "sweep --resume without --jsonl: exit 2" 2 \
    "$DRVSIM" sweep $F/random_crash.lua --seeds 1..20 --resume

# ---------------------------------------------------------------------------
# Verifier notes: the special pool warning, a command line that verifies
# nothing, the options simulated in part
# ---------------------------------------------------------------------------

S=scenarios/special_pool
check "special pool warning: special pool exhausted (128 of 160 from it)" 0 \
    "$DRVSIM" run $S/exhausted_clean.lua --json -
py "special pool warning: ... the note says fewer than 95% (80%)" "$OUT" '
import json, sys
o = json.load(sys.stdin)
want = "special pool: only 128 of 160 pool allocations (80%) came from special pool"
assert any(n.startswith(want) for n in o["notes"]), o["notes"]'
check "special pool warning: an 8 KB + 64 B driver under /flags 0x9" 0 \
    "$DRVSIM" run $S/counters_page_or_more_clean.lua --json -
py "special pool warning: ... none: a page or more is not counted (special-pool.md)" "$OUT" '
import json, sys
o = json.load(sys.stdin)
c = o["counters"]
assert not any("special pool" in n for n in o["notes"]), o["notes"]
assert (c["AllocationsAttempted"], c["AllocationsSucceeded"],
        c["AllocationsSucceededSpecialPool"], c["UnTrackedPool"]) == (1, 1, 1, 1), c'

L=scenarios/demo/leak_on_unload.lua
for v in "/flags 0x8" "/standard" "/ruleclasses 1" "/faults 600"; do
    check "no target: --verifier \"$v\" runs (the leak goes unseen: exit 1)" 1 \
        "$DRVSIM" run $L --verifier "$v"
    err_has "no target: ... a note says \"$v\" verifies nothing" \
        "^drvsim: note: verifier settings name no driver: ${v%% *}.* without /driver or /all verifies nothing"
done
check "no target: --json carries the note too" 1 \
    "$DRVSIM" run $L --verifier "/flags 0x8" --json "$T/notarget.json"
check "no target: ... a driver named (not this one's): no note" 1 \
    "$DRVSIM" run $L --verifier "/flags 0x8 /driver x.sys" --json "$T/othertarget.json"
cat "$T/notarget.json" "$T/othertarget.json" >"$T/targets.json"
py "no target: ... in notes, and the digest is the one of the run without the note" \
    "$T/targets.json" '
import json, sys
text = sys.stdin.read()
o, end = json.JSONDecoder().raw_decode(text)
p = json.loads(text[end:])
assert any(n.startswith("verifier settings name no driver: /flags 0x8 ") for n in o["notes"]), o
assert not any("name no driver" in n for n in p["notes"]), p["notes"]
assert o["digest"] == p["digest"], (o["digest"], p["digest"])'
for v in "/flags 0x8 /driver leaky.sys" "/standard /all" "/flags 0x8 /all /driver.exclude x.sys"; do
    run "$DRVSIM" run $L --verifier "$v"
    err_lacks "no target: --verifier \"$v\" has no such note" 'name no driver'
done
check "Enhanced I/O: /flags 0x50 /all runs" 1 "$DRVSIM" run $L --verifier "/flags 0x50 /all"
err_has "Enhanced I/O: ... 0x40 simulated in part, with the codes the catalogue has" \
    '^drvsim: note: verifier option Enhanced I/O verification \(0x40\) is simulated in part: 24 of its checks \(0xC9: 0x23D, 0x23E, 0x240, 0x312, 0x23F, 0x241, 0x242, 0x243, 0x244, 0x245, 0x247, 0x248, 0x24B, 0x300, 0x302, 0x306, 0x307, 0x310, 0x311, 0x246, 0x249, 0x24A, 0x24D, 0x23C\), on with I/O verification \(0x10\)'
err_lacks "Enhanced I/O: ... and not listed as not simulated" 'not simulated yet:.*0x40'
check "Enhanced I/O: /flags 0x40 alone runs" 1 "$DRVSIM" run $L --verifier "/flags 0x40 /all"
err_has "Enhanced I/O: ... the note says none is on without 0x10" '0x10 is not set: none is on'
# DDI compliance: /flags 0x20000 is simulated in part; /ruleclasses 35 and
# drvsim's /sdv say how many of their rules run.
check "DDI compliance: /standard /rc 35 /sdv /all runs (the leak, as expected)" 0 "$DRVSIM" run $L \
    --verifier "/standard /rc 35 /sdv /all"
err_has "DDI compliance: ... 0x20000 simulated in part" \
    '^drvsim: note: verifier options simulated in part .*DDI compliance checking \(0x20000\): [0-9]+ of its checks'
err_lacks "DDI compliance: ... 0x20000 not listed as not simulated" 'not simulated yet:.*0x20000'
err_has "DDI compliance: ... a note for /ruleclasses 35" \
    '^drvsim: note: verifier /ruleclasses 35 \(DDI checking \(additional IRQL rules\)\) is '
err_has "DDI compliance: ... a note for /sdv" \
    '^drvsim: note: verifier /sdv \(Static Driver Verifier rules at run time \(drvsim\)\) is '
check "rules IrqlKeSetEvent: the rule's DDIs and conditions" 0 "$DRVSIM" rules IrqlKeSetEvent
out_has "rules IrqlKeSetEvent: ... code and option" \
    '^IrqlKeSetEvent: 0xC4/0x20016 DRIVER_VERIFIER_DETECTED_VIOLATION, 0x20000 DDI compliance checking$'
out_has "rules IrqlKeSetEvent: ... watched DDIs" '^  watches: KeSetEvent$'
out_has "rules IrqlKeSetEvent: ... the Wait condition" \
    '^  condition: KeSetEvent: IRQL <= APC_LEVEL when Wait is TRUE$'
check "rules --json: the catalogue" 0 "$DRVSIM" rules --json
py "rules --json: a DDI rule has its watched DDIs, conditions and option switch" "$OUT" '
import json, sys
rules = {r["id"]: r for r in json.load(sys.stdin)}
r = rules["IrqlKeSetEvent"]
assert r["p1"] == 0x20016 and r["option"] == 0x20000, r
assert r["option_switch"] == "/flags 0x20000", r
assert r["watches"] == "KeSetEvent", r
assert "when Wait is TRUE" in r["conditions"], r
assert "watches" not in rules["irql_raise_below_current"]'
py "Enhanced I/O: ... the count in the note is the catalogue's 0xC9 0x23C-0x24D, 0x300-0x312" "$OUT" '
import json, sys
rules = json.load(sys.stdin)
eio = sorted(r["p1"] for r in rules if r["code"] == 0xC9 and "p1" in r and
             (0x23C <= r["p1"] <= 0x24D or 0x300 <= r["p1"] <= 0x312))
assert eio == [0x23C, 0x23D, 0x23E, 0x23F, 0x240, 0x241, 0x242, 0x243, 0x244, 0x245, 0x246,
               0x247, 0x248, 0x249, 0x24A, 0x24B, 0x24D, 0x300, 0x302, 0x306, 0x307, 0x310,
               0x311, 0x312], [hex(v) for v in eio]'
py "rules --json: pool_must_succeed says what it checks (more than one page)" "$OUT" '
import json, sys
r = [r for r in json.load(sys.stdin) if r["id"] == "pool_must_succeed"][0]
assert "more than one page" in r["description"], r'
py "rules --json: the warnings are marked (0x21C, 0x238), the errors not" "$OUT" '
import json, sys
rules = {r["id"]: r for r in json.load(sys.stdin)}
assert rules["io2_copied_no_completion"]["warning"] is True, rules["io2_copied_no_completion"]
assert rules["io2_initialize_allocated_irp_no_quota"]["warning"] is True
assert rules["io2_initialize_allocated_irp"]["warning"] is False'
check "warnings: a run that reports three goes on, clean" 0 "$DRVSIM" run \
    scenarios/iov/io2_copied_no_completion.lua --json -
py "warnings: ... --json lists them with their rule, parameters and driver" "$OUT" '
import json, sys
d = json.load(sys.stdin)
assert d["outcome"] == "clean" and d["warning_total"] == 3, d
w = d["warnings"][0]
assert w["rule"] == "io2_copied_no_completion" and w["code"] == 0xC9, w
assert w["params"][0] == 0x21C and w["driver"] == "copyflt.sys", w'
err_has "warnings: ... a drvsim: warning: line each" \
    '^drvsim: warning: 0xC9/0x21C io2_copied_no_completion \(copyflt.sys\): P2 0x'
check "warnings: --kd prints WDM DRIVER WARNING and goes on" 0 "$DRVSIM" run \
    scenarios/iov/io2_copied_no_completion.lua --kd
err_has "warnings: ... the debugger's line" '^WDM DRIVER WARNING 0x21C \(copyflt.sys\): '

# ---------------------------------------------------------------------------
# A sweep keeps every result: a killed sweep, a torn line, a full disk and a
# killed worker all resume to the lines an uninterrupted sweep writes.
# ---------------------------------------------------------------------------

# same_lines DESCRIPTION FILE REFERENCE: the same set of lines, by seed.
same_lines() {
    py "$1" "$2" "
import json, sys
got = sorted(sys.stdin.read().splitlines(), key=lambda l: json.loads(l)['seed'])
want = sorted(open('$3').read().splitlines(), key=lambda l: json.loads(l)['seed'])
assert len(got) == len(want), (len(got), len(want))
bad = [(g, w) for g, w in zip(got, want) if g != w]
assert not bad, bad[0]"
}

# wait_lines FILE N: waits (20 s at most) until FILE has N lines.
wait_lines() {
    local tries=0
    while [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -lt "$2" ] && [ $tries -lt 2000 ]; do
        sleep 0.01
        tries=$((tries + 1))
    done
}

# The references: seeds 1..N of the uninterrupted 10,000-seed sweep above.
head -n 300 "$T/sweep10k.jsonl" >"$T/ref300.jsonl"
rm -f "$T/killed.jsonl"
# 10,000 seeds, so that the sweep is still running at the third kill however
# fast a seed is and however slowly this loop sees the lines.
for n in 1 400 900; do
    "$DRVSIM" sweep $F/random_crash.lua --seeds 1..10000 -j 2 --resume \
        --jsonl "$T/killed.jsonl" >/dev/null 2>&1 </dev/null &
    pid=$!
    wait_lines "$T/killed.jsonl" "$n"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
done
lines=$(wc -l <"$T/killed.jsonl")
ok_if "sweep killed with kill -9 three times: it had not finished ($lines lines)" \
    "$lines lines" test "$lines" -lt 10000
check "sweep killed with kill -9: --resume finishes it (exit 1: some seeds bug-check)" 1 \
    "$DRVSIM" sweep $F/random_crash.lua --seeds 1..10000 -j 2 --resume --jsonl "$T/killed.jsonl"
same_lines "sweep killed with kill -9: ... the lines of an uninterrupted sweep" \
    "$T/killed.jsonl" "$T/sweep10k.jsonl"

# A last line cut short (a writer killed mid-line): dropped, its seed run again.
head -n 7 "$T/sweep1.jsonl" >"$T/torn.jsonl"
sed -n 8p "$T/sweep1.jsonl" | head -c 50 >>"$T/torn.jsonl"
check "sweep --resume after a torn last line: exit 1 (not 2)" 1 \
    "$DRVSIM" sweep $F/random_crash.lua --seeds 1..20 --resume --jsonl "$T/torn.jsonl"
err_has "sweep --resume after a torn last line: ... a note names the line" \
    'note: --resume: .*torn\.jsonl line 8 was cut short'
same "sweep --resume after a torn last line: ... the lines of one sweep" \
    "$T/sweep1.jsonl" "$T/torn.jsonl"
same "sweep --resume after a torn last line: ... the summary of one sweep" \
    "$T/sweep_summary" "$OUT"

# A seed held twice (two files joined by hand) counts once.
cat "$T/sweep1.jsonl" "$T/shard1.jsonl" >"$T/dup.jsonl"
check "sweep --resume, a seed twice in the file: exit 1" 1 \
    "$DRVSIM" sweep $F/random_crash.lua --seeds 1..20 --resume --jsonl "$T/dup.jsonl"
same "sweep --resume, a seed twice in the file: ... counted once in the summary" \
    "$T/sweep_summary" "$OUT"
check "sweep --resume from a directory: exit 2" 2 \
    "$DRVSIM" sweep $F/random_crash.lua --seeds 1..20 --resume --jsonl "$T"
err_has "sweep --resume from a directory: ... 'not a regular file'" 'not a regular file'

# A full disk: the sweep stops at the first line it cannot write, exit 4.
check "sweep --jsonl /dev/full: exit 4 (an output error)" 4 \
    "$DRVSIM" sweep $F/random_crash.lua --seeds 1..20 --jsonl /dev/full
err_has "sweep --jsonl /dev/full: ... says why and where it stopped" \
    'cannot write the JSON lines to /dev/full: No space left on device; the sweep stopped after 0 seeds of 20'
out_has "sweep --jsonl /dev/full: ... the summary claims no run" '^0 runs'
check "sweep -j 2 to a full standard output: exit 4" 4 \
    sh -c '"$1" sweep "$2" --seeds 1..20 -j 2 >/dev/full' - "$DRVSIM" $F/random_crash.lua
err_has "sweep -j 2 to a full standard output: ... 'standard output'" \
    'cannot write the JSON lines to standard output: No space left'
# A small file system that fills up mid-sweep (root only: mount a tmpfs).
SMALL=$T/small
mkdir -p "$SMALL"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=8k drvsim-test "$SMALL" 2>/dev/null; then
    check "sweep on a file system that fills up: exit 4" 4 \
        "$DRVSIM" sweep $F/random_crash.lua --seeds 1..300 -j 2 --jsonl "$SMALL/s.jsonl"
    err_has "sweep on a file system that fills up: ... 'No space left on device'" \
        'No space left on device; the sweep stopped after [0-9]+ seeds of 300: the lines before are saved'
    py "sweep on a file system that fills up: ... the summary counts only lines saved" "$OUT" "
import re, sys
n = int(re.match(r'(\d+) runs', sys.stdin.read()).group(1))
saved = sum(1 for l in open('$SMALL/s.jsonl') if l.endswith('\n'))
assert 0 < n == saved, (n, saved)"
    mount -o remount,size=4m "$SMALL"
    check "sweep on a file system that filled up: room made, --resume finishes (exit 1)" 1 \
        "$DRVSIM" sweep $F/random_crash.lua --seeds 1..300 -j 2 --resume --jsonl "$SMALL/s.jsonl"
    same_lines "sweep on a file system that filled up: ... the lines of an uninterrupted sweep" \
        "$SMALL/s.jsonl" "$T/ref300.jsonl"
    umount "$SMALL"
else
    pass "sweep on a file system that fills up # SKIP needs root to mount a tmpfs"
fi

# A worker killed by a signal (the OOM killer's kill -9): its line says so
# and --resume runs the seed again.
run "$DRVSIM" sweep $F/slow.lua --seeds 1..4 -j 2 --jsonl "$T/slow_ref.jsonl"
"$DRVSIM" sweep $F/slow.lua --seeds 1..4 -j 2 --jsonl "$T/slow.jsonl" \
    >"$OUT" 2>"$ERR" </dev/null &
pid=$!
worker=
for _ in $(seq 2000); do
    worker=$(pgrep -P "$pid" | head -n 1)
    [ -n "$worker" ] && break
    sleep 0.01
done
[ -n "$worker" ] && kill -9 "$worker"
wait "$pid"
RC=$?
ok_if "sweep, a worker killed by kill -9: exit 3 (a run that means nothing)" \
    "exit $RC; stderr: $(show "$ERR")" test "$RC" -eq 3
py "sweep, a worker killed by kill -9: ... its line is an error with \"signal\": 9" \
    "$T/slow.jsonl" '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
killed = [r for r in rows if r.get("signal") == 9]
assert len(rows) == 4 and len(killed) == 1, rows
assert killed[0]["outcome"] == "error" and "signal 9" in killed[0]["message"], killed'
err_has "sweep, a worker killed by kill -9: ... --resume runs it again" \
    '1 run ended by a signal to its worker process .*--resume runs it again'
check "sweep, a worker killed by kill -9: --resume (exit 0)" 0 \
    "$DRVSIM" sweep $F/slow.lua --seeds 1..4 -j 2 --resume --jsonl "$T/slow.jsonl"
err_has "sweep, a worker killed by kill -9: ... a note says the line goes" \
    'note: --resume: .*slow\.jsonl: 1 line of runs whose worker process a signal killed removed'
same_lines "sweep, a worker killed by kill -9: ... the lines of an uninterrupted sweep" \
    "$T/slow.jsonl" "$T/slow_ref.jsonl"

# ---------------------------------------------------------------------------
# Driver files
# ---------------------------------------------------------------------------

check "driver file: driver \"x.sys\" \"drivers/x.lua\" loads relative to the scenario" 0 \
    "$DRVSIM" run $F/driver_file.lua
check "driver file: ... also when run from another directory" 0 \
    sh -c 'cd "$1" && "$2" run cli/fixtures/driver_file.lua' - tests "$DRVSIM"
check "driver file: a missing driver file exits 3" 3 "$DRVSIM" run $F/driver_file_missing.lua
err_has "driver file: ... naming the file" 'does_not_exist\.lua'

# ---------------------------------------------------------------------------
# The sandbox's files: driver files stay below the scenario's directory
# (realpath'd), and only regular files holding Lua source are read.
# ---------------------------------------------------------------------------

SBF=$F/sandbox
mkdir -p "$T/tree/drivers"
cp $SBF/escape.lua $SBF/linked.lua $SBF/pipe.lua "$T/tree/"
cp $F/drivers/filed.lua "$T/tree/drivers/"
ln -s /etc "$T/tree/drivers/etc"
ln -s filed.lua "$T/tree/drivers/alias.lua"
check "files: a driver file through drivers/etc -> /etc exits 3" 3 \
    "$DRVSIM" run "$T/tree/escape.lua"
err_has "files: ... naming the line and the scenario's directory" \
    'escape\.lua:4: driver "escape\.sys": .*drivers/etc/os-release leads outside the scenario.s directory'
ok_if "files: ... and nothing of /etc/os-release reaches the output" \
    "stdout: $(show "$OUT") stderr: $(show "$ERR")" \
    not grep -Eqi 'PRETTY_NAME|debian|ubuntu|linux' "$OUT" "$ERR"
sed 's#drivers/etc/os-release#drivers/etc/no/such/file#' "$T/tree/escape.lua" >"$T/tree/escape2.lua"
check "files: a missing file behind the link exits 3 with the same message" 3 \
    "$DRVSIM" run "$T/tree/escape2.lua"
err_has "files: ... (which host files exist is not told)" 'leads outside the scenario.s directory'
check "files: a symbolic link that stays inside the directory is followed" 0 \
    "$DRVSIM" run "$T/tree/linked.lua"
if mkfifo "$T/tree/drivers/pipe.lua" "$T/fifo.lua" 2>/dev/null; then
    check "files: a FIFO driver file exits 3 at once" 3 timeout 20 "$DRVSIM" run "$T/tree/pipe.lua"
    err_has "files: ... naming it, not a regular file" \
        'pipe\.lua:3: driver "pipe\.sys": .*drivers/pipe\.lua is not a regular file'
    check "files: a FIFO scenario exits 3 at once" 3 timeout 20 "$DRVSIM" run "$T/fifo.lua"
    err_has "files: ... naming it, not a regular file" 'fifo\.lua is not a regular file'
else
    fail "files: mkfifo works here" "mkfifo $T/fifo.lua failed"
fi
check "files: a directory as the scenario exits 3" 3 "$DRVSIM" run "$T/tree/drivers"
err_has "files: ... not a regular file" 'drivers is not a regular file'
printf '\033LuaT\000\031\223\r\n\032\n' >"$T/bytecode.lua"
check "files: a precompiled (bytecode) scenario exits 3" 3 "$DRVSIM" run "$T/bytecode.lua"
err_has "files: ... naming the file" 'bytecode\.lua: a precompiled Lua chunk'
cp "$T/bytecode.lua" "$T/tree/drivers/compiled.lua"
printf 'driver "c.sys" "drivers/compiled.lua"\nrun(function() end)\n' >"$T/tree/compiled.lua"
check "files: a precompiled driver file exits 3" 3 "$DRVSIM" run "$T/tree/compiled.lua"
err_has "files: ... naming the line and the file" \
    'compiled\.lua:1: driver "c\.sys": .*drivers/compiled\.lua: a precompiled Lua chunk'
mkdir -p "$T/walk/sub"
cp $F/clean.lua "$T/walk/sub/"
ln -s /etc/os-release "$T/walk/sub/host.lua"
check "files: test DIR refuses a scenario that links outside DIR (exit 2)" 2 \
    "$DRVSIM" test "$T/walk"
err_has "files: ... naming it" 'host\.lua leads outside .*walk'
rm "$T/walk/sub/host.lua"
ln -s / "$T/walk/root"
check "files: ... and a directory that links outside (exit 2)" 2 "$DRVSIM" test "$T/walk"
err_has "files: ... naming it" 'walk/root leads outside'
printf '#!/usr/bin/env drvsim\nrun(function() error("line 2") end)\n' >"$T/shebang.lua"
check "files: a #! first line is skipped, the lines still counted" 3 "$DRVSIM" run "$T/shebang.lua"
err_has "files: ... the error is on line 2" 'shebang\.lua:2: line 2'

# ---------------------------------------------------------------------------
# Every error names its place (file:line), and says the same every run.
# ---------------------------------------------------------------------------

E=$F/errors
# placed FILE ERE: a scenario error (exit 3, never a hang or a crash) whose
# message matches ERE.
placed() {
    check "errors: $1 exits 3" 3 timeout 60 "$DRVSIM" run "$E/$1"
    err_has "errors: $1 names its place" "$2"
}
placed error_table_top.lua '^drvsim: .*error_table_top\.lua:3: error object is a table value$'
placed error_nil_top.lua '^drvsim: .*error_nil_top\.lua:3: error object is a nil value$'
placed error_nil_run.lua '^drvsim: .*error_nil_run\.lua:7: error object is a nil value$'
placed error_table_run.lua '^drvsim: .*error_table_run\.lua:5: error object is a table value$'
placed error_level0.lua '^drvsim: .*error_level0\.lua:6: no position given$'
placed memory_top.lua '^drvsim: .*memory_top\.lua:5: not enough memory \(a scenario.s Lua state holds at most 1024 MiB\)'
placed memory_run.lua '^drvsim: .*memory_run\.lua:7: not enough memory'
placed nesting.lua '^drvsim: .*nesting\.lua:202: nesting too deep \(C stack overflow\)'
placed bad_verifier.lua '^drvsim: .*bad_verifier\.lua:3: scenario\{ verifier \}: .*0xZZ'
placed bad_gflags.lua '^drvsim: .*bad_gflags\.lua:4: scenario\{ gflags \}: .*spp'
placed predicate_table.lua \
    '^drvsim: scenario\{ faults \}: .*predicate_table\.lua:6: error object is a table value$'
for f in bad_fields.lua unknown_fields.lua expect_fields.lua pairs_keys.lua; do
    : >"$T/messages"
    for i in 1 2 3 4 5 6 7 8; do
        "$DRVSIM" run "$E/$f" 2>>"$T/messages" >/dev/null
    done
    ok_if "errors: $f gives one message in 8 runs (Lua's hash seed differs per process)" \
        "$(sort "$T/messages" | uniq -c | head -n 4)" test "$(sort -u "$T/messages" | wc -l)" -eq 1
done
run "$DRVSIM" run "$E/bad_fields.lua"
err_has "errors: bad_fields names cpus, the first in scenario{}'s order" \
    'bad_fields\.lua:4: scenario\{\}: cpus must be'
run "$DRVSIM" run "$E/unknown_fields.lua"
err_has "errors: unknown_fields names beta, the first in byte order" 'unknown field "beta"'
run "$DRVSIM" run "$E/expect_fields.lua"
err_has "errors: expect_fields names bugcheck first" 'expect\.bugcheck must be an integer'
run "$DRVSIM" run "$E/pairs_keys.lua"
err_has "errors: pairs_keys names function keys (before table, in byte order)" \
    'pairs_keys\.lua:5: pairs: a table with function keys'

check "errors: print of 1 MiB, and of 5,000 values, exits 0" 0 timeout 60 "$DRVSIM" run "$E/print_long.lua"
py "errors: ... the whole text on stderr" "$ERR" '
import sys
lines = sys.stdin.read().split("\n")
assert lines[0] == "x" * (1 << 20), len(lines[0])
assert lines[1] == "\t".join(["y" * 100] * 5000), len(lines[1])'

check "errors: a NaN prints as nan, whatever its sign" 0 "$DRVSIM" run "$E/nan.lua" --json -
err_has "errors: ... print(0/0, -(0/0)) says nan nan" '^nan	nan$'
cp "$OUT" "$T/nan.json"
check "errors: ... the same trace with the text written out" 0 \
    "$DRVSIM" run "$E/nan_text.lua" --json -
ok_if "errors: ... the same digest: DbgPrint of a NaN does not depend on the machine" \
    "$(show "$T/nan.json") vs $(show "$OUT")" \
    sh -c 'test "$(grep -o "\"digest\": *\"[^\"]*\"" "$1")" = "$(grep -o "\"digest\": *\"[^\"]*\"" "$2")"' - "$T/nan.json" "$OUT"

# ---------------------------------------------------------------------------
# Deadlocks (issue 12 item 6): the wait-for graph, outcome "deadlock"
# ---------------------------------------------------------------------------

D=scenarios/deadlock
check "deadlock: two threads each owning the KMUTEX the other waits for: exit 0 (expected)" 0 \
    "$DRVSIM" run $D/kmutex_cycle.lua
out_has "deadlock: ... the DEADLOCK block with the cycle" \
    '^DEADLOCK: every thread waits and nothing can wake one; cycle: thread 4 -> thread 5 -> thread 4$'
out_has "deadlock: ... each thread, the KMUTEX, the line of its wait and the owner" \
    '^  thread 4 \(volume\.sys SystemThread\) waits for KMUTEX 0x[0-9a-f]{16} at scenarios/deadlock/kmutex_cycle\.lua:32: owned by thread 5$'
out_has "deadlock: ... the other thread's wait" \
    '^  thread 5 \(volume\.sys SystemThread\) waits for KMUTEX 0x[0-9a-f]{16} at scenarios/deadlock/kmutex_cycle\.lua:40: owned by thread 4$'
out_has "deadlock: ... the unload waiting for a thread's end" \
    'waits for KTHREAD 0x[0-9a-f]{16} at scenarios/deadlock/kmutex_cycle\.lua:45: until thread 4 ends$'
out_has "deadlock: ... and the replay line" '^  replay: drvsim run scenarios/deadlock/kmutex_cycle\.lua --seed 1$'
err_has "deadlock: ... matched expect" '^drvsim: outcome matched expect \(deadlock\)$'
check "deadlock: --json -" 0 "$DRVSIM" run $D/kmutex_cycle.lua --json -
py "deadlock: ... outcome deadlock, stopped at once (10 ms), the graph in deadlock.waits" "$OUT" '
import json, sys
o = json.load(sys.stdin)
assert o["outcome"] == "deadlock" and o["expected"] is True and o["bugcheck"] is None, o
assert o["sim_time_ns"] < 11 * 10**6, o["sim_time_ns"]
d = o["deadlock"]
assert d["cycle"] == "thread 4 -> thread 5 -> thread 4", d
w = {r["thread"]: r for r in d["waits"]}
assert w[4]["kind"] == "KMUTEX" and w[4]["owners"] == [5] and w[4]["ownership"] == "owned", w[4]
assert w[5]["kind"] == "KMUTEX" and w[5]["owners"] == [4], w[5]
assert w[4]["site"].endswith("kmutex_cycle.lua:32") and w[4]["cpu"] is None, w[4]
assert w[3]["kind"] == "KTHREAD" and w[3]["owners"] == [4], w[3]'
check "deadlock: the clean twin (one lock order) is clean" 0 "$DRVSIM" run $D/kmutex_cycle_clean.lua
check "deadlock: a 200-seed sweep deadlocks on every seed, as expected" 0 \
    "$DRVSIM" sweep $D/kmutex_cycle.lua --seeds 1..200 -j 2 --jsonl /dev/null
out_has "deadlock: ... one group, the same cycle" \
    '^ *200 x deadlock: every thread waits and nothing can wake one; cycle: thread 4 -> thread 5 -> thread 4, first seed 1, as expected$'
check "deadlock: the clean twin over the same seeds is clean" 0 \
    "$DRVSIM" sweep $D/kmutex_cycle_clean.lua --seeds 1..200 -j 2 --jsonl /dev/null
check "deadlock: an event nobody sets, a periodic timer and a lookaside list: exit 1" 1 \
    "$DRVSIM" run $F/deadlock_forgotten_event.lua --json -
py "deadlock: ... outcome deadlock at once, not a timeout at the limit; the event not owned" "$OUT" '
import json, sys
o = json.load(sys.stdin)
assert o["outcome"] == "deadlock" and o["expected"] is False, o["outcome"]
assert o["sim_time_ns"] < 10**6, o["sim_time_ns"]
(w,) = o["deadlock"]["waits"]
assert w["kind"] == "KEVENT" and w["how"] == "notification" and w["owners"] == [], w
assert w["ownership"] == "not owned" and w["who"] == "run() body", w'
check "deadlock: ... the human report says what was expected" 1 \
    "$DRVSIM" run $F/deadlock_forgotten_event.lua
out_has "deadlock: ... an event: not owned" \
    '^  thread 3 \(run\(\) body\) waits for KEVENT \(notification\) 0x[0-9a-f]{16} at tests/cli/fixtures/deadlock_forgotten_event\.lua:20: not owned$'
out_has "deadlock: ... expected: clean" '^  expected: clean$'
check "deadlock: a timed wait on the same event is no deadlock: clean" 0 \
    "$DRVSIM" run $F/deadlock_timed_wait.lua
check "deadlock: test counts an unexpected deadlock as a failure" 1 \
    "$DRVSIM" test $F/deadlock_forgotten_event.lua $D/kmutex_cycle.lua
out_has "deadlock: ... FAIL with the deadlock" \
    '^FAIL tests/cli/fixtures/deadlock_forgotten_event\.lua: every thread waits and nothing can wake one'
out_has "deadlock: ... an expected one passes" '^PASS scenarios/deadlock/kmutex_cycle\.lua'
check "deadlock: test -j 2 --check-determinism over scenarios/deadlock" 0 \
    "$DRVSIM" test $D -j 2 --check-determinism
check "deadlock: the ERESOURCE upgrade waits for itself: exit 0 (expect = \"deadlock\")" 0 \
    "$DRVSIM" run scenarios/resources/shared_then_exclusive_deadlock.lua
out_has "deadlock: ... owned shared by the waiting thread itself" \
    'waits for ERESOURCE \(exclusive\) 0x[0-9a-f]{16} at [^ ]*shared_then_exclusive_deadlock\.lua:20: owned shared by thread 3$'
# The spin form stays Windows' outcome: the DPC watchdog at its time.
check "deadlock: ABBA on spin locks: 0x133 at the watchdog's time, as Windows" 0 \
    "$DRVSIM" run scenarios/sync/kdpc_watchdog.lua --json -
py "deadlock: ... 0x133 with the spinning processors in deadlock.waits" "$OUT" '
import json, sys
o = json.load(sys.stdin)
assert o["outcome"] == "bugcheck" and o["bugcheck"]["code"] == 0x133, o["outcome"]
assert o["sim_time_ns"] >= 120 * 10**9, o["sim_time_ns"]
d = o["deadlock"]
assert d["cycle"] in ("CPU 0 -> CPU 1 -> CPU 0", "CPU 1 -> CPU 0 -> CPU 1"), d
spins = [w for w in d["waits"] if w["cpu"] is not None]
assert len(spins) == 2 and all(w["kind"] == "KSPIN_LOCK" for w in spins), spins
assert {w["holder_cpu"] for w in spins} == {0, 1}, spins'
check "deadlock: ... the report" 0 "$DRVSIM" run scenarios/sync/kdpc_watchdog.lua
out_has "deadlock: ... names the cycle" "^  processors spin on each other's spin locks: CPU [01] -> CPU [01] -> CPU [01]$"
out_has "deadlock: ... and each spinner, its lock and its holder" \
    '^  CPU [01] \(thread [0-9]+, ledger\.sys SystemThread\) spins on KSPIN_LOCK 0x[0-9a-f]{16} at scenarios/sync/kdpc_watchdog\.lua:19: held by CPU [01] \(thread [0-9]+\)$'

# ---------------------------------------------------------------------------
# Make it real (issue 12 item 5): --sched directed:SITE[,SITE...]
# ---------------------------------------------------------------------------

# End to end (issue 12's done-when): deadlock detection's 0x1001 on the ABBA
# pair that never overlaps prints a make-it-real command; that command ends
# in the actual deadlock (two processors spinning on each other's lock: the
# DPC watchdog's 0x133, as Windows), and its replay line gives the same
# digest.
check "make it real: the ABBA pair under deadlock detection raises 0x1001" 1 \
    "$DRVSIM" run scenarios/deadlock/abba_spin_locks.lua --verifier "/flags 0x20 /driver netrx.sys"
MAKE_REAL=$(sed -n 's/^  make it real: drvsim run //p' "$OUT")
ok_if "make it real: ... and prints the command" "stdout: $(show "$OUT" 600)" test -n "$MAKE_REAL"
eval "set -- $MAKE_REAL"
check "make it real: the printed command ends in the actual deadlock (0x133, exit 1)" 1 "$DRVSIM" run "$@"
out_has "make it real: ... with the spinning processors' cycle" '^\*\*\* STOP: 0x00000133 '
REAL_DIGEST=$(sed -n 's/^  seed [0-9]*, digest //p' "$OUT")
REAL_REPLAY=$(sed -n 's/^  replay: drvsim run //p' "$OUT")
eval "set -- $REAL_REPLAY"
check "make it real: its replay line runs" 1 "$DRVSIM" run "$@"
ok_if "make it real: ... and reproduces the digest bit for bit" \
    "first $REAL_DIGEST, replay $(sed -n 's/^  seed [0-9]*, digest //p' "$OUT")" \
    test -n "$REAL_DIGEST" -a "$REAL_DIGEST" = "$(sed -n 's/^  seed [0-9]*, digest //p' "$OUT")"

check "directed: --sched directed: with no site: exit 2" 2 "$DRVSIM" run $F/clean.lua --sched directed:
err_has "directed: ... naming the form" 'directed:FILE:LINE\[,FILE:LINE\.\.\.\]'
check "directed: a site without a line: exit 2" 2 "$DRVSIM" run $F/clean.lua --sched directed:a.lua
check "directed: line 0: exit 2" 2 "$DRVSIM" run $F/clean.lua --sched directed:a.lua:0
check "directed: an empty site between commas: exit 2" 2 \
    "$DRVSIM" run $F/clean.lua --sched directed:a.lua:1,,a.lua:2
check "directed: nine sites (eight at most): exit 2" 2 \
    "$DRVSIM" sweep $F/clean.lua --seeds 1..2 \
    --sched directed:a:1,a:2,a:3,a:4,a:5,a:6,a:7,a:8,a:9
check "directed: a site never reached changes nothing: clean" 0 \
    "$DRVSIM" run $F/clean.lua --sched directed:nowhere.lua:1 --json "$T/directed_none.json"
check "directed: ... the same digest as --sched random" 0 \
    "$DRVSIM" run $F/clean.lua --sched random --json "$T/directed_random.json"
py "directed: ... (directed draws as random does)" "$T/directed_none.json" "
import json, sys
a = json.load(sys.stdin)
b = json.load(open('$T/directed_random.json'))
assert a['digest'] == b['digest'], (a['digest'], b['digest'])"

AS=$D/abba_spin_locks.lua
AF=$D/abba_fast_mutexes.lua
SPIN_SITES=directed:$AS:31,$AS:40
MUTEX_SITES=directed:$AF:30,$AF:39
check "directed: ABBA on spin locks that never overlap: clean on 100 seeds" 0 \
    "$DRVSIM" sweep $AS --seeds 1..100 -j 2 --jsonl /dev/null
check "directed: ABBA on fast mutexes: clean on 100 seeds" 0 \
    "$DRVSIM" sweep $AF --seeds 1..100 -j 2 --jsonl /dev/null
check "directed: spin locks held at their first acquisitions: exit 1" 1 \
    "$DRVSIM" run $AS --sched "$SPIN_SITES" --verifier "/flags 0x2099B /driver netrx.sys"
out_has "directed: ... an actual deadlock: 0x133, the two processors spinning on each other" \
    "^  processors spin on each other's spin locks: CPU [01] -> CPU [01] -> CPU [01]$"
out_has "directed: ... the receiver spinning on the statistics' lock at its second acquisition" \
    '^  CPU [01] \(thread 4, netrx\.sys SystemThread\) spins on KSPIN_LOCK 0x[0-9a-f]{16} at scenarios/deadlock/abba_spin_locks\.lua:33: held by CPU [01] \(thread 5\)$'
out_has "directed: ... the replay line keeps the strategy" \
    "^  replay: drvsim run $AS --seed 1 --verifier '/flags 0x2099B /driver netrx.sys' --sched '$SPIN_SITES'$"
export DRVSIM
for seed in 1 7; do
    check "directed: fast mutexes held at their first acquisitions, seed $seed: exit 1" 1 \
        "$DRVSIM" run $AF --seed $seed --sched "$MUTEX_SITES" --json -
    cp "$OUT" "$T/directed_$seed.json"
    py "directed: ... an actual wait deadlock: each thread waits for the FAST_MUTEX the other owns" \
        "$T/directed_$seed.json" '
import json, sys
o = json.load(sys.stdin)
assert o["outcome"] == "deadlock" and o["expected"] is False, o["outcome"]
d = o["deadlock"]
assert d["cycle"] == "thread 4 -> thread 5 -> thread 4", d["cycle"]
w = {r["thread"]: r for r in d["waits"]}
assert w[4]["kind"] == "FAST_MUTEX" and w[4]["owners"] == [5], w[4]
assert w[4]["site"].endswith("abba_fast_mutexes.lua:32"), w[4]
assert w[5]["kind"] == "FAST_MUTEX" and w[5]["owners"] == [4], w[5]
assert w[5]["site"].endswith("abba_fast_mutexes.lua:40"), w[5]'
    py "directed: ... and its printed replay line reproduces it bit for bit (seed $seed)" \
        "$T/directed_$seed.json" '
import json, os, shlex, subprocess, sys
o = json.load(sys.stdin)
argv = shlex.split(o["replay"])
assert argv[:2] == ["drvsim", "run"] and "--sched" in argv, argv
p = subprocess.run([os.environ["DRVSIM"]] + argv[1:] + ["--json", "-"], capture_output=True,
                   text=True, timeout=60)
r = json.loads(p.stdout)
assert (r["outcome"], r["digest"]) == (o["outcome"], o["digest"]), (r["digest"], o["digest"])
assert r["deadlock"] == o["deadlock"]'
done
check "directed: ... every seed of a sweep deadlocks" 1 \
    "$DRVSIM" sweep $AF --seeds 1..50 -j 2 --sched "$MUTEX_SITES" --jsonl /dev/null
out_has "directed: ... one group of 50 deadlocks" \
    '^ *50 x deadlock: every thread waits and nothing can wake one; cycle: thread 4 -> thread 5 -> thread 4, first seed 1$'
check "directed: --record keeps the strategy and the decisions" 1 \
    "$DRVSIM" run $AF --seed 7 --sched "$MUTEX_SITES" --record "$T/directed.rec.json" --quiet
check "directed: ... --replay of the file reproduces the digest" 1 \
    "$DRVSIM" run $AF --replay "$T/directed.rec.json" --json "$T/directed_replayed.json"
py "directed: ... the same digest as the recorded run" "$T/directed_replayed.json" "
import json, sys
a = json.load(sys.stdin)
b = json.load(open('$T/directed_7.json'))
assert a['digest'] == b['digest'] and a['outcome'] == 'deadlock', (a['digest'], b['digest'])"
check "directed: --trace shows the hold and its release" 1 \
    "$DRVSIM" run $AF --sched "$MUTEX_SITES" --trace "$T/directed.trace" --quiet
ok_if "directed: ... a hold line and a release line" "$(show "$T/directed.trace")" \
    sh -c 'grep -Eq "^[0-9:.]+ hold cpu=[01] thread=4$" "$1" && grep -Eq "^[0-9:.]+ release cpu=[01] thread=4$" "$1"' - "$T/directed.trace"
check "directed: the clean twins stay clean under the same kind of schedule (spin locks)" 0 \
    "$DRVSIM" run $D/abba_spin_locks_clean.lua \
    --sched "directed:$D/abba_spin_locks_clean.lua:27,$D/abba_spin_locks_clean.lua:36"
check "directed: ... (fast mutexes)" 0 \
    "$DRVSIM" run $D/abba_fast_mutexes_clean.lua \
    --sched "directed:$D/abba_fast_mutexes_clean.lua:26,$D/abba_fast_mutexes_clean.lua:35"
check "directed: a scenario may name the strategy: sched = \"directed:...\"" 1 \
    "$DRVSIM" run $F/directed_in_scenario.lua --json -
py "directed: ... and the run deadlocks" "$OUT" '
import json, sys
o = json.load(sys.stdin)
assert o["outcome"] == "deadlock", o["outcome"]'
LS=$F/directed_long_stall.lua
check "directed: the other path 30 s later: the hold ends after 10 s without an event, clean" 0 \
    "$DRVSIM" run $LS --sched "directed:$LS:21,$LS:28" --trace "$T/long_stall.trace" --json -
py "directed: ... the run lasts until the second path, 30 s" "$OUT" '
import json, sys
o = json.load(sys.stdin)
assert o["outcome"] == "clean" and o["sim_time_ns"] >= 30 * 10**9, o'
ok_if "directed: ... released at once (the next event is 30 s away), before the second path" \
    "$(show "$T/long_stall.trace")" \
    grep -Eq "^0:00:00\.000[0-9]{4} release cpu=[01] thread=4$" "$T/long_stall.trace"
check "directed: ... with --limit 20s: released, then a timeout at the limit, no 0x133" 1 \
    "$DRVSIM" run $LS --sched "directed:$LS:21,$LS:28" --limit 20s --json -
py "directed: ... outcome timeout" "$OUT" '
import json, sys
o = json.load(sys.stdin)
assert o["outcome"] == "timeout", o["outcome"]'

check "directed: explore-faults takes --sched directed" 0 \
    "$DRVSIM" explore-faults $AF --sched "$MUTEX_SITES"

# ---------------------------------------------------------------------------
# Budgets: work in C is charged; the host time limit; test survives aborts
# ---------------------------------------------------------------------------

B=$F/budget
for name in pattern_backtrack rep_empty table_move pairs_loop concat_loop; do
    check "budget: $name ends with the timeout it expects (exit 0)" 0 \
        "$DRVSIM" run $B/$name.lua --max-instructions 10000000 --json -
    out_has "budget: ... at its line" "\"message\": \"instruction limit reached \(10000000 Lua instructions\) at $B/$name\.lua:[0-9]+\""
done

check "accounting: a storm of 10,000 short DPCs is clean" 0 \
    "$DRVSIM" run $B/dpc_storm.lua --json -
py "accounting: ... and every DPC run is charged (instructions > 30,000)" "$OUT" '
import json, sys
r = json.load(sys.stdin)
assert r["instructions"] > 30000, r["instructions"]'
check "accounting: --max-instructions 30000 stops the storm (exit 1)" 1 \
    "$DRVSIM" run $B/dpc_storm.lua --max-instructions 30000
out_has "accounting: ... in the DPC routine" "instruction limit reached \(30000 Lua instructions\) in storm\.sys"
check "accounting: --max-instructions 1 stops the first instructions (exit 1)" 1 \
    "$DRVSIM" run $F/clean.lua --max-instructions 1 --json -
py "accounting: ... a timeout after 2 instructions" "$OUT" '
import json, sys
r = json.load(sys.stdin)
assert r["outcome"] == "timeout" and r["instructions"] == 2, (r["outcome"], r["instructions"])'

H=$F/hang
check "host-timeout: a run no budget ends stops at --host-timeout 2s (exit 3)" 3 \
    "$DRVSIM" run $H/a_hang.lua --host-timeout 2s --json -
err_has "host-timeout: ... naming the scenario line" "host time limit reached \(--host-timeout\) at $H/a_hang\.lua:[0-9]+"
py "host-timeout: ... outcome error, digest 0" "$OUT" '
import json, sys
r = json.load(sys.stdin)
assert r["outcome"] == "error" and r["digest"] == "0x0000000000000000", r'
check "host-timeout: a bad duration is a usage error" 2 \
    "$DRVSIM" run $F/clean.lua --host-timeout soon
check "test --host-timeout 2s: the hung scenario fails, the next one runs (exit 1)" 1 \
    "$DRVSIM" test --host-timeout 2s $H
out_has "test --host-timeout: one FAIL line for the hung scenario" \
    "^FAIL $H/a_hang\.lua: host time limit reached \(--host-timeout\) at $H/a_hang\.lua:[0-9]+$"
out_has "test --host-timeout: ... and a PASS line for the next" "^PASS $H/b_clean\.lua"
ok_if "test --host-timeout: ... '1 passed, 1 failed'" "stdout: $(show "$OUT")" \
    sh -c 'tail -n1 "$1" | grep -Eq "^1 passed, 1 failed$"' - "$OUT"
check "sweep --host-timeout 1s: each hung seed is an error line (exit 3)" 3 \
    "$DRVSIM" sweep $H/a_hang.lua --seeds 1..2 --host-timeout 1s
out_has "sweep --host-timeout: ... seed 2 too" '"seed":2,"outcome":"error".*host time limit reached'

# A worker that dies of a signal: `test` (without -j) reports its scenario as
# one FAIL line and goes on. The signal comes from here: the simulator has no
# abort to order.
children() { cat /proc/"$1"/task/*/children 2>/dev/null; }
abort_worker() {
    local sig=$1 pid d w i
    shift
    "${BOUND[@]}" "$DRVSIM" test "$@" $H >"$OUT" 2>"$ERR" </dev/null &
    pid=$!
    d=$pid
    for i in $(seq 100); do # $! may be timeout(1): find drvsim below it
        case $(readlink "/proc/$d/exe") in *drvsim) break ;; esac
        d=$(children "$d" | tr ' ' '\n' | head -n1)
        [ -n "$d" ] || d=$pid
        sleep 0.05
    done
    w=
    for i in $(seq 100); do
        w=$(children "$d" | tr -d ' ')
        [ -n "$w" ] && break
        sleep 0.05
    done
    sleep 1 # the worker is in a_hang's run
    [ -n "$w" ] && kill "-$sig" "$w"
    wait "$pid"
    RC=$?
}
if [ -r /proc/self/exe ]; then
    for sig in ABRT SEGV; do
        abort_worker $sig
        if [ "$RC" -eq 1 ]; then
            pass "test: a worker killed by SIG$sig: exit 1"
        else
            fail "test: a worker killed by SIG$sig: exit 1" "exit $RC: $(show "$OUT")"
        fi
        # (a sanitized build catches SIGSEGV itself and exits with status 1)
        out_has "test: ... one FAIL line saying how the worker died" \
            "^FAIL $H/a_hang\.lua: simulator crashed: (signal [0-9]+ \(|worker exited with status)"
        out_has "test: ... and the next scenario still runs" "^PASS $H/b_clean\.lua"
    done
    # A worker that cannot stop its run (stopped here: its watchdog never
    # runs) is killed by the parent after the limit and the grace (14 s).
    abort_worker STOP --host-timeout 3s
    if [ "$RC" -eq 1 ]; then
        pass "test --host-timeout 3s: a worker that does not stop: exit 1"
    else
        fail "test --host-timeout 3s: a worker that does not stop: exit 1" "exit $RC: $(show "$OUT")"
    fi
    out_has "test --host-timeout 3s: ... killed, one FAIL line" \
        "^FAIL $H/a_hang\.lua: host time limit reached \(--host-timeout 3000ms\) and the run did not stop: killed$"
    out_has "test --host-timeout 3s: ... and the next scenario still runs" "^PASS $H/b_clean\.lua"
fi

# ---------------------------------------------------------------------------
# Kernel synchronization delay fuzzing (/flags 0x800000, scenarios/delay_fuzzing/)
# ---------------------------------------------------------------------------

Z=scenarios/delay_fuzzing
run "$DRVSIM" sweep $Z/stale_buffer.lua --seeds 1..200 --jsonl "$T/fuzz_with.jsonl"
run "$DRVSIM" sweep $Z/stale_buffer.lua --seeds 1..200 --verifier "/standard /driver sampler.sys" \
    --jsonl "$T/fuzz_without.jsonl"
FUZZ_WITH=$(grep -c '"code":213' "$T/fuzz_with.jsonl")
FUZZ_WITHOUT=$(grep -c '"code":213' "$T/fuzz_without.jsonl")
echo "# delay fuzzing: stale_buffer fails (0xD5) on $FUZZ_WITH of seeds 1..200 with /flags 0x800000, $FUZZ_WITHOUT without" >>"$RESULTS"
py "delay fuzzing: the stale pointer race fails on more seeds with 0x800000 ($FUZZ_WITH) than without ($FUZZ_WITHOUT); sweep lines count the delays" \
    "$T/fuzz_with.jsonl" '
import json, sys
w = [json.loads(l) for l in sys.stdin]
wo = [json.loads(l) for l in open(sys.argv[1])]
bad = lambda rows: sum((r["bugcheck"] or {}).get("code") == 0xD5 for r in rows)
assert len(w) == 200 and len(wo) == 200, (len(w), len(wo))
assert all(r["outcome"] in ("clean", "bugcheck") for r in w + wo)
assert bad(w) > bad(wo), (bad(w), bad(wo))
assert all(r["injected_delays"]["count"] > 0 for r in w) and not any("injected_delays" in r for r in wo)' \
    "$T/fuzz_without.jsonl"
check "delay fuzzing: the clean twin is clean on every seed of 1..200 (0x800000 on)" 0 \
    "$DRVSIM" sweep $Z/stale_buffer_clean.lua --seeds 1..200 --jsonl /dev/null
check "delay fuzzing: ... and with /flags 0x800000 alone (no special pool)" 0 \
    "$DRVSIM" sweep $Z/stale_buffer_clean.lua --seeds 1..100 --verifier "/flags 0x800000 /driver sampler.sys" \
    --jsonl /dev/null
check "delay fuzzing: test --check-determinism runs both twice, digests equal" 0 \
    "$DRVSIM" test --check-determinism $Z
out_has "delay fuzzing: ... 2 passed" '^2 passed, 0 failed'
check "delay fuzzing: /standard with 0x800000: the pinned seed stops (0xD5) as expected" 0 \
    "$DRVSIM" run $Z/stale_buffer.lua --json "$T/fuzz1.json" --trace "$T/fuzz1.trace" \
    --perfetto "$T/fuzz1.perfetto.json"
err_has "delay fuzzing: ... a note says Windows refuses 0x20 with 0x800000 and drvsim runs both" \
    'Deadlock detection \(0x20\) and Kernel synchronization delay fuzzing \(0x800000\) both run here, although Windows refuses the pair'
err_lacks "delay fuzzing: ... and 0x800000 is not listed as not simulated" 'not simulated yet:.*0x800000'
out_has "delay fuzzing: ... the report counts the calls held back" \
    '^  kernel synchronization delay fuzzing held back [0-9]+ calls?, '
check "delay fuzzing: the same seed again" 0 \
    "$DRVSIM" run $Z/stale_buffer.lua --json "$T/fuzz2.json" --trace "$T/fuzz2.trace"
same "delay fuzzing: ... byte-identical trace" "$T/fuzz1.trace" "$T/fuzz2.trace"
same "delay fuzzing: ... byte-identical JSON" "$T/fuzz1.json" "$T/fuzz2.json"
py "delay fuzzing: JSON injected_delays counts the delays the trace shows" "$T/fuzz1.json" '
import json, re, sys
o = json.load(sys.stdin)
d = o["injected_delays"]
lines = [l for l in open(sys.argv[1]) if " delay injected " in l]
assert d["count"] == len(lines) > 0 and d["total_ns"] > 0, (d, len(lines))
us = sum(float(re.search(r" ([0-9.]+) us \(", l).group(1)) for l in lines)
assert abs(us * 1000 - d["total_ns"]) < 1, (us, d)
assert all(re.search(r" delay injected (Ke|Ex|Io)[A-Za-z]+ thread [0-9]+ sampler\.sys cpu=[01] [0-9]+\.[0-9] us "
                     r"\((the processor stalls|the thread waits)\)$", l) for l in lines), lines[0]
assert any("the processor stalls" in l for l in lines) and any("the thread waits" in l for l in lines)' \
    "$T/fuzz1.trace"
py "delay fuzzing: the Perfetto timeline shows each delay as an instant" "$T/fuzz1.perfetto.json" '
import json, sys
ev = json.load(sys.stdin)["traceEvents"]
d = [e for e in ev if e["ph"] == "i" and e["name"] == "delay fuzzing"]
n = json.load(open(sys.argv[1]))["injected_delays"]["count"]
assert len(d) == n and all(float(e["args"]["delay_us"]) >= 1 for e in d), (len(d), n)' "$T/fuzz1.json"
check "delay fuzzing off: the same scenario under /standard alone" 1 \
    "$DRVSIM" run $Z/stale_buffer.lua --verifier "/standard /driver sampler.sys" --json "$T/fuzz0.json" \
    --trace "$T/fuzz0.trace"
ok_if "delay fuzzing off: ... no delay in the trace, none in the JSON" "$(show "$T/fuzz0.json")" \
    sh -c '! grep -q " delay injected " "$1" && ! grep -q injected_delays "$2"' - "$T/fuzz0.trace" "$T/fuzz0.json"
check "delay fuzzing: /flags 0x8000 (power framework delay fuzzing) stays not simulated" 0 \
    "$DRVSIM" run $F/clean.lua --verifier "/flags 0x8000 /all"
err_has "delay fuzzing: ... and says so" 'not simulated yet: Power framework delay fuzzing \(0x8000\)'

# ---------------------------------------------------------------------------

echo "1..$N"
cat "$RESULTS"
echo "# $((N - FAILED)) passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
