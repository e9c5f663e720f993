/*
 * jobs.c - many drvsim_run jobs in forked workers, each under the host time
 * limit. See jobs.h.
 *
 * Workers: each one holds one end of a socket pair. The parent writes job
 * indexes (8 bytes each) to a worker, up to JOBS_QUEUE_DEPTH ahead; the
 * worker runs them in order and answers each with one message (the result
 * codec below), sent JOBS_BATCH at a time, or sooner when no job is waiting
 * or the oldest has waited JOBS_BATCH_MS. So neither process wakes the
 * other for every job: two wake-ups a job cost a fault sweep's seed about a
 * fifth of its processor time, most of it in the kernel (issue 18). The
 * parent waits on all workers at once with poll(), so no worker can block
 * it; end of file on a worker's socket means the worker is gone, and
 * waitpid() says why.
 *
 * Which job a dead worker was running is in a page the two share
 * (jobs_shared): that job fails with it, as it would alone; the jobs it had
 * finished but not sent yet, and those it had not started, go to other
 * workers (or its replacement) and run again, with the same results, since
 * a run is a function of its options. The same page says when the running
 * job started, for the parent's last-resort host time limit. Results go into a
 * reorder ring and leave it in job order; the parent never hands out a job
 * more than one ring's length ahead of the first result it still waits for,
 * which bounds the memory held by early results.
 *
 * Socket pairs rather than pipes: send(MSG_NOSIGNAL) reports a dead peer as
 * EPIPE instead of raising SIGPIPE, so neither side has to change the
 * process's signal dispositions (which would also change how `drvsim sweep
 * | head` ends).
 */
/* MAP_ANONYMOUS (the page a worker shares with the parent): glibc shows it
 * to _DEFAULT_SOURCE, not to the build's _POSIX_C_SOURCE alone. */
#define _DEFAULT_SOURCE
#include "jobs.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "output.h"
#include "watchdog.h"

/* Jobs handed to one worker ahead of its results. */
#define JOBS_QUEUE_DEPTH 16u
/* Results a worker sends together, and how long the first may wait. */
#define JOBS_BATCH    8u
#define JOBS_BATCH_MS 100u
/* Results that may wait for an earlier one, per worker. */
#define JOBS_RING_PER_WORKER (2u * JOBS_QUEUE_DEPTH)
/* A result is a few kilobytes; anything near this is a broken worker. */
#define JOBS_MAX_LINE_BYTES (16u * 1024u * 1024u)
/* The parent reads a worker's socket with at least this much room. */
#define JOBS_READ_ROOM (64u * 1024u)

/* ------------------------------------------------------------------------ */
/* The result codec                                                         */
/* ------------------------------------------------------------------------ */

/*
 * A result crosses from a worker to the parent as bytes, not text: the
 * worker is a fork of this program, so drvsim_result's layout is the
 * parent's, and a copy costs a few thousand instructions where a JSON line
 * cost about 300,000 to write and read back (issue 18: a tenth of a fault
 * sweep's seed, and the parent's whole share of `sweep -j 2`).
 *
 * What crosses (jobs.h) is copied field by field into a zeroed result, so a
 * field added to drvsim_result stays behind until it is named here. Text is
 * cleaned as JSON output cleans it (out_json_text: an invalid UTF-8 byte
 * becomes '?'), so what the parent prints does not depend on the codec.
 *
 * A message: jobs_head, the result (its pointers NULL, its counts those of
 * what follows), the deadlock report if has_deadlock, fault_count faults,
 * then the notes' and the debug output's strings, each a uint64_t length
 * and its bytes, the warnings, and the line if has_line (a length and its
 * bytes). A message cut short or of another length is refused whole.
 */
#define JOBS_MAGIC 0x3174757365526a44ull /* "DjResut1" */

typedef struct jobs_head {
    uint64_t magic;
    uint64_t bytes; /* the whole message, this head included */
    bool has_deadlock;
    bool has_line; /* jobs_line_fn's text follows, last */
} jobs_head;

