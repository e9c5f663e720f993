#!/usr/bin/env bash
# test_races.sh DRVSIM - the data race detector (/races, --races; sim/vf/race.c):
# every happens-before edge it knows stops the report once present (a pair of
# runs per edge, tests/cli/races/edge.lua), its precision over the whole
# scenario suite, the issue's scenarios on 100 seeds each, and the option's
# plumbing (off under /standard, --races in the replay line, --json). TAP.
# Run from the repository root (meson does).
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
cd "$(dirname "$0")/../.." || exit 1

T=$(mktemp -d "${TMPDIR:-/tmp}/drvsim_races.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
N=0
FAILED=0
RESULTS=$T/results
: >"$RESULTS"

ok() {
    N=$((N + 1))
    if [ "$1" -eq 0 ]; then
        printf 'ok %d - %s\n' "$N" "$2" >>"$RESULTS"
    else
        FAILED=$((FAILED + 1))
        printf 'not ok %d - %s\n# %s\n' "$N" "$2" "${3:-}" >>"$RESULTS"
    fi
}

# ---------------------------------------------------------------------------
# One edge at a time: WITH true is clean, WITH false is the race.

cp tests/cli/races/edge.lua "$T/edge.lua"
edge_scenario() {
    local expect='"clean"'
    [ "$2" = false ] && expect='{ bugcheck = 0xC4, p1 = 0xD0030001, driver = "edge.sys" }'
    cat >"$T/$1_$2.lua" <<EOS
scenario { verifier = "/races /driver edge.sys", cpus = 2, limit = "10s", expect = $expect }
EDGE, WITH = "$1", $2
driver "edge.sys" "edge.lua"
run(function()
  LoadDriver "edge.sys"
  Sleep "3ms"
  if InterruptObject ~= nil then Interrupt(InterruptObject) end
  Sleep "50ms"
  UnloadDriver "edge.sys"
end)
EOS
}

EDGES="spinlock spinlock_dpc_level queued_spinlock fast_mutex guarded_mutex kmutex resource
push_lock event semaphore thread_end interlocked memory_barrier acquire_release dpc timer
work_item thread_start synchronize_execution isr_dpc lookaside"
for e in $EDGES; do
    for with in true false; do
        edge_scenario "$e" "$with"
        "$DRVSIM" run "$T/${e}_$with.lua" --quiet >"$T/out" 2>&1
        rc=$?
        if [ "$with" = true ]; then
            ok "$rc" "edge $e: present, no race reported" "$(head -c 600 "$T/out")"
        else
            ok "$rc" "edge $e: left out, the race is reported" "$(head -c 600 "$T/out")"
        fi
    done
done

# ---------------------------------------------------------------------------
# Precision: every scenario of the suite with the detector on. A clean
# scenario must stay clean (the three whose drivers really raced were fixed:
# csamp's stop flag through the WDK's NoFence accessors, rundown_clean's
# counter with InterlockedIncrement, wait_above_dispatch_clean's register
# block under a spin lock); a scenario that expects another bug check may
# meet a race of its driver first, and nothing else.
"$DRVSIM" test --races -j 2 scenarios >"$T/suite" 2>/dev/null
grep '^FAIL ' "$T/suite" >"$T/fails"
bad=""
while IFS= read -r line; do
    case $line in
    *"got bug check 0xC4 P1=0xD0030001"*) ;;
    *) bad="$bad; $line" ;;
    esac
    case $line in
    *"expected clean,"*) bad="$bad; unexpected race: $line" ;;
    esac
done <"$T/fails"
ok "$([ -z "$bad" ] && echo 0 || echo 1)" \
    "precision: the suite with --races: no clean scenario reports a race" "$bad"
# A freed 4-byte block (an IRP's system buffer) clears its whole granule:
# the kernel's next 8-byte block there does not inherit the driver's write.
"$DRVSIM" run scenarios/cancel/csamp_clean.lua --races --seed 3 >"$T/out" 2>&1
ok $? "precision: a small freed block's granule is cleared (csamp_clean, seed 3)" "$(tail -3 "$T/out")"

