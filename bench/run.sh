#!/bin/sh
# bench/run.sh DRVSIM [POOL_BENCH [SPECIAL_BENCH]] - prints drvsim's performance figures
# (make bench).
#
# Host wall time is measured here and only here: tests never assert timing.
# Figures vary with the machine; compare runs on one machine.
set -eu
DRVSIM=${1:-./build/drvsim}
POOL_BENCH=${2:-$(dirname "$DRVSIM")/pool_bench}
SPECIAL_BENCH=${3:-$(dirname "$DRVSIM")/special_bench}
HERE=$(dirname "$0")
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

now() { date +%s.%N; }
# Peak RSS through GNU time when it is installed (Debian package "time").
rss() {
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f %M -o "$OUT/rss" "$@"
        cat "$OUT/rss"
    else
        "$@"
        echo "?"
    fi
}
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
calc() { awk "BEGIN { print $1 }"; }

echo "drvsim $("$DRVSIM" --version | cut -d' ' -f2) on $(uname -m), $(nproc) cores"

# 1. DDI calls: 100,000 iterations x 4 DDIs (+ 1 pointer store).
start=$(now)
peak=$(rss "$DRVSIM" run "$HERE/ddi_loop.lua" --quiet)
end=$(now)
secs=$(elapsed "$start" "$end")
calls=400000
printf 'ddi calls:      %d in %.3f s = %.0f calls/s, %.0f ns per call (peak RSS %s KiB)\n' \
    "$calls" "$secs" "$(calc "$calls / $secs")" \
    "$(calc "$secs * 1000000000 / $calls")" "$peak"

# 1a. The same loop with DDI compliance checking on (/flags 0x20000): the
#     rules' thunk on the watched DDI (ExAllocatePoolWithTag: IrqlExAllocatePool's
#     two rows), looked up through the import table. Budget: within 15%.
start=$(now)
"$DRVSIM" run "$HERE/ddi_loop.lua" --quiet --verifier "/flags 0x20000 /driver bench.sys" 2>/dev/null
end=$(now)
secs_ddc=$(elapsed "$start" "$end")
printf 'ddi calls 0x20000: %d in %.3f s = %.0f calls/s, %.0f ns per call (%+.1f%% wall time)\n' \
    "$calls" "$secs_ddc" "$(calc "$calls / $secs_ddc")" \
    "$(calc "$secs_ddc * 1000000000 / $calls")" "$(calc "($secs_ddc / $secs - 1) * 100")"
# Instruction counts, which do not depend on the machine's load (valgrind's
# callgrind, when installed).
if command -v valgrind >/dev/null 2>&1; then
    for flags in 0x0 0x20000; do
        valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.$flags" "$DRVSIM" run \
            "$HERE/ddi_loop.lua" --quiet --verifier "/flags $flags /driver bench.sys" \
            2>"$OUT/cg.$flags.log" >/dev/null
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$OUT/cg.$flags.log" >"$OUT/ir.$flags"
    done
    off=$(cat "$OUT/ir.0x0")
    on=$(cat "$OUT/ir.0x20000")
    printf 'ddi calls instructions: %s with 0x20000 off, %s on (%+.2f%%)\n' "$off" "$on" \
        "$(calc "($on / $off - 1) * 100")"
fi

# 1b. The simplest DDIs: 1,000,000 KeRaiseIrql/KeLowerIrql pairs.
start=$(now)
"$DRVSIM" run "$HERE/irql_loop.lua" --quiet
end=$(now)
secs=$(elapsed "$start" "$end")
printf 'irql pairs:     2000000 calls in %.3f s = %.0f calls/s, %.0f ns per call\n' \
    "$secs" "$(calc "2000000 / $secs")" "$(calc "$secs * 1000000000 / 2000000")"

# 1b'. Spin locks with and without deadlock detection (/flags 0x20): 200,000
#      nested acquire/release pairs (800,000 calls), bench/spinlock_loop.lua.
for flags in 0x0 0x20; do
    start=$(now)
    "$DRVSIM" run "$HERE/spinlock_loop.lua" --verifier "/flags $flags /driver spin.sys" --quiet
    end=$(now)
    secs=$(elapsed "$start" "$end")
    printf 'spin locks /flags %-4s 800000 calls in %.3f s = %.0f ns per call\n' \
        "$flags:" "$secs" "$(calc "$secs * 1000000000 / 800000")"
done

# 1c. Thread switches: two threads ping-pong through events on one
#     processor, 200,000 switches (and 400,000 DDI calls).
start=$(now)
"$DRVSIM" run "$HERE/switch_loop.lua" --quiet
end=$(now)
secs=$(elapsed "$start" "$end")
printf 'thread switches: 200000 in %.3f s = %.0f switches/s, %.0f ns per switch (with 2 DDI calls)\n' \
    "$secs" "$(calc "200000 / $secs")" "$(calc "$secs * 1000000000 / 200000")"