/* dst = src as a JSON string of it would come back, cut to dst's size. */
static void jobs_text(char *dst, size_t size, const char *src)
{
    const unsigned char *s = (const unsigned char *)src;
    bool plain = true;
    for (; *s != '\0'; s++) {
        if (*s >= 0x80 || *s == 0x01) { /* output.c's OUT_U64_MARK_BYTE */
            plain = false;
            break;
        }
    }
    if (!plain) {
        json_t *j = out_json_text(src);
        snprintf(dst, size, "%s", j != NULL ? json_string_value(j) : "");
        json_decref(j);
        return;
    }
    if (dst != src) {
        /* snprintf's "%s", without its format machinery (a dozen fields a
         * seed). */
        size_t n = (size_t)(s - (const unsigned char *)src);
        if (n >= size)
            n = size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
}

/* A string the message carries, cleaned: malloc'd, NULL on OOM. */
static char *jobs_text_dup(const char *src)
{
    char *s = strdup(src);
    if (s != NULL) {
        jobs_text(s, strlen(s) + 1, s);
    }
    return s;
}

#define JOBS_TEXT(dst, src) jobs_text((dst), sizeof(dst), (src))

static void jobs_copy_step(drvsim_lock_step *d, const drvsim_lock_step *s)
{
    d->lock = s->lock;
    d->name = s->name;
    JOBS_TEXT(d->type, s->type);
    JOBS_TEXT(d->lock_class, s->lock_class);
    JOBS_TEXT(d->routine, s->routine);
    JOBS_TEXT(d->context, s->context);
    JOBS_TEXT(d->irql, s->irql);
    JOBS_TEXT(d->site, s->site);
}

static void jobs_copy_deadlock(drvsim_deadlock *d, const drvsim_deadlock *s)
{
    memset(d, 0, sizeof *d);
    d->chain_count = s->chain_count < DRVSIM_DEADLOCK_MAX_CHAINS ? s->chain_count
                                                                 : DRVSIM_DEADLOCK_MAX_CHAINS;
    for (size_t i = 0; i < d->chain_count; i++) {
        JOBS_TEXT(d->chains[i].who, s->chains[i].who);
        d->chains[i].has_held = s->chains[i].has_held;
        jobs_copy_step(&d->chains[i].held, &s->chains[i].held);
        jobs_copy_step(&d->chains[i].acquired, &s->chains[i].acquired);
    }
    d->by_class = s->by_class;
    d->irql_rule = s->irql_rule;
    d->lock_count = s->lock_count;
    JOBS_TEXT(d->verifier, s->verifier);
    JOBS_TEXT(d->sched, s->sched);
}

static void jobs_copy_fault(drvsim_fault *d, const drvsim_fault *s)
{
    memset(d, 0, sizeof *d);
    JOBS_TEXT(d->key.ddi, s->key.ddi);
    d->key.tag = s->key.tag;
    d->key.ordinal = s->key.ordinal;
    JOBS_TEXT(d->tag_text, s->tag_text);
    JOBS_TEXT(d->site, s->site);
    JOBS_TEXT(d->driver, s->driver);
    d->nth = s->nth;
    d->time_100ns = s->time_100ns;
}

/* The fixed part of what crosses: r's fields the codec carries, in a zeroed
 * result whose pointers are NULL and whose counts are 0. */
static void jobs_copy_fixed(drvsim_result *d, const drvsim_result *r)
{
    memset(d, 0, sizeof *d);
    d->outcome = r->outcome;
    d->expected = r->expected;
    d->exit_code = r->exit_code;
    JOBS_TEXT(d->scenario, r->scenario);
    JOBS_TEXT(d->name, r->name);
    d->seed = r->seed;
    d->sim_time_100ns = r->sim_time_100ns;
    d->digest = r->digest;
    d->events = r->events;
    d->instructions = r->instructions;
    const drvsim_expect *e = &r->expect;
    d->expect.clean = e->clean;
    d->expect.timeout = e->timeout;
    d->expect.deadlock = e->deadlock;
    d->expect.code = e->code;
    for (int i = 0; i < 4; i++) {
        d->expect.has_p[i] = e->has_p[i];
        d->expect.p[i] = e->p[i];
    }
    JOBS_TEXT(d->expect.driver, e->driver);
    if (r->outcome == DRVSIM_OUTCOME_BUGCHECK) {
        const drvsim_bugcheck *b = &r->bugcheck;
        d->bugcheck.code = b->code;
        for (int i = 0; i < 4; i++) {
            d->bugcheck.params[i] = b->params[i];
        }
        JOBS_TEXT(d->bugcheck.driver, b->driver);
        JOBS_TEXT(d->bugcheck.rule, b->rule);
        JOBS_TEXT(d->bugcheck.description, b->description);
        JOBS_TEXT(d->bugcheck.site, b->site);
        JOBS_TEXT(d->bugcheck.routine, b->routine);
        JOBS_TEXT(d->bugcheck.detail, b->detail);
        d->bugcheck.time_100ns = b->time_100ns;
        d->bugcheck.cpu = b->cpu;
        d->bugcheck.irql = b->irql;
        JOBS_TEXT(d->bugcheck.irql_name, b->irql_name);
        JOBS_TEXT(d->bugcheck.process, b->process);
    }
    JOBS_TEXT(d->message, r->message);
    d->fault_total = r->fault_total;
    d->delay_total = r->delay_total;
    d->delay_total_100ns = r->delay_total_100ns;
    d->warning_total = r->warning_total;
    d->host_time_ns = r->host_time_ns;
}

/* The last failures injected: what the report lists (kd/report.c). */
#define JOBS_LAST_FAULTS 4u

typedef struct jobs_buf {
    char *data;
    size_t len, cap;
    bool ok;
} jobs_buf;

static void jobs_put(jobs_buf *b, const void *p, size_t n)
{
    if (!b->ok) {
        return;
    }
    if (b->cap - b->len < n) {
        size_t cap = b->cap == 0 ? 8192 : b->cap;
        while (cap - b->len < n) {
            cap *= 2;
        }
        char *grown = realloc(b->data, cap);
        if (grown == NULL) {
            b->ok = false;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void jobs_put_text(jobs_buf *b, const char *s)
{
    char *clean = jobs_text_dup(s);
    if (clean == NULL) {
        b->ok = false;
        return;
    }
    uint64_t n = strlen(clean);
    jobs_put(b, &n, sizeof n);
    jobs_put(b, clean, n);
    free(clean);
}

/* One message, with `line` (NULL: none); *len its bytes. malloc'd, NULL on
 * OOM. */
static char *jobs_encode(const drvsim_result *r, const char *line, size_t *len)
{
    jobs_buf b = {.ok = true};
    jobs_head head;
    memset(&head, 0, sizeof head); /* padding too: the bytes are sent */
    head.magic = JOBS_MAGIC;
    head.has_deadlock = r->deadlock != NULL;
    head.has_line = line != NULL;
    drvsim_result fixed;
    jobs_copy_fixed(&fixed, r);
    size_t shown = r->fault_count < JOBS_LAST_FAULTS ? r->fault_count : JOBS_LAST_FAULTS;
    fixed.fault_count = shown;
    fixed.note_count = r->note_count;
    fixed.debug_output_count = r->debug_output_count;
    fixed.warning_count = r->warning_count;
    jobs_put(&b, &head, sizeof head);
    jobs_put(&b, &fixed, sizeof fixed);
    if (r->deadlock != NULL) {
        drvsim_deadlock d;
        jobs_copy_deadlock(&d, r->deadlock);
        jobs_put(&b, &d, sizeof d);
    }
    for (size_t i = r->fault_count - shown; i < r->fault_count; i++) {
        drvsim_fault f;
        jobs_copy_fault(&f, &r->faults[i]);
        jobs_put(&b, &f, sizeof f);
    }
    for (size_t i = 0; i < r->note_count; i++) {
        jobs_put_text(&b, r->notes[i]);
    }
    for (size_t i = 0; i < r->debug_output_count; i++) {
        jobs_put_text(&b, r->debug_output[i]);
    }
    for (size_t i = 0; i < r->warning_count; i++) {
        /* Fixed-size and NUL-terminated: sent as they are, padding zeroed. */
        drvsim_warning w;
        memset(&w, 0, sizeof w);
        JOBS_TEXT(w.rule, r->warnings[i].rule);
        JOBS_TEXT(w.driver, r->warnings[i].driver);
        w.code = r->warnings[i].code;
        for (int p = 0; p < 4; p++) {
            w.params[p] = r->warnings[i].params[p];
        }
        w.time_100ns = r->warnings[i].time_100ns;
        jobs_put(&b, &w, sizeof w);
    }
    if (line != NULL) {
        uint64_t n = strlen(line);
        jobs_put(&b, &n, sizeof n);
        jobs_put(&b, line, n);
    }
    if (!b.ok) {
        free(b.data);
        return NULL;
    }
    ((jobs_head *)(void *)b.data)->bytes = b.len;
    *len = b.len;
    return b.data;
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

/* Reading a message: `at` moves on; false once anything is missing. */
typedef struct jobs_reader {
    const char *data;
    size_t len, at;
} jobs_reader;

static bool jobs_take(jobs_reader *rd, void *out, size_t n)
{
    if (rd->len - rd->at < n) {
        return false;
    }
    memcpy(out, rd->data + rd->at, n);
    rd->at += n;
    return true;
}

/* count strings into a new array; false on a short message or OOM (what
 * was read is in *array, *done of them). */
static bool jobs_take_texts(jobs_reader *rd, size_t count, char ***array, size_t *done)
{
    *done = 0;
    if (count == 0) {
        return true;
    }
    if (count > rd->len / sizeof(uint64_t) || (*array = calloc(count, sizeof **array)) == NULL) {
        return false;
    }
    for (size_t i = 0; i < count; i++) {
        uint64_t n;
        if (!jobs_take(rd, &n, sizeof n) || n > rd->len - rd->at ||
            ((*array)[i] = malloc((size_t)n + 1)) == NULL) {
            return false;
        }
        memcpy((*array)[i], rd->data + rd->at, (size_t)n);
        (*array)[i][n] = '\0';
        rd->at += (size_t)n;
        (*done)++;
    }
    return true;
}

/* Fills *r (and *line, malloc'd, when the message has one) from a message of
 * jobs_encode (len bytes); false (and *r empty, *line NULL) if it is not
 * one, or when out of memory. */
static bool jobs_decode(const char *data, size_t len, drvsim_result *r, char **line)
{
    jobs_reader rd = {data, len, 0};
    *line = NULL;
    jobs_head head;
    /* The fixed part straight into *r (4.7 KB: one copy, not three); its
     * pointers are the worker's (jobs_copy_fixed left them NULL), set below. */
    bool ok = jobs_take(&rd, &head, sizeof head) && head.magic == JOBS_MAGIC &&
              head.bytes == len && jobs_take(&rd, r, sizeof *r) &&
              (int)r->outcome >= (int)DRVSIM_OUTCOME_CLEAN &&
              (int)r->outcome <= (int)DRVSIM_OUTCOME_DEADLOCK &&
              r->fault_count <= JOBS_LAST_FAULTS &&
              r->warning_count <= DRVSIM_MAX_RECORDED_WARNINGS;
    size_t notes = r->note_count, debug = r->debug_output_count, faults = r->fault_count;
    size_t warnings = r->warning_count;
    r->faults = NULL;
    r->notes = r->debug_output = NULL;
    r->warnings = NULL;
    r->deadlock = NULL;
    r->note_count = r->debug_output_count = r->fault_count = r->warning_count = 0;
    if (!ok) {
        memset(r, 0, sizeof *r);
        return false;
    }
    if (head.has_deadlock) {
        r->deadlock = malloc(sizeof *r->deadlock);
        ok = r->deadlock != NULL && jobs_take(&rd, r->deadlock, sizeof *r->deadlock);
    }
    if (ok && faults > 0) {
        r->faults = calloc(faults, sizeof *r->faults);
        ok = r->faults != NULL && jobs_take(&rd, r->faults, faults * sizeof *r->faults);
        r->fault_count = ok ? faults : 0;
    }
    ok = ok && jobs_take_texts(&rd, notes, &r->notes, &r->note_count);
    ok = ok && jobs_take_texts(&rd, debug, &r->debug_output, &r->debug_output_count);
    if (ok && warnings > 0) {
        r->warnings = calloc(warnings, sizeof *r->warnings);
        ok = r->warnings != NULL && jobs_take(&rd, r->warnings, warnings * sizeof *r->warnings);
        for (size_t i = 0; ok && i < warnings; i++) {
            /* A message from a fork of this program, but never trusted to
             * end its strings. */
            r->warnings[i].rule[sizeof r->warnings[i].rule - 1] = '\0';
            r->warnings[i].driver[sizeof r->warnings[i].driver - 1] = '\0';
        }
        r->warning_count = ok ? warnings : 0;
    }
    if (ok && head.has_line) {
        char **lines = NULL;
        size_t got = 0;
        ok = jobs_take_texts(&rd, 1, &lines, &got);
        *line = got == 1 ? lines[0] : NULL;
        free(lines);
    }
    if (!ok || rd.at != len) {
        jobs_release(r);
        memset(r, 0, sizeof *r);
        free(*line);
        *line = NULL;
        return false;
    }
    return true;
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

/* Runs one job and passes the result through the codec (see jobs.h); the
 * host time limit is the worker's (watchdog_watch_jobs). Returns the encoded
 * message (*len bytes); NULL when out of memory. */
static char *jobs_run_one(size_t index, jobs_options_fn options_of, jobs_line_fn line_of,
                          void *ctx, size_t *len)
{
    drvsim_options options;
    drvsim_result result;
    memset(&options, 0, sizeof options);
    options_of(ctx, index, &options);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    drvsim_run(&options, &result);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    result.host_time_ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u +
                          (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
    char *line = line_of != NULL ? line_of(ctx, &result) : NULL;
    char *message = line_of != NULL && line == NULL ? NULL : jobs_encode(&result, line, len);
    free(line);
    drvsim_result_free(&result);
    return message;
}

/* ------------------------------------------------------------------------ */
/* Workers                                                                  */
/* ------------------------------------------------------------------------ */

/* What a worker says of itself without a message: a page shared with the
 * parent, written by the worker only (but `stop`). */
typedef struct jobs_shared {
    _Atomic uint64_t running;    /* the job it runs, plus 1; 0: none */
    _Atomic uint64_t started_ms; /* when it started it (jobs_now_ms) */
    _Atomic uint64_t unsent;     /* results it holds, not sent yet */
    _Atomic bool stop;           /* set by the parent: run nothing more */
} jobs_shared;

typedef struct jobs_worker {
    pid_t pid; /* 0: no process in this slot */
    int fd;    /* the parent's end of the socket pair */
    jobs_shared *shared;
    size_t jobs[JOBS_QUEUE_DEPTH]; /* handed to it, without a result yet, in order */
    unsigned queued;               /* 0: idle */
    char *buf;            /* bytes of the result message received so far */
    size_t len;
    size_t cap;
} jobs_worker;

typedef struct jobs_pool {
    jobs_worker workers[JOBS_MAX_WORKERS];
    unsigned worker_count;
    size_t count;       /* jobs in all */
    size_t next_job;    /* the next job to hand out */
    size_t *again;      /* jobs of a dead worker to hand out again, in order */
    size_t again_count; /* (at most ring_size: all are within one ring) */
    size_t next_result; /* the next result to deliver */
    size_t ring_size;
    drvsim_result *ring; /* job i waits in ring[i % ring_size] */
    bool *ready;
    char **lines; /* job i's line (jobs_line_fn), malloc'd, or NULL */
    int *signo;   /* the signal that killed job i's worker, else 0 */
    bool stopped; /* on_result asked to stop */
    jobs_options_fn options_of;
    jobs_line_fn line_of;
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

/* The job indexes a worker has read and not run yet: all that wait in its
 * socket are read at once (the parent sends several together), so a job
 * costs no read of its own, nor a poll. */
typedef struct jobs_inbox {
    unsigned char bytes[JOBS_QUEUE_DEPTH * sizeof(uint64_t)];
    size_t at, len; /* the unread bytes are bytes[at..len) */
} jobs_inbox;

/* Moves what is unread to the front and reads more behind it, waiting for
 * it or not (MSG_DONTWAIT): 1 if it read some, 0 at end of file or on an
 * error, -1 when nothing was there to read without waiting. */
static int jobs_inbox_fill(int fd, jobs_inbox *in, bool wait)
{
    memmove(in->bytes, in->bytes + in->at, in->len - in->at);
    in->len -= in->at;
    in->at = 0;
    for (;;) {
        ssize_t n = recv(fd, in->bytes + in->len, sizeof in->bytes - in->len,
                         wait ? 0 : MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && !wait && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return -1;
        }
        if (n <= 0) {
            return 0;
        }
        in->len += (size_t)n;
        return 1;
    }
}

/* Whether a job index waits, read or in the socket, or the parent has gone
 * (end of file or an error: the next jobs_inbox_take says so). */
static bool jobs_inbox_waiting(int fd, jobs_inbox *in)
{
    return in->len - in->at >= sizeof(uint64_t) || jobs_inbox_fill(fd, in, false) >= 0;
}

/* The next job index, waiting for it; false when the parent has closed its
 * end (or the socket failed). */
static bool jobs_inbox_take(int fd, jobs_inbox *in, uint64_t *index)
{
    while (in->len - in->at < sizeof *index) {
        if (jobs_inbox_fill(fd, in, true) <= 0) {
            return false;
        }
    }
    memcpy(index, in->bytes + in->at, sizeof *index);
    in->at += sizeof *index;
    return true;
}

/* A worker's life: job indexes in, result messages out, until the parent
 * closes its end or asks it to stop. _exit, not exit: the parent's stdio
 * buffers and atexit handlers are not the worker's to flush or run. */
static _Noreturn void jobs_worker_main(int fd, jobs_shared *shared, jobs_options_fn options_of,
                                       jobs_line_fn line_of, void *ctx, uint64_t host_timeout_ms)
{
    jobs_buf out = {.ok = true};
    jobs_inbox in = {.at = 0, .len = 0};
    /* Per worker, not per job: each system call counts at thousands of
     * seeds a second (issue 18). The files a worker's jobs load are not
     * edited while the command runs. */
    drvsim_trust_sources();
    if (host_timeout_ms != 0) {
        watchdog_watch_jobs(host_timeout_ms, &shared->running, &shared->started_ms);
    }
    uint64_t first_ms = 0; /* when the oldest result held was made */
    uint64_t index;
    for (;;) {
        /* Before waiting for a job, what is held goes: the parent may be
         * waiting for it to hand out more. */
        if (out.len > 0 && !jobs_inbox_waiting(fd, &in)) {
            if (!jobs_send_all(fd, out.data, out.len)) {
                _exit(1);
            }
            out.len = 0;
            atomic_store(&shared->unsent, 0);
        }
        if (!jobs_inbox_take(fd, &in, &index) || atomic_load(&shared->stop)) {
            break;
        }
        atomic_store(&shared->started_ms, jobs_now_ms());
        atomic_store(&shared->running, index + 1);
        size_t len = 0;
        char *message =
            jobs_run_one((size_t)index, options_of, line_of, ctx, &len);
        if (message == NULL) {
            _exit(1); /* out of memory: the parent blames the running job */
        }
        if (out.len == 0) {
            first_ms = jobs_now_ms();
        }
        jobs_put(&out, message, len);
        free(message);
        if (!out.ok) {
            _exit(1);
        }
        atomic_store(&shared->unsent, atomic_load(&shared->unsent) + 1);
        atomic_store(&shared->running, 0);
        if (atomic_load(&shared->unsent) >= JOBS_BATCH || jobs_now_ms() - first_ms >= JOBS_BATCH_MS) {
            if (!jobs_send_all(fd, out.data, out.len)) {
                _exit(1);
            }
            out.len = 0;
            atomic_store(&shared->unsent, 0);
        }
    }
    if (out.len > 0 && !atomic_load(&shared->stop)) {
        jobs_send_all(fd, out.data, out.len);
    }
    _exit(0);
}

static bool jobs_spawn(jobs_pool *p, unsigned slot)
{
    jobs_worker *w = &p->workers[slot];
    int sv[2];
    jobs_shared *shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
                               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) {
        return false;
    }
    atomic_init(&shared->running, 0);
    atomic_init(&shared->started_ms, 0);
    atomic_init(&shared->unsent, 0);
    atomic_init(&shared->stop, false);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        munmap(shared, sizeof *shared);
        return false;
    }
    /* Nothing buffered may be written twice, by the parent and the child. */
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        munmap(shared, sizeof *shared);
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
        jobs_worker_main(sv[1], shared, p->options_of, p->line_of, p->ctx, p->host_timeout_ms);
    }
    close(sv[1]);
    w->pid = pid;
    w->fd = sv[0];
    w->shared = shared;
    w->queued = 0;
    w->len = 0;
    return true;
}

static void jobs_store(jobs_pool *p, size_t job, const char *message, size_t len, const char *why,
                       int signo)
{
    drvsim_result *r = &p->ring[job % p->ring_size];
    /* Dispatch stays within one ring of next_result, so the slot is free. */
    assert(job < p->count && job >= p->next_result && job < p->next_result + p->ring_size);
    assert(!p->ready[job % p->ring_size]);
    if (message == NULL || !jobs_decode(message, len, r, &p->lines[job % p->ring_size])) {
        drvsim_options options;
        memset(&options, 0, sizeof options);
        p->options_of(p->ctx, job, &options);
        jobs_failed_result(&options, message != NULL ? "worker sent a malformed result" : why, r);
    }
    p->signo[job % p->ring_size] = message == NULL ? signo : 0;
    p->ready[job % p->ring_size] = true;
}

/* Closes a worker's socket and waits for it. If it died with jobs handed to
 * it, the one it was running (or, between two, the next it would have
 * run) gets an error result saying how (or `why`, when given); the others
 * are handed out again. */
static void jobs_reap(jobs_pool *p, unsigned slot, const char *why)
{
    jobs_worker *w = &p->workers[slot];
    int status = 0;
    char text[128];
    int sig = 0;

    close(w->fd);
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (w->queued > 0) {
        if (why == NULL && WIFSIGNALED(status)) {
            sig = WTERMSIG(status);
            snprintf(text, sizeof text, "simulator crashed: signal %d (%s)", sig, strsignal(sig));
            why = text;
        } else if (why == NULL) {
            snprintf(text, sizeof text, "simulator crashed: worker exited with status %d",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
            why = text;
        }
        /* The worker is gone: the page says where it stood. */
        uint64_t running = atomic_load(&w->shared->running);
        uint64_t unsent = atomic_load(&w->shared->unsent);
        unsigned blamed = 0;
        for (unsigned k = 0; k < w->queued; k++) {
            if (running != 0 ? w->jobs[k] == running - 1 : k == unsent) {
                blamed = k;
                break;
            }
        }
        if (running == 0 && unsent >= w->queued) {
            blamed = 0; /* cannot happen: it holds no more than it was given */
        }
        jobs_store(p, w->jobs[blamed], NULL, 0, why, sig);
        for (unsigned k = 0; k < w->queued; k++) {
            if (k != blamed) {
                assert(p->again_count < p->ring_size);
                p->again[p->again_count++] = w->jobs[k];
            }
        }
    }
    munmap(w->shared, sizeof *w->shared);
    w->shared = NULL;
    w->pid = 0;
    w->fd = -1;
    w->queued = 0;
    w->len = 0;
}

/* Reads what a worker has sent; stores each complete result message. */
static void jobs_receive(jobs_pool *p, unsigned slot)
{
    jobs_worker *w = &p->workers[slot];
    /* Room for a whole batch of results (JOBS_BATCH messages of about 7 KB
     * for a fault sweep's seed) in one read, whatever is still held. */
    if (w->cap - w->len < JOBS_READ_ROOM) {
        size_t cap = w->cap == 0 ? 2 * JOBS_READ_ROOM : 2 * w->cap;
        while (cap - w->len < JOBS_READ_ROOM) {
            cap *= 2;
        }
        char *grown = cap <= 2 * JOBS_MAX_LINE_BYTES ? realloc(w->buf, cap) : NULL;
        if (grown == NULL) {
            kill(w->pid, SIGKILL);
            jobs_reap(p, slot, "worker sent a result too large to hold");
            return;
        }
        w->buf = grown;
        w->cap = cap;
    }
    ssize_t n = read(w->fd, w->buf + w->len, w->cap - w->len);
    if (n < 0 && errno == EINTR) {
        return;
    }
    if (n <= 0) {
        jobs_reap(p, slot, NULL);
        return;
    }
    w->len += (size_t)n;

    /* Each whole message: its head says how long it is. What is left of a
     * message not whole yet moves to the front once, at the end. */
    jobs_head head;
    size_t at = 0;
    while (w->len - at >= sizeof head) {
        memcpy(&head, w->buf + at, sizeof head);
        if (head.magic != JOBS_MAGIC || head.bytes < sizeof head ||
            head.bytes > JOBS_MAX_LINE_BYTES) {
            kill(w->pid, SIGKILL);
            jobs_reap(p, slot, "worker sent a malformed result");
            return;
        }
        if (w->len - at < head.bytes) {
            break;
        }
        if (w->queued > 0) { /* a message from an idle worker would be a protocol error: drop it */
            jobs_store(p, w->jobs[0], w->buf + at, (size_t)head.bytes, NULL, 0);
            memmove(w->jobs, w->jobs + 1, --w->queued * sizeof *w->jobs);
        }
        at += (size_t)head.bytes;
    }
    if (at > 0) {
        memmove(w->buf, w->buf + at, w->len - at);
        w->len -= at;
    }
}

/* Fills the workers' queues, with the jobs of dead workers first, no further
 * than one ring ahead of the first result still awaited. */
static void jobs_dispatch(jobs_pool *p)
{
    for (unsigned i = 0; i < p->worker_count; i++) {
        jobs_worker *w = &p->workers[i];
        uint64_t indexes[JOBS_QUEUE_DEPTH];
        unsigned n = 0;
        while (w->pid != 0 && w->queued < JOBS_QUEUE_DEPTH) {
            size_t job;
            if (p->again_count > 0) {
                job = p->again[0];
                memmove(p->again, p->again + 1, --p->again_count * sizeof *p->again);
            } else if (p->next_job < p->count && p->next_job < p->next_result + p->ring_size) {
                job = p->next_job++;
            } else {
                break;
            }
            w->jobs[w->queued++] = job;
            indexes[n++] = job;
        }
        /* One write for all: a worker that cannot take them has died
         * (jobs_reap). */
        if (n > 0 && !jobs_send_all(w->fd, indexes, n * sizeof *indexes)) {
            jobs_reap(p, i, NULL);
        }
    }
}

/* Delivers the results ready in job order, a batch at a time: those that
 * follow one another without a gap. A batch's results are released after
 * its last is delivered (jobs.h: `more`), or after a callback said stop. */
static void jobs_deliver(jobs_pool *p)
{
    while (!p->stopped && p->next_result < p->count && p->ready[p->next_result % p->ring_size]) {
        size_t end = p->next_result + 1;
        while (end < p->count && end < p->next_result + p->ring_size &&
               p->ready[end % p->ring_size]) {
            end++;
        }
        size_t done = p->next_result;
        while (done < end && !p->stopped) {
            size_t k = done % p->ring_size;
            p->stopped = !p->on_result(p->ctx, done, &p->ring[k], p->signo[k], p->lines[k],
                                       done + 1 < end);
            done++;
        }
        for (; p->next_result < done; p->next_result++) {
            size_t k = p->next_result % p->ring_size;
            jobs_release(&p->ring[k]);
            free(p->lines[k]);
            p->lines[k] = NULL;
            p->ready[k] = false;
        }
    }
}

/* When the parent ends a worker's job that has not stopped (monotonic
 * clock): the worker's own watchdog asks the run to stop at the limit;
 * after the grace and a second more, the parent ends it. UINT64_MAX: no
 * limit, or no job started yet (one starting later ends later). */
static uint64_t jobs_deadline(const jobs_pool *p, const jobs_worker *w)
{
    if (p->host_timeout_ms == 0 || w->pid == 0 || w->queued == 0 ||
        atomic_load(&w->shared->running) == 0) {
        return UINT64_MAX;
    }
    return atomic_load(&w->shared->started_ms) + p->host_timeout_ms + WATCHDOG_GRACE_S * 1000u +
           1000u;
}

/* How long poll may wait: until the first running job's deadline, and no
 * longer than a whole limit while a worker with jobs runs none (it is about
 * to start one). */
static int jobs_poll_timeout(const jobs_pool *p)
{
    uint64_t now = jobs_now_ms();
    uint64_t first = UINT64_MAX;
    for (unsigned i = 0; i < p->worker_count; i++) {
        const jobs_worker *w = &p->workers[i];
        uint64_t d = jobs_deadline(p, w);
        if (d == UINT64_MAX && p->host_timeout_ms != 0 && w->pid != 0 && w->queued > 0) {
            d = now + p->host_timeout_ms + WATCHDOG_GRACE_S * 1000u + 1000u;
        }
        if (d < first) {
            first = d;
        }
    }
    if (first == UINT64_MAX) {
        return -1;
    }
    return first <= now ? 0 : first - now > INT32_MAX ? INT32_MAX : (int)(first - now);
}

/* Kills the workers whose job outlived the host time limit: stuck where
 * their own watchdog could not stop the run. The job fails, one line. */
static void jobs_expire(jobs_pool *p)
{
    uint64_t now = jobs_now_ms();
    for (unsigned i = 0; i < p->worker_count; i++) {
        jobs_worker *w = &p->workers[i];
        if (jobs_deadline(p, w) <= now) {
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
        if (p->workers[i].pid == 0 && (p->next_job < p->count || p->again_count > 0) &&
            !jobs_spawn(p, i)) {
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
                            jobs_line_fn line_of, jobs_result_fn on_result, void *ctx,
                            uint64_t host_timeout_ms)
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
    p->again = calloc(p->ring_size, sizeof *p->again);
    p->lines = calloc(p->ring_size, sizeof *p->lines);
    p->options_of = options_of;
    p->line_of = line_of;
    p->on_result = on_result;
    p->ctx = ctx;
    p->host_timeout_ms = host_timeout_ms;

    bool ok = p->ring != NULL && p->ready != NULL && p->signo != NULL && p->again != NULL &&
              p->lines != NULL;
    if (!ok) {
        fprintf(stderr, "drvsim: out of memory\n");
    }
    while (ok && !p->stopped && p->next_result < p->count) {
        ok = jobs_round(p);
    }

    /* Closing a worker's socket is its signal to exit. */
    for (unsigned i = 0; i < p->worker_count; i++) {
        if (p->workers[i].pid != 0) {
            /* Only after a failure or a stop: no result is owed then, and
             * the worker runs none of the jobs it still holds. */
            atomic_store(&p->workers[i].shared->stop, true);
            p->workers[i].queued = 0;
            jobs_reap(p, i, NULL);
        }
        free(p->workers[i].buf);
    }
    for (size_t k = 0; p->ready != NULL && k < p->ring_size; k++) {
        if (p->ready[k]) {
            jobs_release(&p->ring[k]);
        }
        if (p->lines != NULL) {
            free(p->lines[k]);
        }
    }
    bool stopped = p->stopped;
    free(p->ring);
    free(p->ready);
    free(p->signo);
    free(p->again);
    free(p->lines);
    free(p);
    return !ok ? -1 : stopped ? JOBS_STOPPED : 0;
}

int jobs_run(size_t count, unsigned workers, jobs_options_fn options_of, jobs_line_fn line_of,
             jobs_result_fn on_result, void *ctx, uint64_t host_timeout_ms)
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
    return jobs_run_workers(count, workers < 1 ? 1 : workers, options_of, line_of, on_result, ctx,
                            host_timeout_ms);
}
