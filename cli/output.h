/*
 * output.h - what the command-line tool writes about results: JSON objects
 * (jansson), JUnit XML, shell-quoted replay commands, one-line summaries and
 * the grouping of a sweep's results by distinct bug check.
 *
 * Everything here is a pure function of the results it is given (no host
 * time, no addresses), so the output of `test` and `sweep` is the same for
 * any number of worker processes.
 */
#ifndef DRVSIM_CLI_OUTPUT_H
#define DRVSIM_CLI_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "drvsim/drvsim.h"

/* ------------------------------------------------------------------------ */
/* JSON                                                                     */
/* ------------------------------------------------------------------------ */

/*
 * A JSON string from arbitrary C text. jansson refuses text that is not valid
 * UTF-8 (a Lua error can quote any bytes of a scenario), so such bytes become
 * '?'. Returns NULL only when the host is out of memory.
 */
json_t *out_json_text(const char *text);

/* out_json_text, or JSON null for "" (a field the run does not know). */
json_t *out_json_text_or_null(const char *text);

/*
 * A JSON integer holding v exactly. jansson's integers are signed 64-bit, but
 * bug check parameters are often kernel addresses above 2^63; those are
 * carried as a private marker that out_json_dump turns back into digits.
 */
json_t *out_json_u64(uint64_t v);

/*
 * Writes j and a newline: flags JSON_COMPACT for a JSONL line, JSON_INDENT(2)
 * for a document. Keys stay in insertion order. Returns false on a write
 * error or when the host is out of memory.
 */
bool out_json_dump(const json_t *j, size_t flags, FILE *out);
/* What out_json_dump writes, without the newline, as a malloc'd string
 * (NULL when out of memory). */
char *out_json_dumps(const json_t *j, size_t flags);

/*
 * The JSON object of a run (CONTRACT section 2): scenario, seed, outcome,
 * bugcheck (or null), sim_time_ns, digest, expected, counters, then the
 * extensions name, message, replay (when given), notes, events, instructions.
 * The bugcheck object also has params_hex (the four as "0x..." strings, for
 * readers that round integers above 2^53) and, in the full object,
 * param_meanings (what each holds, from the rule catalogue).
 * `full` = false gives the JSONL line of a sweep: seed, outcome, bugcheck,
 * digest, expected, sim_time_ns (and message when there is one, and
 * injected_failures {count} when low resources simulation failed calls).
 * The full object's injected_failures also has `last`, the last four.
 */
json_t *out_result_json(const drvsim_result *r, const char *replay, bool full);

/* What produced a result: {"version": DRVSIM_VERSION, "trace_format":
 * DRVSIM_TRACE_FORMAT, "git_revision": the checkout's or null}, the last
 * field ("drvsim") of every JSON object and JSONL line. NULL on host OOM. */
json_t *out_version_json(void);

/* An eligible call (an injected failure, a call site): ddi, tag (null for
 * none), ordinal, site, driver, nth, time_ns. NULL on host OOM. */
json_t *out_fault_json(const drvsim_fault *f);

/* ------------------------------------------------------------------------ */
/* Text                                                                     */
/* ------------------------------------------------------------------------ */

/* Writes s for a POSIX shell: as is when it only holds [A-Za-z0-9_./:=+-],
 * else in single quotes (an embedded ' becomes '\''). */
void out_shell_quote(FILE *out, const char *s);

/* The raw option values of a command line, as typed; NULL = not given. They
 * are repeated in replay commands so that a replay runs what was run. */
typedef struct out_cli_args {
    const char *verifier;
    const char *gflags;
    const char *cpus;
    const char *sched;
    const char *limit;
    const char *max_events;
    const char *max_instructions;
    const char *fail_nth;
    const char *replay;
    bool kd;
    bool races;
} out_cli_args;

/* "drvsim run <scenario> --seed N [options given]"; malloc'd, NULL on OOM. */
char *out_replay_command(const char *scenario, uint64_t seed, const out_cli_args *args);

/* Deadlock detection's "make it real" (README): the replay command of a
 * 0x1001 run with its settings without deadlock detection and the directed
 * schedule of its chains, into r->deadlock->make_it_real. */
void out_make_it_real(drvsim_result *r, const char *scenario, const out_cli_args *args);

/* The run's warnings (the verifier's WDM DRIVER WARNINGs, which do not stop
 * it), one line each: "drvsim: warning: 0xC9/0x21C io2_... (x.sys): P2 ...,
 * at 0:00:01.000 simulated". Nothing when quiet. */
void out_warnings_write(FILE *out, const drvsim_result *r, bool quiet);

