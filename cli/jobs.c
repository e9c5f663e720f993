/*
 * jobs.c - many drvsim_run jobs in forked workers, each under the host time
 * limit. See jobs.h.
 *
 * Workers: each one holds one end of a socket pair. The parent writes a job
 * index (8 bytes) to an idle worker; the worker runs the job and answers with
 * one JSON line (the result codec below). The parent waits on all workers at
 * once with poll(), so no worker can block it; end of file on a worker's
 * socket means the worker is gone, and waitpid() says why. Results go into a
 * reorder ring and leave it in job order; the parent never hands out a job
 * more than one ring's length ahead of the first result it still waits for,
 * which bounds the memory held by early results.
 *
 * Socket pairs rather than pipes: send(MSG_NOSIGNAL) reports a dead peer as
 * EPIPE instead of raising SIGPIPE, so neither side has to change the
 * process's signal dispositions (which would also change how `drvsim sweep
 * | head` ends).
 */
#include "jobs.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "output.h"
#include "watchdog.h"

/* Results that may wait for an earlier one, per worker. */
#define JOBS_RING_PER_WORKER 4u
/* A result line is a few kilobytes; anything near this is a broken worker. */
#define JOBS_MAX_LINE_BYTES (16u * 1024u * 1024u)

/* ------------------------------------------------------------------------ */
/* The result codec                                                         */
/* ------------------------------------------------------------------------ */

/* 64-bit values travel as decimal strings: jansson's integers are signed. */
static json_t *jobs_u64(uint64_t v)
{
    return json_sprintf("%" PRIu64, v);
}

static void jobs_set(json_t *o, const char *key, json_t *value, bool *ok)
{
    if (json_object_set_new(o, key, value) != 0) {
        *ok = false;
    }
}

