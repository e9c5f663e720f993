#!/bin/sh
# fuzz/run.sh BUILD SECONDS [NAME...] - runs the libFuzzer harnesses built in
# BUILD (make fuzz builds them there), one after another, each for SECONDS,
# at low priority (nice FUZZ_NICE, default 10). NAME is verifier, gflags, cli or scenario (default: all).
#
# The seed corpora and dictionaries are made from the tree first
# (fuzz/make_corpus.py); what the fuzzers find worth keeping goes to
# BUILD/fuzz-data/corpus/NAME and carries over to the next run. A crash, a
# leak, undefined behaviour, a failed check or a hang (timeout) is a finding:
# its input is saved under BUILD/fuzz-data/findings/NAME/ and the harness
# fails. One line per harness, then "fuzz: N passed, N failed".
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 BUILD SECONDS [verifier|gflags|cli|scenario ...]" >&2
    exit 2
fi
build=$1
seconds=$2
shift 2
names=${*:-verifier gflags cli scenario}
mkdir -p "$build/fuzz-data" || exit 1
# Absolute: fuzz_cli works in a directory of its own.
data=$(cd "$build/fuzz-data" && pwd)
python3 fuzz/make_corpus.py . "$data" || exit 1

passed=0
failed=0
for name in $names; do
    exe=$(cd "$build" && pwd)/fuzz/fuzz_$name
    corpus=$data/corpus/$name
    findings=$data/findings/$name
    log=$data/$name.log
    mkdir -p "$corpus" "$findings"
    # A hang is an input still running after -timeout seconds of wall time:
    # generous, as a niced fuzzer on a busy machine can wait that long for a
    # processor (inputs that timed out at 10 s there took 0.1 s of CPU).
    limits="-timeout=300"
    [ "$name" = scenario ] && limits="$limits -rss_limit_mb=4096"
    start=$(date +%s)
    # shellcheck disable=SC2086
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 nice -n "${FUZZ_NICE:-10}" "$exe" \
        -max_total_time="$seconds" -print_final_stats=1 -close_fd_mask=3 $limits \
        -dict="$data/dict/$name.dict" -artifact_prefix="$findings/" \
        "$corpus" "$data/seeds/$name" >"$log" 2>&1
    status=$?
    took=$(($(date +%s) - start))
    execs=$(awk '/stat::number_of_executed_units:/ { print $2 }' "$log" | tail -n 1)
    if [ "$status" -eq 0 ]; then
        passed=$((passed + 1))
        echo "PASS fuzz_$name: ${execs:-?} executions in ${took} s, no finding"
    else
        failed=$((failed + 1))
        echo "FAIL fuzz_$name: exit $status after ${execs:-?} executions; input in $findings/, log $log:"
        grep -E '^==[0-9]+==|SUMMARY|check failed|ERROR: libFuzzer' "$log" | head -n 5 | sed 's/^/  /'
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