# 2. Whole runs: a sweep of 1,000 seeds of a small scenario, one process.
for jobs in 1 2; do
    start=$(now)
    "$DRVSIM" sweep "$HERE/small_run.lua" --seeds 1..1000 -j "$jobs" \
        --jsonl "$OUT/sweep.jsonl" >/dev/null 2>&1
    end=$(now)
    secs=$(elapsed "$start" "$end")
    printf 'sweep -j %d:     1000 runs in %.3f s = %.0f runs/s, %.2f ms per run\n' "$jobs" \
        "$secs" "$(calc "1000 / $secs")" "$(calc "$secs * 1000 / 1000")"
done

# 2b. A real two-processor scenario: the DPC/thread list race of
#     scenarios/races (about 2,500 DDI calls and 400 waits a run).
RACE=$HERE/../scenarios/races/dpc_list_race.lua
for jobs in 1 2; do
    start=$(now)
    "$DRVSIM" sweep "$RACE" --seeds 1..200 -j "$jobs" --jsonl "$OUT/race.jsonl" >/dev/null 2>&1 || true
    end=$(now)
    secs=$(elapsed "$start" "$end")
    printf 'race sweep -j %d: 200 runs in %.3f s = %.0f runs/s, %.2f ms per run\n' "$jobs" \
        "$secs" "$(calc "200 / $secs")" "$(calc "$secs * 1000 / 200")"
done

# 2c. Fault injection: a sweep of the reference scenario (about 200 DDI
#     calls a run, low resources simulation on with no delay), and the wall
#     time to the first failure injected 7 simulated minutes after boot (the
#     DPC of scenarios/faults/sample_dpc_null.lua ticks every second until
#     then: about 430 DPCs).
for jobs in 1 2; do
    start=$(now)
    "$DRVSIM" sweep "$HERE/faults_sweep.lua" --seeds 1..1000 -j "$jobs" \
        --jsonl "$OUT/faults.jsonl" >/dev/null 2>&1
    end=$(now)
    secs=$(elapsed "$start" "$end")
    printf 'faults sweep -j %d: 1000 seeds in %.3f s = %.0f seeds/s, %.2f ms per seed\n' "$jobs" \
        "$secs" "$(calc "1000 / $secs")" "$(calc "$secs * 1000 / 1000")"
done
start=$(now)
"$DRVSIM" run "$HERE/../scenarios/faults/sample_dpc_null.lua" --quiet
end=$(now)
printf 'first fault:    7 simulated minutes (0:07:08) in %.3f s of wall time\n' \
    "$(elapsed "$start" "$end")"
# The same, without process start-up and report: a thread that waits the 7
# simulated minutes, then allocates until the first deliberate failure,
# swept in-process (bench/first_fault.lua).
start=$(now)
"$DRVSIM" sweep "$HERE/first_fault.lua" --seeds 1..500 --jsonl "$OUT/first.jsonl" >/dev/null 2>&1
end=$(now)
secs=$(elapsed "$start" "$end")
printf 'first fault:    a run to the first failure 7 simulated minutes in: %.3f ms\n' \
    "$(calc "$secs * 1000 / 500")"

# 3. Memory of one small run.
printf 'small run:      peak RSS %s KiB\n' "$(rss "$DRVSIM" run "$HERE/small_run.lua" --quiet)"

# 3b. Memory that stays flat: a 10 ms periodic timer DPC for 1 simulated
#     hour and for 24 (bench/timer_hours.lua, 8,640,000 DPC runs).
start=$(now)
peak1=$(rss "$DRVSIM" run "$HERE/timer_hours.lua" --limit 1h --quiet || true)
mid=$(now)
peak24=$(rss "$DRVSIM" run "$HERE/timer_hours.lua" --quiet)
end=$(now)
printf 'timer 10 ms:    1 h in %.3f s, peak RSS %s KiB; 24 h in %.3f s, peak RSS %s KiB\n' \
    "$(elapsed "$start" "$mid")" "$peak1" "$(elapsed "$mid" "$end")" "$peak24"

# 3c. Plug and Play: 1,000 arrivals and removals of a two-driver stack
#     (bench/pnp_cycle.lua: 11 IRPs, two AddDevice calls, two loads and two
#     unloads a cycle).
start=$(now)
"$DRVSIM" run "$HERE/pnp_cycle.lua" --quiet
end=$(now)
secs=$(elapsed "$start" "$end")
printf 'pnp cycle:      1000 arrivals+removals in %.3f s = %.0f us each\n' \
    "$secs" "$(calc "$secs * 1000000 / 1000")"

# 4. The pool driven from C: alloc+free pairs, and memory per live
#    allocation with 1,000,000 live.
echo "pool from C:"
"$POOL_BENCH" 1000000 | sed 's/^/  /'

# 5. Special pool: allocate/write/free and live allocations from C, against
#    Electric Fence (preloaded in a child), then the same loop from Lua.
echo "special pool from C:"
"$SPECIAL_BENCH" 1000000 1000000 100000 | sed 's/^/  /'
start=$(now)
"$DRVSIM" run "$HERE/special_loop.lua" --quiet
end=$(now)
secs=$(elapsed "$start" "$end")
printf 'special pool from Lua: 200000 allocate+write+free in %.3f s = %.0f ns each\n' \
    "$secs" "$(calc "$secs * 1000000000 / 200000")"
