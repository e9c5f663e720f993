/*
 * watchdog.h - the last-resort host time limit (--host-timeout).
 *
 * Every other limit of a run is simulated (time, events, instructions) and
 * so deterministic; this one is wall-clock time, the only thing in drvsim
 * that is, and it exists for what the others cannot end: a bug in the
 * simulator or work no budget counts. When it fires, the run ends with
 * outcome "error" (exit 3), never a result: its message names the scenario
 * line it was at, and its digest is 0 (nothing of it reaches a trace
 * comparison or a golden file).
 *
 * In this process (run): at the limit, SIGALRM asks the run to stop at its
 * next Lua instruction (drvsim_host_timeout); if it has not returned
 * WATCHDOG_GRACE_S seconds later, stuck where no Lua runs, the process
 * writes the scenario and seed to standard error and exits with status 3.
 * Under jobs (test, sweep), the worker asks its run to stop the same way,
 * and the parent kills a worker whose job outlives the limit and the grace.
 */
#ifndef DRVSIM_CLI_WATCHDOG_H
#define DRVSIM_CLI_WATCHDOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define WATCHDOG_DEFAULT_MS (10u * 60u * 1000u) /* 10 min of wall time a run */
#define WATCHDOG_GRACE_S    10u

#define USAGE_HOST_TIMEOUT                                                                         \
    "  --host-timeout DURATION wall-clock time a run may take, a last resort for a run no\n"       \
    "                          other limit ends: \"30s\", \"10min\" (default 10min); reaching "    \
    "it\n"                                                                                         \
    "                          ends the run with outcome error (exit 3) at its scenario line\n"

/* A wall-clock duration ("500ms", "30s", "10min", "1h"), in milliseconds;
 * false (after a usage error naming --host-timeout) when it is not one. */
bool watchdog_parse(const char *arg, uint64_t *ms, const char *usage);

/* Arms the limit for one run of `scenario` (seed: --seed, or NULL, for the
 * replay command of the message). With exit_after_grace, a run that does not
 * stop ends the process. */
void watchdog_arm(uint64_t ms, const char *scenario, const uint64_t *seed, bool exit_after_grace);

/* Disarms it, after the run returned (the SIGALRM handler stays, for the
 * next run). */
void watchdog_disarm(void);

/* A job worker's limit, set once for its life rather than armed and
 * disarmed around every run (two system calls a seed): a timer ticks every
 * eighth of the limit (at most every second) and asks the run to stop once
 * the job *running names (job + 1; 0: none) has run `ms` since *started_ms
 * (CLOCK_MONOTONIC milliseconds). The parent kills a worker whose run does
 * not stop (jobs.c). */
void watchdog_watch_jobs(uint64_t ms, const _Atomic uint64_t *running,
                         const _Atomic uint64_t *started_ms);

#endif /* DRVSIM_CLI_WATCHDOG_H */