static json_t *jobs_encode_expect(const drvsim_expect *e)
{
    bool ok = true;
    json_t *o = json_object();
    json_t *has_p = json_array();
    json_t *p = json_array();
    for (int i = 0; i < 4; i++) {
        ok = ok && json_array_append_new(has_p, json_boolean(e->has_p[i])) == 0;
        ok = ok && json_array_append_new(p, jobs_u64(e->p[i])) == 0;
    }
    jobs_set(o, "clean", json_boolean(e->clean), &ok);
    jobs_set(o, "timeout", json_boolean(e->timeout), &ok);
    jobs_set(o, "deadlock", json_boolean(e->deadlock), &ok);
    jobs_set(o, "code", json_integer(e->code), &ok);
    jobs_set(o, "has_p", has_p, &ok);
    jobs_set(o, "p", p, &ok);
    jobs_set(o, "driver", out_json_text(e->driver), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *jobs_encode_bugcheck(const drvsim_bugcheck *b)
{
    bool ok = true;
    json_t *o = json_object();
    json_t *params = json_array();
    for (int i = 0; i < 4; i++) {
        ok = ok && json_array_append_new(params, jobs_u64(b->params[i])) == 0;
    }
    jobs_set(o, "code", json_integer(b->code), &ok);
    jobs_set(o, "params", params, &ok);
    jobs_set(o, "driver", out_json_text(b->driver), &ok);
    jobs_set(o, "rule", out_json_text(b->rule), &ok);
    jobs_set(o, "description", out_json_text(b->description), &ok);
    jobs_set(o, "site", out_json_text(b->site), &ok);
    jobs_set(o, "routine", out_json_text(b->routine), &ok);
    jobs_set(o, "detail", out_json_text(b->detail), &ok);
    jobs_set(o, "time", jobs_u64(b->time_100ns), &ok);
    jobs_set(o, "cpu", json_integer(b->cpu), &ok);
    jobs_set(o, "irql", json_integer(b->irql), &ok);
    jobs_set(o, "irql_name", out_json_text(b->irql_name), &ok);
    jobs_set(o, "process", out_json_text(b->process), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Deadlock detection's chains (drvsim_deadlock), field by field. */
static json_t *jobs_encode_step(const drvsim_lock_step *s)
{
    bool ok = true;
    json_t *o = json_object();
    jobs_set(o, "lock", jobs_u64(s->lock), &ok);
    jobs_set(o, "name", json_integer(s->name), &ok);
    jobs_set(o, "type", out_json_text(s->type), &ok);
    jobs_set(o, "class", out_json_text(s->lock_class), &ok);
    jobs_set(o, "routine", out_json_text(s->routine), &ok);
    jobs_set(o, "context", out_json_text(s->context), &ok);
    jobs_set(o, "irql", out_json_text(s->irql), &ok);
    jobs_set(o, "site", out_json_text(s->site), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *jobs_encode_deadlock(const drvsim_deadlock *d)
{
    bool ok = true;
    json_t *o = json_object();
    json_t *chains = json_array();
    for (size_t i = 0; i < d->chain_count; i++) {
        const drvsim_lock_chain *c = &d->chains[i];
        json_t *j = json_object();
        jobs_set(j, "who", out_json_text(c->who), &ok);
        jobs_set(j, "has_held", json_boolean(c->has_held), &ok);
        jobs_set(j, "held", jobs_encode_step(&c->held), &ok);
        jobs_set(j, "acquired", jobs_encode_step(&c->acquired), &ok);
        ok = ok && json_array_append_new(chains, j) == 0;
    }
    jobs_set(o, "by_class", json_boolean(d->by_class), &ok);
    jobs_set(o, "irql_rule", json_boolean(d->irql_rule), &ok);
    jobs_set(o, "lock_count", jobs_u64(d->lock_count), &ok);
    jobs_set(o, "chains", chains, &ok);
    jobs_set(o, "verifier", out_json_text(d->verifier), &ok);
    jobs_set(o, "sched", out_json_text(d->sched), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The last failures injected: what the report lists (kd/report.c). */
#define JOBS_LAST_FAULTS 4u

static json_t *jobs_encode_fault(const drvsim_fault *f)
{
    bool ok = true;
    json_t *o = json_object();
    jobs_set(o, "ddi", out_json_text(f->key.ddi), &ok);
    jobs_set(o, "tag", json_integer(f->key.tag), &ok);
    jobs_set(o, "ordinal", jobs_u64(f->key.ordinal), &ok);
    jobs_set(o, "tag_text", out_json_text(f->tag_text), &ok);
    jobs_set(o, "site", out_json_text(f->site), &ok);
    jobs_set(o, "driver", out_json_text(f->driver), &ok);
    jobs_set(o, "nth", jobs_u64(f->nth), &ok);
    jobs_set(o, "time", jobs_u64(f->time_100ns), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* One line of compact JSON, without the newline; malloc'd, NULL on OOM. */
static char *jobs_encode(const drvsim_result *r)
{
    bool ok = true;
    json_t *o = json_object();
    json_t *notes = json_array();
    for (size_t i = 0; i < r->note_count; i++) {
        ok = ok && json_array_append_new(notes, out_json_text(r->notes[i])) == 0;
    }
    jobs_set(o, "outcome", json_integer(r->outcome), &ok);
    jobs_set(o, "expected", json_boolean(r->expected), &ok);
    jobs_set(o, "exit_code", json_integer(r->exit_code), &ok);
    jobs_set(o, "scenario", out_json_text(r->scenario), &ok);
    jobs_set(o, "name", out_json_text(r->name), &ok);
    jobs_set(o, "seed", jobs_u64(r->seed), &ok);
    jobs_set(o, "sim_time", jobs_u64(r->sim_time_100ns), &ok);
    jobs_set(o, "digest", jobs_u64(r->digest), &ok);
    jobs_set(o, "events", jobs_u64(r->events), &ok);
    jobs_set(o, "instructions", jobs_u64(r->instructions), &ok);
    jobs_set(o, "expect", jobs_encode_expect(&r->expect), &ok);
    if (r->outcome == DRVSIM_OUTCOME_BUGCHECK) {
        jobs_set(o, "bugcheck", jobs_encode_bugcheck(&r->bugcheck), &ok);
    }
    if (r->deadlock != NULL) {
        jobs_set(o, "deadlock", jobs_encode_deadlock(r->deadlock), &ok);
    }
    jobs_set(o, "message", out_json_text(r->message), &ok);
    jobs_set(o, "notes", notes, &ok);
    json_t *faults = json_array();
    size_t shown = r->fault_count < JOBS_LAST_FAULTS ? r->fault_count : JOBS_LAST_FAULTS;
    for (size_t i = r->fault_count - shown; i < r->fault_count; i++) {
        ok = ok && json_array_append_new(faults, jobs_encode_fault(&r->faults[i])) == 0;
    }
    jobs_set(o, "fault_total", jobs_u64(r->fault_total), &ok);
    jobs_set(o, "faults", faults, &ok);
    /* What the drivers printed (JUnit's system-out), and the run's host
     * time (JUnit's times with --junit-host-time; nothing else reads it). */
    json_t *debug = json_array();
    for (size_t i = 0; i < r->debug_output_count; i++) {
        ok = ok && json_array_append_new(debug, out_json_text(r->debug_output[i])) == 0;
    }
    jobs_set(o, "debug_output", debug, &ok);
    /* The verifier's warnings (test and sweep count them). */
    json_t *warnings = json_array();
    for (size_t i = 0; i < r->warning_count; i++) {
        const drvsim_warning *w = &r->warnings[i];
        json_t *j = json_array();
        ok = ok && json_array_append_new(j, json_string(w->rule)) == 0;
        ok = ok && json_array_append_new(j, jobs_u64(w->code)) == 0;
        for (int p = 0; p < 4; p++) {
            ok = ok && json_array_append_new(j, jobs_u64(w->params[p])) == 0;
        }
        ok = ok && json_array_append_new(j, json_string(w->driver)) == 0;
        ok = ok && json_array_append_new(j, jobs_u64(w->time_100ns)) == 0;
        ok = ok && json_array_append_new(warnings, j) == 0;
    }
    jobs_set(o, "warnings", warnings, &ok);
    jobs_set(o, "warning_total", jobs_u64(r->warning_total), &ok);
    jobs_set(o, "host_ns", jobs_u64(r->host_time_ns), &ok);
    char *line = ok ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return line;
}

/* Readers for the decoder: each clears *ok when the field is missing or has
 * the wrong type, so that a truncated or garbled line is refused whole. */
static uint64_t jobs_get_u64(const json_t *v, bool *ok)
{
    const char *s = json_string_value(v);
    char *end;
    if (s == NULL || s[0] < '0' || s[0] > '9') {
        *ok = false;
        return 0;
    }
    errno = 0;
    unsigned long long n = strtoull(s, &end, 10);
    if (*end != '\0' || errno != 0) {
        *ok = false;
    }
    return n;
}

static json_int_t jobs_get_int(const json_t *v, bool *ok)
{
    if (!json_is_integer(v)) {
        *ok = false;
        return 0;
    }
    return json_integer_value(v);
}

static bool jobs_get_bool(const json_t *v, bool *ok)
{
    if (!json_is_boolean(v)) {
        *ok = false;
        return false;
    }
    return json_is_true(v);
}

static void jobs_get_str(const json_t *v, char *buf, size_t size, bool *ok)
{
    const char *s = json_string_value(v);
    if (s == NULL) {
        *ok = false;
        s = "";
    }
    snprintf(buf, size, "%s", s);
}

static void jobs_decode_expect(const json_t *o, drvsim_expect *e, bool *ok)
{
    const json_t *has_p = json_object_get(o, "has_p");
    const json_t *p = json_object_get(o, "p");
    e->clean = jobs_get_bool(json_object_get(o, "clean"), ok);
    e->timeout = jobs_get_bool(json_object_get(o, "timeout"), ok);
    e->deadlock = jobs_get_bool(json_object_get(o, "deadlock"), ok);
    e->code = (uint32_t)jobs_get_int(json_object_get(o, "code"), ok);
    for (size_t i = 0; i < 4; i++) {
        e->has_p[i] = jobs_get_bool(json_array_get(has_p, i), ok);
        e->p[i] = jobs_get_u64(json_array_get(p, i), ok);
    }
    jobs_get_str(json_object_get(o, "driver"), e->driver, sizeof e->driver, ok);
}

static void jobs_decode_bugcheck(const json_t *o, drvsim_bugcheck *b, bool *ok)
{
    const json_t *params = json_object_get(o, "params");
    b->code = (uint32_t)jobs_get_int(json_object_get(o, "code"), ok);
    for (size_t i = 0; i < 4; i++) {
        b->params[i] = jobs_get_u64(json_array_get(params, i), ok);
    }
    jobs_get_str(json_object_get(o, "driver"), b->driver, sizeof b->driver, ok);
    jobs_get_str(json_object_get(o, "rule"), b->rule, sizeof b->rule, ok);
    jobs_get_str(json_object_get(o, "description"), b->description, sizeof b->description, ok);
    jobs_get_str(json_object_get(o, "site"), b->site, sizeof b->site, ok);
    jobs_get_str(json_object_get(o, "routine"), b->routine, sizeof b->routine, ok);
    jobs_get_str(json_object_get(o, "detail"), b->detail, sizeof b->detail, ok);
    b->time_100ns = jobs_get_u64(json_object_get(o, "time"), ok);
    b->cpu = (uint32_t)jobs_get_int(json_object_get(o, "cpu"), ok);
    b->irql = (uint8_t)jobs_get_int(json_object_get(o, "irql"), ok);
    jobs_get_str(json_object_get(o, "irql_name"), b->irql_name, sizeof b->irql_name, ok);
    jobs_get_str(json_object_get(o, "process"), b->process, sizeof b->process, ok);
}

static void jobs_decode_step(const json_t *o, drvsim_lock_step *s, bool *ok)
{
    s->lock = jobs_get_u64(json_object_get(o, "lock"), ok);
    s->name = (char)jobs_get_int(json_object_get(o, "name"), ok);
    jobs_get_str(json_object_get(o, "type"), s->type, sizeof s->type, ok);
    jobs_get_str(json_object_get(o, "class"), s->lock_class, sizeof s->lock_class, ok);
    jobs_get_str(json_object_get(o, "routine"), s->routine, sizeof s->routine, ok);
    jobs_get_str(json_object_get(o, "context"), s->context, sizeof s->context, ok);
    jobs_get_str(json_object_get(o, "irql"), s->irql, sizeof s->irql, ok);
    jobs_get_str(json_object_get(o, "site"), s->site, sizeof s->site, ok);
}

/* A deadlock report, or NULL (and *ok cleared when out of memory or
 * garbled). */
static drvsim_deadlock *jobs_decode_deadlock(const json_t *o, bool *ok)
{
    drvsim_deadlock *d = calloc(1, sizeof *d);
    if (d == NULL) {
        *ok = false;
        return NULL;
    }
    const json_t *chains = json_object_get(o, "chains");
    size_t count = json_array_size(chains);
    *ok = *ok && json_is_array(chains) && count <= DRVSIM_DEADLOCK_MAX_CHAINS;
    for (size_t i = 0; *ok && i < count; i++) {
        const json_t *j = json_array_get(chains, i);
        drvsim_lock_chain *c = &d->chains[i];
        jobs_get_str(json_object_get(j, "who"), c->who, sizeof c->who, ok);
        c->has_held = jobs_get_bool(json_object_get(j, "has_held"), ok);
        jobs_decode_step(json_object_get(j, "held"), &c->held, ok);
        jobs_decode_step(json_object_get(j, "acquired"), &c->acquired, ok);
        d->chain_count += *ok;
    }
    d->by_class = jobs_get_bool(json_object_get(o, "by_class"), ok);
    d->irql_rule = jobs_get_bool(json_object_get(o, "irql_rule"), ok);
    d->lock_count = (size_t)jobs_get_u64(json_object_get(o, "lock_count"), ok);
    jobs_get_str(json_object_get(o, "verifier"), d->verifier, sizeof d->verifier, ok);
    jobs_get_str(json_object_get(o, "sched"), d->sched, sizeof d->sched, ok);
    return d;
}

static void jobs_decode_fault(const json_t *o, drvsim_fault *f, bool *ok)
{
    jobs_get_str(json_object_get(o, "ddi"), f->key.ddi, sizeof f->key.ddi, ok);
    f->key.tag = (uint32_t)jobs_get_int(json_object_get(o, "tag"), ok);
    f->key.ordinal = jobs_get_u64(json_object_get(o, "ordinal"), ok);
    jobs_get_str(json_object_get(o, "tag_text"), f->tag_text, sizeof f->tag_text, ok);
    jobs_get_str(json_object_get(o, "site"), f->site, sizeof f->site, ok);
    jobs_get_str(json_object_get(o, "driver"), f->driver, sizeof f->driver, ok);
    f->nth = jobs_get_u64(json_object_get(o, "nth"), ok);
    f->time_100ns = jobs_get_u64(json_object_get(o, "time"), ok);
}

/* Frees what jobs_decode allocated (the notes, the faults). */
static void jobs_release(drvsim_result *r)
{
    free(r->faults);
    r->faults = NULL;
    r->fault_count = 0;
    free(r->deadlock);
    r->deadlock = NULL;
    for (size_t i = 0; i < r->note_count; i++) {
        free(r->notes[i]);
    }
    free(r->notes);
    r->notes = NULL;
    r->note_count = 0;
    for (size_t i = 0; i < r->debug_output_count; i++) {
        free(r->debug_output[i]);
    }
    free(r->debug_output);
    r->debug_output = NULL;
    r->debug_output_count = 0;
    free(r->warnings);
    r->warnings = NULL;
    r->warning_count = 0;
}

/* Fills *r from a line of jobs_encode; false (and *r empty) if the line is
 * not one, or when out of memory. */
static bool jobs_decode(const char *line, drvsim_result *r)
{
    bool ok = true;
    memset(r, 0, sizeof *r);
    json_t *o = json_loads(line, 0, NULL);
    if (o == NULL) {
        return false;
    }
    json_int_t outcome = jobs_get_int(json_object_get(o, "outcome"), &ok);
    ok = ok && outcome >= DRVSIM_OUTCOME_CLEAN && outcome <= DRVSIM_OUTCOME_DEADLOCK;
    r->outcome = (drvsim_outcome)outcome;
    r->expected = jobs_get_bool(json_object_get(o, "expected"), &ok);
    r->exit_code = (int)jobs_get_int(json_object_get(o, "exit_code"), &ok);
    jobs_get_str(json_object_get(o, "scenario"), r->scenario, sizeof r->scenario, &ok);
    jobs_get_str(json_object_get(o, "name"), r->name, sizeof r->name, &ok);
    r->seed = jobs_get_u64(json_object_get(o, "seed"), &ok);
    r->sim_time_100ns = jobs_get_u64(json_object_get(o, "sim_time"), &ok);
    r->digest = jobs_get_u64(json_object_get(o, "digest"), &ok);
    r->events = jobs_get_u64(json_object_get(o, "events"), &ok);
    r->instructions = jobs_get_u64(json_object_get(o, "instructions"), &ok);
    jobs_decode_expect(json_object_get(o, "expect"), &r->expect, &ok);
    if (ok && r->outcome == DRVSIM_OUTCOME_BUGCHECK) {
        jobs_decode_bugcheck(json_object_get(o, "bugcheck"), &r->bugcheck, &ok);
    }
    const json_t *deadlock = json_object_get(o, "deadlock");
    if (ok && deadlock != NULL) {
        r->deadlock = jobs_decode_deadlock(deadlock, &ok);
    }
    jobs_get_str(json_object_get(o, "message"), r->message, sizeof r->message, &ok);

    const json_t *notes = json_object_get(o, "notes");
    size_t count = json_array_size(notes);
    ok = ok && json_is_array(notes);
    if (ok && count > 0) {
        r->notes = calloc(count, sizeof *r->notes);
        ok = r->notes != NULL;
        for (size_t i = 0; ok && i < count; i++) {
            const char *s = json_string_value(json_array_get(notes, i));
            r->notes[i] = strdup(s != NULL ? s : "");
            ok = r->notes[i] != NULL;
            r->note_count += ok;
        }
    }
    r->fault_total = jobs_get_u64(json_object_get(o, "fault_total"), &ok);
    const json_t *faults = json_object_get(o, "faults");
    count = json_array_size(faults);
    ok = ok && json_is_array(faults);
    if (ok && count > 0) {
        r->faults = calloc(count, sizeof *r->faults);
        ok = r->faults != NULL;
        for (size_t i = 0; ok && i < count; i++) {
            jobs_decode_fault(json_array_get(faults, i), &r->faults[i], &ok);
            r->fault_count += ok;
        }
    }
    const json_t *debug = json_object_get(o, "debug_output");
    count = json_array_size(debug);
    ok = ok && json_is_array(debug);
    if (ok && count > 0) {
        r->debug_output = calloc(count, sizeof *r->debug_output);
        ok = r->debug_output != NULL;
        for (size_t i = 0; ok && i < count; i++) {
            const char *s = json_string_value(json_array_get(debug, i));
            r->debug_output[i] = strdup(s != NULL ? s : "");
            ok = r->debug_output[i] != NULL;
            r->debug_output_count += ok;
        }
    }
    const json_t *warnings = json_object_get(o, "warnings");
    count = json_array_size(warnings);
    ok = ok && json_is_array(warnings);
    if (ok && count > 0) {
        r->warnings = calloc(count, sizeof *r->warnings);
        ok = r->warnings != NULL;
        for (size_t i = 0; ok && i < count; i++) {
            const json_t *j = json_array_get(warnings, i);
            drvsim_warning *w = &r->warnings[i];
            const char *rule = json_string_value(json_array_get(j, 0));
            const char *driver = json_string_value(json_array_get(j, 6));
            ok = json_array_size(j) == 8 && rule != NULL && driver != NULL;
            if (ok) {
                snprintf(w->rule, sizeof w->rule, "%s", rule);
                snprintf(w->driver, sizeof w->driver, "%s", driver);
                w->code = (uint32_t)jobs_get_u64(json_array_get(j, 1), &ok);
                for (int p = 0; p < 4; p++) {
                    w->params[p] = jobs_get_u64(json_array_get(j, 2 + p), &ok);
                }
                w->time_100ns = jobs_get_u64(json_array_get(j, 7), &ok);
            }
            r->warning_count += ok;
        }
    }
    r->warning_total = jobs_get_u64(json_object_get(o, "warning_total"), &ok);
    r->host_time_ns = jobs_get_u64(json_object_get(o, "host_ns"), &ok);
    json_decref(o);
    if (!ok) {
        jobs_release(r);
        memset(r, 0, sizeof *r);
    }
    return ok;
}

/* The result of a job whose worker failed it: outcome "error", the job's
 * scenario and (when the job chose it) seed, and why. */
static void jobs_failed_result(const drvsim_options *options, const char *why, drvsim_result *r)
{
    memset(r, 0, sizeof *r);
    r->outcome = DRVSIM_OUTCOME_ERROR;
    r->expected = false;
    r->exit_code = DRVSIM_EXIT_SCENARIO;
    r->expect.clean = true;
    snprintf(r->scenario, sizeof r->scenario, "%s", options->scenario_path);
    r->seed = options->seed_given ? options->seed : 0;
    snprintf(r->message, sizeof r->message, "%s", why);
}

/* ------------------------------------------------------------------------ */
/* In this process                                                          */
/* ------------------------------------------------------------------------ */

/* Runs one job and passes the result through the codec (see jobs.h), under
 * the host time limit (0: none). Returns the encoded line; NULL when out of
 * memory. */
static char *jobs_run_one(size_t index, jobs_options_fn options_of, void *ctx,
                          uint64_t host_timeout_ms)
{
    drvsim_options options;
    drvsim_result result;
    memset(&options, 0, sizeof options);
    options_of(ctx, index, &options);
    if (host_timeout_ms != 0) {
        /* The parent kills this worker if the run does not stop. */
        watchdog_arm(host_timeout_ms, options.scenario_path,
                     options.seed_given ? &options.seed : NULL, false);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    drvsim_run(&options, &result);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    result.host_time_ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u +
                          (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
    if (host_timeout_ms != 0) {
        watchdog_disarm();
    }
    char *line = jobs_encode(&result);
    drvsim_result_free(&result);
    return line;
}

/* ------------------------------------------------------------------------ */
/* Workers                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct jobs_worker {
    pid_t pid; /* 0: no process in this slot */
    int fd;    /* the parent's end of the socket pair */
    bool busy; /* running `job` */
    size_t job;
    uint64_t deadline_ms; /* busy: when the parent kills it (monotonic clock) */
    char *buf;            /* bytes of the result line received so far */
    size_t len;
    size_t cap;
} jobs_worker;

typedef struct jobs_pool {
    jobs_worker workers[JOBS_MAX_WORKERS];
    unsigned worker_count;
    size_t count;       /* jobs in all */
    size_t next_job;    /* the next job to hand out */
    size_t next_result; /* the next result to deliver */
    size_t ring_size;
    drvsim_result *ring; /* job i waits in ring[i % ring_size] */
    bool *ready;
    int *signo;   /* the signal that killed job i's worker, else 0 */
    bool stopped; /* on_result asked to stop */
    jobs_options_fn options_of;
    jobs_result_fn on_result;
    void *ctx;
    uint64_t host_timeout_ms; /* per job; 0: none */
} jobs_pool;

/* The host's monotonic clock, in milliseconds: only for the host time
 * limit, never for anything a run computes. */
static uint64_t jobs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool jobs_send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool jobs_recv_all(int fd, void *data, size_t len)
{
    char *p = data;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* A worker's life: job index in, result line out, until the parent closes
 * its end. _exit, not exit: the parent's stdio buffers and atexit handlers
 * are not the worker's to flush or run. */
static _Noreturn void jobs_worker_main(int fd, jobs_options_fn options_of, void *ctx,
                                       uint64_t host_timeout_ms)
{
    uint64_t index;
    while (jobs_recv_all(fd, &index, sizeof index)) {
        char *line = jobs_run_one((size_t)index, options_of, ctx, host_timeout_ms);
        bool sent =
            line != NULL && jobs_send_all(fd, line, strlen(line)) && jobs_send_all(fd, "\n", 1);
        free(line);
        if (!sent) {
            _exit(1);
        }
    }
    _exit(0);
}

static bool jobs_spawn(jobs_pool *p, unsigned slot)
{
    jobs_worker *w = &p->workers[slot];
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        return false;
    }
    /* Nothing buffered may be written twice, by the parent and the child. */
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return false;
    }
    if (pid == 0) {
        close(sv[0]);
        /* Other workers' sockets: holding them would keep those workers
         * from seeing end of file when the parent closes its end. */
        for (unsigned i = 0; i < p->worker_count; i++) {
            if (p->workers[i].pid != 0) {
                close(p->workers[i].fd);
            }
        }
        jobs_worker_main(sv[1], p->options_of, p->ctx, p->host_timeout_ms);
    }
    close(sv[1]);
    w->pid = pid;
    w->fd = sv[0];
    w->busy = false;
    w->len = 0;
    return true;
}

static void jobs_store(jobs_pool *p, size_t job, const char *line, const char *why, int signo)
{
    drvsim_result *r = &p->ring[job % p->ring_size];
    /* Dispatch stays within one ring of next_result, so the slot is free. */
    assert(job < p->count && job >= p->next_result && job < p->next_result + p->ring_size);
    assert(!p->ready[job % p->ring_size]);
    if (line == NULL || !jobs_decode(line, r)) {
        drvsim_options options;
        memset(&options, 0, sizeof options);
        p->options_of(p->ctx, job, &options);
        jobs_failed_result(&options, line != NULL ? "worker sent a malformed result" : why, r);
    }
    p->signo[job % p->ring_size] = line == NULL ? signo : 0;
    p->ready[job % p->ring_size] = true;
}

/* Closes a worker's socket and waits for it; if it died during a job, that
 * job gets an error result saying how (or `why`, when given). */
static void jobs_reap(jobs_pool *p, unsigned slot, const char *why)
{
    jobs_worker *w = &p->workers[slot];
    int status = 0;
    char text[128];
    int sig = 0;

    close(w->fd);
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (w->busy) {
        if (why == NULL && WIFSIGNALED(status)) {
            sig = WTERMSIG(status);
            snprintf(text, sizeof text, "simulator crashed: signal %d (%s)", sig, strsignal(sig));
            why = text;
        } else if (why == NULL) {
            snprintf(text, sizeof text, "simulator crashed: worker exited with status %d",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
            why = text;
        }
        jobs_store(p, w->job, NULL, why, sig);
    }
    w->pid = 0;
    w->fd = -1;
    w->busy = false;
    w->len = 0;
}

/* Reads what a worker has sent; stores each complete result line. */
static void jobs_receive(jobs_pool *p, unsigned slot)
{
    jobs_worker *w = &p->workers[slot];
    if (w->cap - w->len < 4096) {
        size_t cap = w->cap == 0 ? 16384 : 2 * w->cap;
        char *grown = cap <= JOBS_MAX_LINE_BYTES ? realloc(w->buf, cap) : NULL;
        if (grown == NULL) {
            kill(w->pid, SIGKILL);
            jobs_reap(p, slot, "worker sent a result too large to hold");
            return;
        }
        w->buf = grown;
        w->cap = cap;
    }
    ssize_t n = read(w->fd, w->buf + w->len, w->cap - w->len - 1);
    if (n < 0 && errno == EINTR) {
        return;
    }
    if (n <= 0) {
        jobs_reap(p, slot, NULL);
        return;
    }
    w->len += (size_t)n;
    w->buf[w->len] = '\0';

    char *nl;
    while ((nl = memchr(w->buf, '\n', w->len)) != NULL) {
        *nl = '\0';
        if (w->busy) { /* a line from an idle worker would be a protocol error: drop it */
            jobs_store(p, w->job, w->buf, NULL, 0);
            w->busy = false;
        }
        size_t used = (size_t)(nl + 1 - w->buf);
        memmove(w->buf, nl + 1, w->len - used);
        w->len -= used;
        w->buf[w->len] = '\0';
    }
}

/* Hands jobs to idle workers, no further than one ring ahead. */
static void jobs_dispatch(jobs_pool *p)
{
    for (unsigned i = 0; i < p->worker_count; i++) {
        jobs_worker *w = &p->workers[i];
        if (w->pid == 0 || w->busy || p->next_job >= p->count ||
            p->next_job >= p->next_result + p->ring_size) {
            continue;
        }
        uint64_t index = p->next_job;
        w->busy = true;
        w->job = p->next_job++;
        /* The worker's own watchdog asks the run to stop at the limit; after
         * the grace and a second more, the parent ends it. */
        w->deadline_ms = p->host_timeout_ms == 0 ? UINT64_MAX
                                                 : jobs_now_ms() + p->host_timeout_ms +
                                                       WATCHDOG_GRACE_S * 1000u + 1000u;
        /* A worker that cannot take its job has died: the job fails with it,
         * which also guarantees progress if workers keep dying. */
        if (!jobs_send_all(w->fd, &index, sizeof index)) {
            jobs_reap(p, i, NULL);
        }
    }
}

static void jobs_deliver(jobs_pool *p)
{
    while (!p->stopped && p->next_result < p->count && p->ready[p->next_result % p->ring_size]) {
        size_t k = p->next_result % p->ring_size;
        p->stopped = !p->on_result(p->ctx, p->next_result, &p->ring[k], p->signo[k]);
        jobs_release(&p->ring[k]);
        p->ready[k] = false;
        p->next_result++;
    }
}

/* How long poll may wait: until the first busy worker's deadline. */
static int jobs_poll_timeout(const jobs_pool *p)
{
    uint64_t first = UINT64_MAX;
    for (unsigned i = 0; i < p->worker_count; i++) {
        const jobs_worker *w = &p->workers[i];
        if (w->pid != 0 && w->busy && w->deadline_ms < first) {
            first = w->deadline_ms;
        }
    }
    if (first == UINT64_MAX) {
        return -1;
    }
    uint64_t now = jobs_now_ms();
    return first <= now ? 0 : first - now > INT32_MAX ? INT32_MAX : (int)(first - now);
}

/* Kills the workers whose job outlived the host time limit: stuck where
 * their own watchdog could not stop the run. The job fails, one line. */
static void jobs_expire(jobs_pool *p)
{
    uint64_t now = jobs_now_ms();
    for (unsigned i = 0; i < p->worker_count; i++) {
        jobs_worker *w = &p->workers[i];
        if (w->pid != 0 && w->busy && w->deadline_ms <= now) {
            char why[200];
            snprintf(why, sizeof why,
                     "host time limit reached (--host-timeout %" PRIu64
                     "ms) and the run did not stop: killed",
                     p->host_timeout_ms);
            kill(w->pid, SIGKILL);
            jobs_reap(p, i, why);
        }
    }
}

/* One round: replace dead workers, hand out jobs, wait for answers. */
static bool jobs_round(jobs_pool *p)
{
    struct pollfd fds[JOBS_MAX_WORKERS];
    unsigned slots[JOBS_MAX_WORKERS];
    nfds_t nfds = 0;

    int spawn_error = 0;

    for (unsigned i = 0; i < p->worker_count; i++) {
        /* A failure is fatal below only if no worker is left at all. */
        if (p->workers[i].pid == 0 && p->next_job < p->count && !jobs_spawn(p, i)) {
            spawn_error = errno;
        }
    }
    jobs_dispatch(p);
    for (unsigned i = 0; i < p->worker_count; i++) {
        if (p->workers[i].pid != 0) {
            fds[nfds] = (struct pollfd){.fd = p->workers[i].fd, .events = POLLIN};
            slots[nfds++] = i;
        }
    }
    if (nfds == 0) {
        /* Dispatch may have failed jobs of workers that had just died: deliver
         * those, and start new workers next round, unless we could not. */
        jobs_deliver(p);
        if (spawn_error == 0 || p->next_result == p->count) {
            return true;
        }
        fprintf(stderr, "drvsim: cannot start worker processes: %s\n", strerror(spawn_error));
        return false;
    }
    if (poll(fds, nfds, jobs_poll_timeout(p)) < 0) {
        if (errno == EINTR) {
            return true;
        }
        fprintf(stderr, "drvsim: poll: %s\n", strerror(errno));
        return false;
    }
    for (nfds_t k = 0; k < nfds; k++) {
        if (fds[k].revents != 0) {
            jobs_receive(p, slots[k]);
        }
    }
    jobs_expire(p);
    jobs_deliver(p);
    return true;
}

static int jobs_run_workers(size_t count, unsigned workers, jobs_options_fn options_of,
                            jobs_result_fn on_result, void *ctx, uint64_t host_timeout_ms)
{
    jobs_pool *p = calloc(1, sizeof *p);
    if (p == NULL) {
        fprintf(stderr, "drvsim: out of memory\n");
        return -1;
    }
    p->worker_count = workers;
    p->count = count;
    p->ring_size = (size_t)workers * JOBS_RING_PER_WORKER;
    p->ring = calloc(p->ring_size, sizeof *p->ring);
    p->ready = calloc(p->ring_size, sizeof *p->ready);
    p->signo = calloc(p->ring_size, sizeof *p->signo);
    p->options_of = options_of;
    p->on_result = on_result;
    p->ctx = ctx;
    p->host_timeout_ms = host_timeout_ms;

    bool ok = p->ring != NULL && p->ready != NULL && p->signo != NULL;
    if (!ok) {
        fprintf(stderr, "drvsim: out of memory\n");
    }
    while (ok && !p->stopped && p->next_result < p->count) {
        ok = jobs_round(p);
    }

    /* Closing a worker's socket is its signal to exit. */
    for (unsigned i = 0; i < p->worker_count; i++) {
        if (p->workers[i].pid != 0) {
            /* Only after a failure or a stop: no result is owed then. */
            p->workers[i].busy = false;
            jobs_reap(p, i, NULL);
        }
        free(p->workers[i].buf);
    }
    for (size_t k = 0; p->ready != NULL && k < p->ring_size; k++) {
        if (p->ready[k]) {
            jobs_release(&p->ring[k]);
        }
    }
    bool stopped = p->stopped;
    free(p->ring);
    free(p->ready);
    free(p->signo);
    free(p);
    return !ok ? -1 : stopped ? JOBS_STOPPED : 0;
}

int jobs_run(size_t count, unsigned workers, jobs_options_fn options_of, jobs_result_fn on_result,
             void *ctx, uint64_t host_timeout_ms)
{
    if (workers > JOBS_MAX_WORKERS) {
        workers = JOBS_MAX_WORKERS;
    }
    if (count < workers) {
        workers = (unsigned)count;
    }
    if (count == 0) {
        return 0;
    }
    /* One worker too, never this process: a run that aborts (an invariant
     * of the simulator, a crash) or hangs costs one job, not the command. */
    return jobs_run_workers(count, workers < 1 ? 1 : workers, options_of, on_result, ctx,
                            host_timeout_ms);
}
