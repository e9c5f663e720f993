/*
 * jobs.h - running many drvsim_run jobs for `test` and `sweep` in forked
 * worker processes (one at least: a run that aborts or hangs costs its job,
 * not the command), with results delivered in job order.
 *
 * Every result goes through the codec between worker and parent (the bytes of
 * the struct, jobs.c), so a callback sees the same fields whatever the number
 * of workers. What survives the trip: everything
 * in drvsim_result except the counters (global and per driver), which `test` and `sweep` do not
 * report, and of the injected failures their count and the last four (what the report lists); fault
 * sites are not carried.
 */
#ifndef DRVSIM_CLI_JOBS_H
#define DRVSIM_CLI_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drvsim/drvsim.h"

#define JOBS_MAX_WORKERS 256u

/* jobs_run: a result callback asked to stop. */
#define JOBS_STOPPED 1

/* Fills the options of job `index` (0 <= index < count). Called in the
 * parent and in workers, which see the parent's memory as it was when they
 * were forked; the strings must outlive jobs_run. */
typedef void (*jobs_options_fn)(void *ctx, size_t index, drvsim_options *options);

/* Receives the result of job `index`, in increasing index order. The result
 * is freed after the callback returns (see `more`). `signo` is the signal that killed the
 * worker process running the job (the result is then an "error" saying so:
 * the job did not end, something outside it ended it), else 0. Returns false
 * to stop: no further result is delivered and jobs_run returns JOBS_STOPPED.
 * `more`: the next result is delivered right after this one, before jobs_run
 * waits for anything (results arrive in batches). The results of a batch,
 * and their lines, stay valid until the callback given the last (more ==
 * false), or one that returned false, has returned: a callback that writes
 * them out may flush once after the last, and count as saved only those the
 * flush saved. */
typedef bool (*jobs_result_fn)(void *ctx, size_t index, const drvsim_result *result, int signo,
                               const char *line, bool more);

/* Turns a result into the text the parent will write for it (malloc'd;
 * NULL: none), in the worker that ran the job, so that this work is done by
 * the workers side by side rather than by the parent one result after
 * another (issue 18 item 7). Called with the job's own result only: the
 * parent makes the text itself for a job whose worker died. on_result gets
 * it as `line` (NULL when there is none). */
typedef char *(*jobs_line_fn)(void *ctx, const drvsim_result *result);

/*
 * Runs jobs 0..count-1 with `workers` forked processes (at most
 * JOBS_MAX_WORKERS; 1 runs them one after another, still in a child, so that
 * an abort costs one job). A worker that dies yields an "error" result for
 * the job it was running ("simulator crashed: signal 6 (Aborted)") and is
 * replaced. With host_timeout_ms (0: none), each job runs under the host
 * time limit (watchdog.h): the worker asks its run to stop at the limit, and
 * a worker still busy with the job WATCHDOG_GRACE_S seconds later is killed,
 * the job failing with "host time limit reached". Returns 0, JOBS_STOPPED
 * when on_result returned false, or -1 after writing "drvsim: <why>" to
 * stderr when the host fails us (no processes, no memory); results delivered
 * until then stay delivered.
 */
int jobs_run(size_t count, unsigned workers, jobs_options_fn options_of, jobs_line_fn line_of,
             jobs_result_fn on_result, void *ctx, uint64_t host_timeout_ms);

#endif /* DRVSIM_CLI_JOBS_H */
