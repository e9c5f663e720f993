#!/bin/sh
# bench/scale.sh DRVSIM - drvsim's cost along each dimension a scenario grows
# in (issue 18): threads 10..10,000, timers with DPCs 100..100,000, live
# allocations 10^3..10^6, simulated span 1 s..24 h, processors 1..64. Each
# line is one point: the host CPU time of the run (user + system, from GNU
# time, 10 ms resolution), its peak RSS, and the cost per unit of work above
# the dimension's empty run, which stays about the same along a dimension
# when the cost grows linearly (for processors the work is the same at
# every point: the time itself stays flat). The scenarios are bench/scale/*.lua;
# their `local N = ...` line is set per point.
#
# Host time is measured here and only here; figures vary with the machine
# and its load (callgrind instruction counts of the small points: run
# valgrind --tool=callgrind on the same command lines).
set -eu
DRVSIM=${1:-./build/drvsim}
HERE=$(dirname "$0")
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

if [ ! -x /usr/bin/time ]; then
    echo "bench/scale.sh needs GNU time (Debian package \"time\")" >&2
    exit 1
fi

# run SCENARIO N [drvsim options...]: "user+system KiB" of one run (GNU
# time's last line: a run that ends as a timeout exits 1, which it notes
# first).
run() {
    scenario=$1 n=$2
    shift 2
    sed "s/^local N = .*/local N = $n/" "$scenario" >"$OUT/point.lua"
    /usr/bin/time -f '%U %S %M' -o "$OUT/time" "$DRVSIM" run "$OUT/point.lua" --quiet \
        --max-instructions 1000000000000 "$@" >/dev/null 2>&1 || true
    tail -n 1 "$OUT/time" | awk '{ printf "%.2f %d\n", $1 + $2, $3 }'
}

# base SCENARIO [options]: the CPU time of the dimension's empty point (N =
# 0), which the points' cost per unit leaves out (start-up, boot, teardown).
base() {
    BASE=$(run "$@" | cut -d' ' -f1)
}

# point NAME UNITS UNIT-NAME SCENARIO N [drvsim options...]
point() {
    name=$1 units=$2 unit=$3
    shift 3
    set -- $(run "$@")
    awk -v name="$name" -v units="$units" -v unit="$unit" -v t="$1" -v rss="$2" -v b="$BASE" \
        'BEGIN { printf "%-24s %7.2f s CPU %8d KiB peak  ", name, t, rss
                 if (t - b < 0.05) print "(too little above the empty run to divide)"
                 else printf "%9.2f us per %s\n", (t - b) * 1000000 / units, unit }'
}

echo "threads (bench/scale/threads.lua, 1 processor):"
base "$HERE/scale/threads.lua" 0
for n in 10 100 1000 10000; do
    point "  $n threads" "$n" thread "$HERE/scale/threads.lua" "$n"
done
echo "timers with a DPC each (bench/scale/timers.lua):"
base "$HERE/scale/timers.lua" 0
for n in 100 1000 10000 100000; do
    point "  $n timers" "$n" timer "$HERE/scale/timers.lua" "$n"
done
echo "live allocations (bench/scale/allocations.lua):"
base "$HERE/scale/allocations.lua" 0
for n in 1000 10000 100000 1000000; do
    point "  $n allocations" "$n" allocation "$HERE/scale/allocations.lua" "$n"
done
echo "simulated span, a 10 ms periodic timer DPC (bench/timer_hours.lua):"
BASE=0
for span in 1s:1 1min:60 1h:3600 24h:86400; do
    limit=${span%%:*} secs=${span#*:}
    point "  $limit" "$secs" "simulated s" "$HERE/timer_hours.lua" 0 --limit "$limit"
done
echo "processors, 2,000,000 DDI calls on one (bench/scale/cpus.lua):"
BASE=0
for n in 1 2 4 8 16 32 64; do
    point "  $n CPUs" 2000000 call "$HERE/scale/cpus.lua" 1000000 --cpus "$n"
done