# ---------------------------------------------------------------------------
# The issue's scenarios, 100 seeds each.
sweep() {
    "$DRVSIM" sweep "$1" --seeds 1..100 -j 2 --jsonl "$T/sweep.jsonl" >"$T/out" 2>&1
    grep -q "^100 runs, .*; 100 matched expect, 0 did not" "$T/out"
}
sweep scenarios/races/race_data.lua
ok $? "the lost update is reported on every seed of 100" "$(tail -3 "$T/out")"
sweep scenarios/races/race_data_clean.lua
ok $? "its InterlockedIncrement twin is clean on every seed of 100" "$(tail -3 "$T/out")"
sweep scenarios/races/tail_pointer.lua
ok $? "the tail pointer moved outside its lock is reported on every seed of 100" "$(tail -3 "$T/out")"
sweep scenarios/races/tail_pointer_clean.lua
ok $? "the tail pointer moved under its lock is clean on every seed of 100" "$(tail -3 "$T/out")"

# ---------------------------------------------------------------------------
# The option: off under /standard, --races over any settings, the report.
"$DRVSIM" run scenarios/races/race_data.lua --verifier "/standard /driver counter.sys" \
    --json - >"$T/json" 2>/dev/null
grep -q '"outcome": *"clean"' "$T/json"
ok $? "/standard alone: the lost update runs clean (Windows' outcome)" "$(head -c 300 "$T/json")"
"$DRVSIM" run scenarios/races/race_data.lua --verifier "/standard /driver counter.sys" --races \
    >"$T/out" 2>&1
ok $? "--races over /standard: the race is reported" "$(head -c 300 "$T/out")"
grep -q "replay: drvsim run scenarios/races/race_data.lua --seed 1 --verifier .* --races" "$T/out"
ok $? "--races: the replay line carries it" "$(grep replay "$T/out")"
"$DRVSIM" run scenarios/races/race_data.lua --json - >"$T/json" 2>/dev/null
grep -q '"rule": *"race_data"' "$T/json" && grep -q 'earlier: write by' "$T/json" &&
    grep -q 'later: *read by the DPC' "$T/json"
ok $? "--json: the bug check names the rule, and its detail both accesses" "$(head -c 600 "$T/json")"
"$DRVSIM" run scenarios/races/tail_pointer.lua --json - >"$T/json" 2>/dev/null
python3 - "$T/json" <<'EOP'
import json, sys
race = json.load(open(sys.argv[1]))["race"]
assert race["object"].startswith("offset 0x8 of pool block"), race
e, l = race["earlier"], race["later"]
assert (e["access"], e["context"], e["routine"], e["locks_held"]) == ("write", "thread", "SystemThread", []), e
assert e["site"].endswith("tailq.lua:68"), e
assert (l["context"], l["irql"], l["locks_held"][0]["kind"]) == ("DPC", "DISPATCH_LEVEL", "spin lock"), l
EOP
ok $? "--json: \"race\" names the memory and both accesses, field by field" "$(head -c 600 "$T/json")"
"$DRVSIM" run scenarios/races/race_data.lua >"$T/out" 2>&1
grep -q 'offset 0x0 of pool block 0x[0-9a-f]* (16 bytes, tag "Cntr", allocated by counter.sys' "$T/out"
ok $? "the report names the memory: the block, its tag, the offset" "$(grep 'data race on' "$T/out")"
"$DRVSIM" rules >"$T/out" 2>&1
grep -q "race_data .*0xC4/0xD0030001 (drvsim)" "$T/out" && grep -q "/races Data race detection (drvsim)" "$T/out"
ok $? "drvsim rules: race_data is drvsim's own, under /races" "$(grep race_data "$T/out")"

echo "1..$N"
cat "$RESULTS"
echo "# $((N - FAILED)) passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