/* "bug check 0xC4 P1=0x62 driver leaky.sys" or "clean": what expect asks. */
void out_write_expect(FILE *out, const drvsim_expect *e);

/* "clean", "bug check 0xC4 P1=0x62 driver leaky.sys", "timeout", "error". */
void out_write_outcome(FILE *out, const drvsim_result *r);

/*
 * For a run whose bug check or timeout is what its expect asked for, the
 * line that says so: "drvsim: outcome matched expect (bug check 0xC4/0x62)",
 * the code written as `drvsim rules` writes it. Nothing for any other run: a
 * clean run says so itself, and a mismatch is reported by the report.
 */
void out_write_matched(FILE *out, const drvsim_result *r);

/*
 * Why a run failed, on one line: its message, else "expected X, got Y".
 * Line breaks inside the message become "; " so that `test` keeps one line
 * per scenario. Writes nothing for an expected run.
 */
void out_write_failure(FILE *out, const drvsim_result *r);

/* Simulated seconds with millisecond precision ("10.000"), integer math only. */
void out_write_seconds(FILE *out, uint64_t t_100ns);

/* ------------------------------------------------------------------------ */
/* JUnit XML                                                                */
/* ------------------------------------------------------------------------ */

typedef struct out_junit_case {
    char *classname;     /* the scenario's directory, "." for none */
    char *name;          /* the scenario's file name */
    uint64_t time_100ns; /* simulated time, or host time with --junit-host-time */
    /* NULL when the case passed; else "failure" (a bug check, a timeout, a
     * deadlock, an expectation not met, a nondeterministic digest) or
     * "error" (a scenario error, a crashed or killed worker). */
    const char *kind;
    char *type;       /* the failure's type: the bug check's name, "timeout", ... */
    char *failure;    /* one-line reason */
    char *details;    /* the failure's full report; may be NULL */
    char *system_out; /* what the drivers printed (DbgPrint); may be NULL */
} out_junit_case;

/* Writes one <testsuite name="drvsim"> (the Jenkins xUnit schema, junit-10.xsd:
 * testsuite attributes name, tests, failures, errors, skipped, time; each
 * testcase's failure or error with message and type, then system-out).
 * Returns false on a write error. */
bool out_junit_write(FILE *out, const out_junit_case *cases, size_t count);

/* Frees the strings of one case (the case itself belongs to the caller). */
void out_junit_case_free(out_junit_case *c);

/* ------------------------------------------------------------------------ */
/* Sweep summary                                                            */
/* ------------------------------------------------------------------------ */

/*
 * Runs that ended the same way: a bug check (code, the sub-code parameter
 * of its rule, driver, rule), or a timeout or error with the same message.
 * Clean runs are not grouped. The sub-code is the parameter the rule
 * catalogue says selects the case (P1 of 0xC4, P4 of 0xC1, ...); a rule
 * without one (0xD5, whose P1 is an address) groups by code and rule alone.
 */
typedef struct out_group {
    drvsim_outcome outcome;
    uint32_t code;
    uint8_t sub_param; /* 1..4, or 0: no parameter in the key */
    uint64_t sub_value;
    char driver[64];
    char rule[64];
    char message[1024]; /* timeouts and errors */
    size_t count;
    size_t unexpected;   /* how many of them did not match the scenario's expect */
    uint64_t first_seed; /* the group's first seed in sweep order */
    /* The first run's bug check and expect, as far as it is known (a line
     * read back by --resume has no scenario line, description or routine):
     * for the SARIF log. */
    drvsim_bugcheck bugcheck;
    drvsim_expect expect;
} out_group;

typedef struct out_summary {
    size_t runs;
    size_t clean;
    size_t failed; /* runs whose outcome did not match the expect */
    /* Clean runs that did not match (an expected bug check did not happen):
     * how many, the first seed, and what was expected. */
    size_t clean_unexpected;
    uint64_t clean_first_seed;
    drvsim_expect clean_expect;
    out_group *groups;
    size_t group_count;
    size_t group_capacity;
} out_summary;

/* Counts r and files it in its group; false when the host is out of memory.
 * Results must be added in seed order for first_seed to be the first. */
bool out_summary_add(out_summary *s, const drvsim_result *r);

/*
 * Writes the totals, then one entry per group (count descending, then first
 * seed) with the replay command of its first seed.
 */
void out_summary_write(FILE *out, out_summary *s, const char *scenario, const out_cli_args *args);

void out_summary_free(out_summary *s);

#endif /* DRVSIM_CLI_OUTPUT_H */
