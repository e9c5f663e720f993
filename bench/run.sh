#!/bin/sh
# bench/run.sh DRVSIM [POOL_BENCH [SPECIAL_BENCH [BARE_STATE]]] - prints drvsim's performance figures
# (make bench).
#
# Host wall time is measured here and only here: tests never assert timing.
# Figures vary with the machine; compare runs on one machine.
set -eu
DRVSIM=${1:-./build/drvsim}
POOL_BENCH=${2:-$(dirname "$DRVSIM")/pool_bench}
SPECIAL_BENCH=${3:-$(dirname "$DRVSIM")/special_bench}
BARE_STATE=${4:-$(dirname "$DRVSIM")/bare_state}
HERE=$(dirname "$0")
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

now() { date +%s.%N; }
# Peak RSS through GNU time when it is installed (Debian package "time").
rss() {
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f %M -o "$OUT/rss" "$@"
        # The last line: time puts "Command exited with non-zero status N"
        # before it when the run's exit status says it did not match.
        tail -n 1 "$OUT/rss"
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

# 1a'. The race detector (--races, drvsim's /races): the same DDI loop, and a
#      memory-heavy driver (bench/ring_loop.lua: a thread and a 1 ms timer
#      DPC share a 64 KiB ring under a spin lock, about 700,000 pointer
#      accesses and 5 MiB of RtlCopyMemory), off and on, three runs each.
#      Target: within 2x.
time3() {
    t0=$(now)
    for _ in 1 2 3; do
        "$@" >/dev/null 2>&1
    done
    elapsed "$t0" "$(now)"
}
for b in ddi_loop ring_loop; do
    off=$(time3 "$DRVSIM" run "$HERE/$b.lua" --quiet)
    on=$(time3 "$DRVSIM" run "$HERE/$b.lua" --quiet --races)
    printf 'races %-12s %.3f s off, %.3f s on, 3 runs each (x%.2f)\n' "$b:" "$off" "$on" \
        "$(calc "$on / $off")"
done

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

# 1d. Interleaving at shared accesses (--sched ...+accesses): the DDI loop
#     (its pointer stores touch memory one context owns) and a memory-heavy
#     driver (bench/memory_loop.lua: 400,000 loads and stores of its own
#     pool buffer), with the mode off and on; then a two-processor scenario
#     whose thread and DPC share their statistics (InterlockedIncrement on
#     the total, plain loads and stores of the per-side counts beside it:
#     every access a preemption point the strategy decides).
for sched in random random+accesses; do
    start=$(now)
    "$DRVSIM" run "$HERE/ddi_loop.lua" --quiet --sched "$sched"
    mid=$(now)
    "$DRVSIM" run "$HERE/memory_loop.lua" --quiet --sched "$sched"
    end=$(now)
    printf 'sched %-16s ddi calls %.0f ns per call; memory accesses %.0f ns per access\n' \
        "$sched:" "$(calc "$(elapsed "$start" "$mid") * 1000000000 / 400000")" \
        "$(calc "$(elapsed "$mid" "$end") * 1000000000 / 400000")"
done
SHARED=$HERE/../scenarios/races/lost_update_interlocked.lua
for sched in random random+accesses; do
    start=$(now)
    "$DRVSIM" sweep "$SHARED" --seeds 1..20 --sched "$sched" --jsonl "$OUT/shared.jsonl" \
        >/dev/null 2>&1 || true
    end=$(now)
    printf 'sched %-16s shared statistics (lost_update_interlocked): %.2f ms per run\n' \
        "$sched:" "$(calc "$(elapsed "$start" "$end") * 1000 / 20")"
done
if command -v valgrind >/dev/null 2>&1; then
    for sched in random random+accesses; do
        valgrind --tool=callgrind --callgrind-out-file="$OUT/cgm.$sched" "$DRVSIM" run \
            "$HERE/memory_loop.lua" --quiet --sched "$sched" 2>"$OUT/cgm.$sched.log" >/dev/null
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$OUT/cgm.$sched.log" >"$OUT/irm.$sched"
    done
    off=$(cat "$OUT/irm.random")
    on=$(cat "$OUT/irm.random+accesses")
    printf 'memory accesses instructions: %s with +accesses off, %s on (%+.2f%%, %.1f per access)\n' \
        "$off" "$on" "$(calc "($on / $off - 1) * 100")" "$(calc "($on - $off) / 400000")"
fi

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
#     Each sweep's processor time too (user + system, the workers
#     included: GNU time), which the machine's other load does not inflate
#     as much as the wall time: issue 18's seeds per second per core.
cpu_of() {
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%U %S' -o "$OUT/cpu" "$@" >/dev/null 2>&1 || true
        tail -n 1 "$OUT/cpu" | awk '{ print $1 + $2 }'
    else
        "$@" >/dev/null 2>&1 || true
        echo 0
    fi
}
#     10,000 seeds with -j 1 and with -j 2, five times each, alternated,
#     the fastest of each kept (issue 18 item 7: a tenth of a second of
#     start-up would hide the ratio in 1,000 seeds; the fastest run is the
#     one the machine's other work disturbed least).
faults_wall_1=0 faults_wall_2=0 faults_wall_h=0
for round in 1 2 3 4 5; do
    for jobs in 1 2; do
        start=$(now)
        cpu=$(cpu_of "$DRVSIM" sweep "$HERE/faults_sweep.lua" --seeds 1..10000 -j "$jobs" \
            --jsonl "$OUT/faults.jsonl")
        end=$(now)
        secs=$(elapsed "$start" "$end")
        eval "best=\$faults_wall_$jobs"
        if [ "$(calc "($best == 0 || $secs < $best) ? 1 : 0")" = 1 ]; then
            eval "faults_wall_$jobs=$secs faults_cpu_$jobs=$cpu"
        fi
    done
    # The machine's own limit for two processes: two -j 1 sweeps of half
    # the seeds each, side by side (two parents, two workers).
    start=$(now)
    "$DRVSIM" sweep "$HERE/faults_sweep.lua" --seeds 1..5000 -j 1 \
        --jsonl "$OUT/half1.jsonl" >/dev/null 2>&1 &
    "$DRVSIM" sweep "$HERE/faults_sweep.lua" --seeds 5001..10000 -j 1 \
        --jsonl "$OUT/half2.jsonl" >/dev/null 2>&1
    wait
    end=$(now)
    secs=$(elapsed "$start" "$end")
    if [ "$(calc "($faults_wall_h == 0 || $secs < $faults_wall_h) ? 1 : 0")" = 1 ]; then
        faults_wall_h=$secs
    fi
done
for jobs in 1 2; do
    eval "secs=\$faults_wall_$jobs cpu=\$faults_cpu_$jobs"
    printf 'faults sweep -j %d: 10000 seeds in %.3f s (fastest of 5) = %.0f seeds/s, %.3f ms per seed (%.2f s of processor time)\n' \
        "$jobs" "$secs" "$(calc "10000 / $secs")" "$(calc "$secs * 1000 / 10000")" "$cpu"
done
printf 'faults sweep, two -j 1 halves side by side: 10000 seeds in %.3f s (fastest of 5): x%.2f of -j 1, the most two processes give on this machine\n' \
    "$faults_wall_h" "$(calc "$faults_wall_1 / $faults_wall_h")"
# An empty seed (a scenario whose run() returns at once) against a bare Lua
# state (luaL_newstate, luaL_openlibs, a chunk making 200 C calls,
# lua_close: bench/bare_state.c), 2,000 of each.
EMPTY=$OUT/empty.lua
printf 'scenario { name = "empty" }\nrun(function() end)\n' >"$EMPTY"
empty_cpu=$(cpu_of "$DRVSIM" sweep "$EMPTY" --seeds 1..2000 -j 1 --jsonl "$OUT/empty.jsonl")
bare_cpu=$(cpu_of "$BARE_STATE" 2000)
printf 'empty seed:     %.1f us of processor time a seed, a bare Lua state %.1f us (x%.1f)\n' \
    "$(calc "$empty_cpu * 1000000 / 2000")" "$(calc "$bare_cpu * 1000000 / 2000")" \
    "$(calc "$empty_cpu / ($bare_cpu > 0 ? $bare_cpu : 1)")"
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
# The periodic DPC scenario itself swept in-process (issue 18 item 6: a run
# in a sweep, without process start-up, is what a 10,000-seed sweep pays).
start=$(now)
"$DRVSIM" sweep "$HERE/../scenarios/faults/sample_dpc_null.lua" --seeds 1..200 -j 1 \
    --jsonl "$OUT/dpc_null.jsonl" >/dev/null 2>&1 || true
end=$(now)
secs=$(elapsed "$start" "$end")
printf 'first fault:    scenarios/faults/sample_dpc_null.lua swept, 200 seeds: %.3f ms per run (issue 18 item 6: target < 1 ms)\n' \
    "$(calc "$secs * 1000 / 200")"

# 3. Memory of one small run.
printf 'small run:      peak RSS %s KiB\n' "$(rss "$DRVSIM" run "$HERE/small_run.lua" --quiet)"

# 3b. Memory that stays flat: a 10 ms periodic timer DPC for 1 simulated
#     hour and for 24 (bench/timer_hours.lua, 8,640,000 DPC runs).
start=$(now)
peak1=$(rss "$DRVSIM" run "$HERE/timer_hours.lua" --limit 1h --quiet || true)
mid=$(now)
peak24=$(rss "$DRVSIM" run "$HERE/timer_hours.lua" --quiet)
end=$(now)
printf 'timer 10 ms:    1 h in %.3f s, peak RSS %s KiB; 24 h in %.3f s, peak RSS %s KiB (issue 18 item 2: target <= 64 MB)\n' \
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

# 5b. Issue 18's targets, each beside its measurement. Instruction counts
#     are callgrind's (repeatable, whatever the machine's load); a scenario
#     of bench/scale/ runs with its `local N = ...` set, and a cost per unit
#     is the difference between two sizes, so that start-up cancels out.
if command -v valgrind >/dev/null 2>&1; then
    # ir OUTPUT-NAME DRVSIM-ARGS...: the instructions of one drvsim command,
    # its forked workers included.
    ir() {
        name=$1
        shift
        valgrind --tool=callgrind --trace-children=yes \
            --callgrind-out-file="$OUT/ir.$name.%p" "$DRVSIM" "$@" >/dev/null 2>"$OUT/ir.$name.log" || true
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$OUT/ir.$name.log" |
            awk '{ total += $1 } END { print total + 0 }'
    }
    # sized SCENARIO N: bench/scale/SCENARIO with N set, as $OUT/SCENARIO.N.lua
    sized() {
        sed "s/^local N = .*/local N = $2/" "$HERE/scale/$1.lua" >"$OUT/$1.$2.lua"
        echo "$OUT/$1.$2.lua"
    }
    echo "issue 18 targets (callgrind instructions):"
    # Item 1: threads. Per thread between 1,000 and 3,000 ready threads,
    # against per thread between 100 and 1,000.
    a=$(ir t100 run "$(sized threads 100)" --quiet)
    b=$(ir t1000 run "$(sized threads 1000)" --quiet)
    c=$(ir t3000 run "$(sized threads 3000)" --quiet)
    printf '  1 linear in threads: %.0f instructions per thread at 100..1,000, %.0f at 1,000..3,000 (%.2fx; target linear: about 1x)\n' \
        "$(calc "($b - $a) / 900")" "$(calc "($c - $b) / 2000")" \
        "$(calc "(($c - $b) / 2000) / (($b - $a) / 900)")"
    # Item 3: a DDI call on 64 processors, most idle, against 1.
    z=$(ir c0 run "$(sized cpus 0)" --quiet --cpus 1)
    one=$(ir c1 run "$(sized cpus 100000)" --quiet --cpus 1)
    z64=$(ir c064 run "$(sized cpus 0)" --quiet --cpus 64)
    many=$(ir c64 run "$(sized cpus 100000)" --quiet --cpus 64)
    printf '  3 flat in processors: %.0f instructions per DDI call on 1 CPU, %.0f on 64 (%.2fx; target flat, was 5.5x)\n' \
        "$(calc "($one - $z) / 200000")" "$(calc "($many - $z64) / 200000")" \
        "$(calc "(($many - $z64) / 200000) / (($one - $z) / 200000)")"
    # Item 5: the cost of one Lua DDI call (bench/irql_loop.lua's pair).
    printf '  5 per DDI call: %.0f instructions (bench/scale/cpus.lua, 1 CPU; target <= 700, was 1,245 in the issue, 1,156 before h-ddi, 921 before h-call)\n' \
        "$(calc "($one - $z) / 200000")"
    # Item 6: the first injected failure, 7 simulated minutes of a 1 s
    # periodic DPC, one whole process.
    # The target in instructions uses the lead's conversion for this
    # machine (issue 18's helper brief): 1 ms of this whole process (start,
    # 428 DPC runs, report, exit) is 3-4 M instructions; 3.5 M here. The
    # DPCs' own share is the difference between the run and one stopped
    # at the first tick (--limit 1s: one DPC run).
    dpc=$(ir dpc run "$HERE/../scenarios/faults/sample_dpc_null.lua" --quiet)
    dpc1=$(ir dpc1 run "$HERE/../scenarios/faults/sample_dpc_null.lua" --quiet --limit 1s)
    printf '  6 periodic DPCs: scenarios/faults/sample_dpc_null.lua %s instructions a run, %.0f per DPC run (427 more than --limit 1s: %s); target < 1 ms, about 3,500,000 instructions; was 2.16 ms, 14,654,632 before h-ddi, 17,085,879 and 29,024 per DPC run before h-dpc2 (the wall time is the "first fault" lines above)\n' \
        "$dpc" "$(calc "($dpc - $dpc1) / 427")" "$dpc1"
    # Items 4 and 7: a seed of bench/faults_sweep.lua, in its worker and in
    # the parent (which decodes each result), between 20 and 120 seeds.
    ir s20 sweep "$HERE/faults_sweep.lua" --seeds 1..20 -j 1 --jsonl "$OUT/s.jsonl" >/dev/null
    ir s120 sweep "$HERE/faults_sweep.lua" --seeds 1..120 -j 1 --jsonl "$OUT/s.jsonl" >/dev/null
    # The parent is the process whose log line comes last (it ends last).
    p20=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$OUT/ir.s20.log" | tail -n 1)
    p120=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$OUT/ir.s120.log" | tail -n 1)
    w20=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$OUT/ir.s20.log" | sed '$d' | awk '{ t += $1 } END { print t }')
    w120=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$OUT/ir.s120.log" | sed '$d' | awk '{ t += $1 } END { print t }')
    printf '  4 per seed: %.0f instructions in the worker, %.0f in the parent (bench/faults_sweep.lua; was 1.76 M and 44,000 before h-seed2, 4.92 M and 252,000 before h-seed)\n' \
        "$(calc "($w120 - $w20) / 100")" "$(calc "($p120 - $p20) / 100")"
    printf '  4 seeds/s per core: %.0f (10,000 seeds of bench/faults_sweep.lua -j 1 in %.2f s of processor time, worker and parent; target >= 7,000)\n' \
        "$(calc "10000 / ($faults_cpu_1 > 0 ? $faults_cpu_1 : 1)")" "$faults_cpu_1"
    # The fixed costs a seed had, each by the functions that bear it now
    # (callgrind's inclusive counts, between the 20- and the 120-seed sweep).
    # fn NAME: the inclusive instructions of function NAME per seed, worker
    # or parent (whichever runs it).
    fn() {
        for n in 20 120; do
            for f in "$OUT"/ir.s$n.[0-9]*; do
                callgrind_annotate --inclusive=yes --threshold=100 "$f" 2>/dev/null |
                    sed -n "s/^ *\\([0-9,]*\\) .*:$1 \\[.*/\\1/p" | head -n 1 | tr -d ,
            done | awk -v n=$n '{ t += $1 } END { print n, t + 0 }'
        done | awk '{ v[NR] = $2 } END { print (v[2] - v[1]) / 100 }'
    }
    printf '  4 globals: %.0f instructions a seed registering them (lb_register_globals; was 347,000 before h-seed2, 1.57 M registering 1,432; target: constants and DDIs resolved on first use)\n' \
        "$(fn lb_register_globals)"
    # The fresh state (its libraries, the sandbox) and its closing, and the
    # import scan of LoadDriver.
    printf '  4 state: %.0f instructions a seed making it (lb_sandbox_new; was 218,000), %.0f closing it (lua_close; was 140,000), %.0f scanning a driver'"'"'s imports (lb_check_imports; was 155,000)\n' \
        "$(fn lb_sandbox_new)" "$(fn lua_close)" "$(fn lb_check_imports)"
    printf '  4 results: %.0f instructions a seed in the worker outside its run, %.0f storing it in the parent (was 210,000 and 211,000 with a JSON line; target: structs)\n' \
        "$(calc "($w120 - $w20) / 100 - $(fn drvsim_run)")" "$(fn jobs_store)"
    printf '  4 scenario: %.0f instructions a seed loading it (lb_load_file; was 178,000 parsing it; target: compiled once per sweep)\n' \
        "$(fn lb_load_file)"
    printf '  4 zeroing: %.0f instructions a seed in memset (was 1.43 M: the 1 MB machine, a 290 KB slab; special pool'"'"'s 4 MB at its first allocation; target: allocated as used)\n' \
        "$(fn __memset_avx2_unaligned_erms)"
    ie=$(ir e20 sweep "$EMPTY" --seeds 1..20 -j 1 --jsonl "$OUT/e.jsonl")
    ie2=$(ir e120 sweep "$EMPTY" --seeds 1..120 -j 1 --jsonl "$OUT/e.jsonl")
    ib=$(ir b100 "$BARE_STATE" 100 2>/dev/null)
    ib2=$(valgrind --tool=callgrind --callgrind-out-file="$OUT/ir.b600" "$BARE_STATE" 600 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
    printf '  4 empty seed: %.0f instructions (worker and parent; was 939,000 before h-seed2), a bare Lua state %.0f: x%.2f (target <= 3x; processor time: the "empty seed" line above)\n' \
        "$(calc "($ie2 - $ie) / 100")" "$(calc "($ib2 - $ib) / 500")" \
        "$(calc "(($ie2 - $ie) / 100) / (($ib2 - $ib) / 500)")"
    printf '  7 sweep -j 2: the parent spends %.0f instructions a seed (%.1f%% of a seed, decoding the result and writing its line; was 6,900, and 252,000 (5.9%%) at first); wall x%.2f of -j 1 (the "faults sweep" lines above; target >= 1.8 on a quiet 2-core machine; two -j 1 halves side by side x%.2f; load average %s)\n' \
        "$(calc "($p120 - $p20) / 100")" "$(calc "($p120 - $p20) / ($w120 - $w20) * 100")" \
        "$(calc "$faults_wall_1 / $faults_wall_2")" "$(calc "$faults_wall_1 / $faults_wall_h")" \
        "$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')"
    # Item 8: deadlock detection on the spin lock loop (issue 12's budget:
    # +20%; +43.9% before the lock graph read each acquisition's scenario
    # line from lua/callsite.c's cache instead of lua_getinfo, +25.9% before
    # the cheaper call site read, event routing and release), DDI
    # compliance on the DDI loop (issue 13's: +15%), 20,000 iterations each.
    sed 's/for i = 1, 200000 do/for i = 1, 20000 do/' "$HERE/spinlock_loop.lua" >"$OUT/spin.lua"
    sed 's/^local ITERATIONS = .*/local ITERATIONS = 20000/' "$HERE/ddi_loop.lua" >"$OUT/ddi.lua"
    s0=$(ir s0 run "$OUT/spin.lua" --quiet --verifier "/flags 0x0 /driver spin.sys")
    s20=$(ir sdl run "$OUT/spin.lua" --quiet --verifier "/flags 0x20 /driver spin.sys")
    d0=$(ir d0 run "$OUT/ddi.lua" --quiet --verifier "/flags 0x0 /driver bench.sys")
    d20=$(ir d20 run "$OUT/ddi.lua" --quiet --verifier "/flags 0x20000 /driver bench.sys")
    printf '  8 deadlock detection (/flags 0x20): %+.1f%% instructions on bench/spinlock_loop.lua (budget +20%%; was +25.9%%, +43.9%% before the call site cache)\n' \
        "$(calc "($s20 / $s0 - 1) * 100")"
    printf '  8 DDI compliance (/flags 0x20000): %+.1f%% instructions on bench/ddi_loop.lua (budget +15%%)\n' \
        "$(calc "($d20 / $d0 - 1) * 100")"
    # The race detector (issue 16 item 5: within 2x) on the same DDI loop
    # and on the memory-heavy ring (bench/ring_loop.lua, 4 passes of 40).
    sed 's/^local PASSES = .*/local PASSES = 4/' "$HERE/ring_loop.lua" >"$OUT/ring.lua"
    dr=$(ir dr run "$OUT/ddi.lua" --quiet --races)
    r0=$(ir r0 run "$OUT/ring.lua" --quiet)
    rr=$(ir rr run "$OUT/ring.lua" --quiet --races)
    printf '  8 race detector (--races): x%.2f instructions on bench/ddi_loop.lua, x%.2f on bench/ring_loop.lua (budget 2x)\n' \
        "$(calc "$dr / $d0")" "$(calc "$rr / $r0")"
    # Interleaving at shared accesses (issue 16 item 1: measured, no number
    # stated; its note: +2.9% on bench/memory_loop.lua) on the DDI loop and
    # the memory loop (20,000 iterations).
    sed 's/^local ITERATIONS = .*/local ITERATIONS = 20000/' "$HERE/memory_loop.lua" >"$OUT/mem.lua"
    da=$(ir da run "$OUT/ddi.lua" --quiet --sched random+accesses)
    m0=$(ir m0 run "$OUT/mem.lua" --quiet --sched random)
    ma=$(ir ma run "$OUT/mem.lua" --quiet --sched random+accesses)
    printf '  8 interleaving (--sched random+accesses): %+.1f%% instructions on bench/ddi_loop.lua, %+.1f%% on bench/memory_loop.lua (issue 16 states no budget; its note: +2.9%%)\n' \
        "$(calc "($da / $d0 - 1) * 100")" "$(calc "($ma / $m0 - 1) * 100")"
    # All four on together, on the DDI loop, against the loop with none.
    dall=$(ir dall run "$OUT/ddi.lua" --quiet --verifier "/flags 0x20020 /driver bench.sys" \
        --races --sched random+accesses)
    printf '  8 all four (/flags 0x20020, --races, +accesses): %+.1f%% instructions on bench/ddi_loop.lua\n' \
        "$(calc "($dall / $d0 - 1) * 100")"
fi

# 6. Scaling (issue 18): threads, timers, live allocations, simulated span
#    and processors, each over its range (bench/scale.sh).
sh "$HERE/scale.sh" "$DRVSIM"
