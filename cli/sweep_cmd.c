/*
 * sweep_cmd.c - drvsim sweep: one scenario over a range of seeds, in worker
 * processes, a JSON line per seed flushed as it comes (in seed order), a
 * shard of the range, resume from a JSONL file, a progress line on a
 * terminal, and the summary grouped by distinct bug check.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "drvsim/drvsim.h"
#include "des/des.h"
#include "faults.h"
#include "jobs.h"
#include "kd/report.h"
#include "ke/ke.h"
#include "cli.h"
#include "output.h"
#include "sarif.h"
#include "vf/vf_settings.h"
#include "watchdog.h"

/* In two parts, each under the 4,095 characters ISO C requires a compiler
 * to take in one string literal; joined once, at the start of the command. */
static const char usage_sweep_head[] =
    "usage: drvsim sweep SCENARIO.lua --seeds A..B [options]\n"
    "       drvsim sweep SCENARIO.lua {--until-fail | --for DURATION} [options]\n"
    "\n"
    "Runs the scenario once per seed of A..B (inclusive), writes one JSON line per seed\n"
    "and a summary grouped by distinct bug check, with the command replaying each.\n"
    "Without --seeds, --until-fail and --for search from a random start seed, printed.\n"
    "\n"
    "  --seeds A..B            the seeds, A <= B, decimal or 0x hex\n"
    "  --until-fail            stop at the first run that does not match the expect\n"
    "  --for DURATION          stop after this much wall-clock time (\"90s\", \"1h\")\n"
    "  --sarif PATH            write a SARIF 2.1.0 log to PATH: one result per distinct\n"
    "                          way runs failed, with the replay command of its first seed\n"
    "  --perfetto PATH         then the timeline of the first seed not as expected (not\n"
    "                          clean, if any) to PATH, as drvsim run --perfetto writes it\n"
    "  --heartbeat DURATION    when standard error is no terminal, a progress line this\n"
    "                          often (default 30s; 0 = none)\n"
    "  --shard K/N             only seeds with (seed - A) % N == K - 1, 1 <= K <= N\n"
    "  -j, --jobs N            run N seeds at a time in worker processes (default 1)\n"
    "  --jsonl PATH|-          where the JSON lines go (default: standard output; the\n"
    "                          summary then goes to standard error)\n"
    "  --resume                skip the seeds already in the --jsonl PATH, append to it;\n"
    "                          the summary covers every line of the file\n";
static const char usage_sweep_tail[] = USAGE_SIM_OPTIONS
        USAGE_HOST_TIMEOUT "                          (per seed: a hung run is one error line)\n"
    "  -h, --help              this text\n"
    "\n"
    "exit status: 0 every run as expected, 1 some not, 2 usage error, 3 scenario error,\n"
    "4 a JSON line could not be written (full disk): the sweep stopped there\n";
static char usage_sweep[sizeof usage_sweep_head + sizeof usage_sweep_tail - 1];

/* ------------------------------------------------------------------------ */
/* drvsim sweep                                                             */
/* ------------------------------------------------------------------------ */

typedef struct cli_sweep {
    cli_sim_args a;
    uint64_t first_seed; /* A + K - 1 */
    uint64_t stride;     /* N of --shard K/N, else 1 */
    FILE *jsonl;
    bool write_failed; /* a JSON line could not be saved: the sweep stopped */
    int write_errno;
    size_t killed; /* runs whose worker a signal killed */
    out_summary summary;
    bool out_of_memory;
    size_t scenario_errors; /* runs whose scenario was broken (exit 3) */
    bool resume;            /* --resume: skip the seeds the JSON lines hold */
    uint64_t *done;         /* positions in the shard's sequence already run, ascending */
    size_t done_count;
    size_t total, finished;   /* for the progress line */
    bool progress;            /* standard error is a terminal */
    uint64_t host_timeout_ms; /* --host-timeout, per seed */
    bool until_fail;          /* --until-fail */
    uint64_t for_ms;          /* --for: 0 = no bound */
    uint64_t heartbeat_ms;    /* --heartbeat: 0 = none */
    uint64_t started_ms, deadline_ms, last_beat_ms; /* monotonic clock */
    uint64_t last_seed;       /* the last seed whose line was written */
    bool stopped_early;       /* --until-fail or --for ended the sweep */
    bool has_failing;         /* a run of this invocation did not match the expect */
    bool failing_not_clean;   /* it did not end clean */
    uint64_t failing_seed;    /* the first of them (a clean one only if all are) */
    const char *perfetto;     /* --perfetto PATH */
    /* The results whose lines wait for the write at the end of their batch
     * (cli_sweep_result; jobs_run keeps them until then), and the lines. */
    struct cli_sweep_pending {
        const drvsim_result *r;
        int signo;
        size_t end; /* the end of its line in text */
    } *pending;
    size_t pending_count, pending_cap;
    char *text;
    size_t text_len, text_cap;
} cli_sweep;

typedef struct cli_sweep_pending cli_sweep_pending;

/* The host's monotonic clock in milliseconds: for --for and the heartbeat
 * only, never for anything a run computes. */
static uint64_t cli_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* How many done positions are <= p. */
static size_t cli_done_upto(const cli_sweep *s, uint64_t p)
{
    size_t lo = 0, hi = s->done_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->done[mid] <= p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The position of the index-th seed not done: the least p with
 * p - done_upto(p) == index and p not done. */
static uint64_t cli_pending_position(const cli_sweep *s, uint64_t index)
{
    uint64_t p = index;
    for (;;) {
        uint64_t next = index + cli_done_upto(s, p);
        if (next == p)
            return p;
        p = next;
    }
}

static void cli_sweep_options(void *ctx, size_t index, drvsim_options *options)
{
    const cli_sweep *s = ctx;
    *options = s->a.options;
    options->seed_given = true;
    uint64_t p = s->done_count > 0 ? cli_pending_position(s, index) : index;
    options->seed = s->first_seed + p * s->stride;
}

static int cli_u64_order(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The unsigned number after `"key":` in a JSON line (jansson cannot hold
 * values above 2^63, which parameters often are). */
static bool cli_json_u64_after(const char *line, const char *key, uint64_t *v)
{
    const char *at = strstr(line, key);
    if (at == NULL)
        return false;
    at += strlen(key);
    while (*at == ' ' || *at == '[')
        at++;
    if (*at < '0' || *at > '9')
        return false;
    *v = strtoull(at, NULL, 10);
    return true;
}

/* The seeds met in the file, to count a seed held twice once: an open
 * addressing set (a seed can be any 64-bit value, so `used` marks slots). */
typedef struct cli_seed_set {
    uint64_t *seeds;
    bool *used;
    size_t cap; /* a power of two, or 0 */
    size_t count;
} cli_seed_set;

static size_t cli_seed_slot(const cli_seed_set *set, uint64_t seed)
{
    uint64_t h = seed * UINT64_C(0x9e3779b97f4a7c15);
    size_t i = (size_t)(h >> 32) & (set->cap - 1);
    while (set->used[i] && set->seeds[i] != seed) {
        i = (i + 1) & (set->cap - 1);
    }
    return i;
}

/* Adds seed; *fresh says whether it was new. False when out of memory. */
static bool cli_seed_set_add(cli_seed_set *set, uint64_t seed, bool *fresh)
{
    if (2 * (set->count + 1) > set->cap) {
        cli_seed_set grown = {.cap = set->cap == 0 ? 1024 : 2 * set->cap};
        grown.seeds = malloc(grown.cap * sizeof *grown.seeds);
        grown.used = calloc(grown.cap, sizeof *grown.used);
        if (grown.seeds == NULL || grown.used == NULL) {
            free(grown.seeds);
            free(grown.used);
            return false;
        }
        for (size_t i = 0; i < set->cap; i++) {
            if (set->used[i]) {
                size_t k = cli_seed_slot(&grown, set->seeds[i]);
                grown.used[k] = true;
                grown.seeds[k] = set->seeds[i];
            }
        }
        grown.count = set->count;
        free(set->seeds);
        free(set->used);
        *set = grown;
    }
    size_t k = cli_seed_slot(set, seed);
    *fresh = !set->used[k];
    if (*fresh) {
        set->used[k] = true;
        set->seeds[k] = seed;
        set->count++;
    }
    return true;
}

/* One JSON line of a sweep, read back into r (what the summary needs).
 * *signo is its "signal" field (0 without). False if it is not one. */
static bool cli_sweep_parse_line(const char *line, drvsim_result *r, int *signo)
{
    json_error_t jerr;
    json_t *o = json_loads(line, JSON_DECODE_INT_AS_REAL, &jerr);
    memset(r, 0, sizeof *r);
    const char *outcome = json_string_value(json_object_get(o, "outcome"));
    if (o == NULL || outcome == NULL || !cli_json_u64_after(line, "\"seed\":", &r->seed)) {
        json_decref(o);
        return false;
    }
    r->outcome = strcmp(outcome, "bugcheck") == 0   ? DRVSIM_OUTCOME_BUGCHECK
                 : strcmp(outcome, "timeout") == 0  ? DRVSIM_OUTCOME_TIMEOUT
                 : strcmp(outcome, "deadlock") == 0 ? DRVSIM_OUTCOME_DEADLOCK
                 : strcmp(outcome, "error") == 0    ? DRVSIM_OUTCOME_ERROR
                                                    : DRVSIM_OUTCOME_CLEAN;
    r->expected = json_is_true(json_object_get(o, "expected"));
    const json_t *bc = json_object_get(o, "bugcheck");
    if (json_is_object(bc)) {
        r->bugcheck.code = (uint32_t)json_number_value(json_object_get(bc, "code"));
        (void)cli_json_u64_after(line, "\"params\":", &r->bugcheck.params[0]);
        const char *d = json_string_value(json_object_get(bc, "driver"));
        const char *rule = json_string_value(json_object_get(bc, "rule"));
        snprintf(r->bugcheck.driver, sizeof r->bugcheck.driver, "%s", d != NULL ? d : "");
        snprintf(r->bugcheck.rule, sizeof r->bugcheck.rule, "%s", rule != NULL ? rule : "");
    }
    const char *message = json_string_value(json_object_get(o, "message"));
    snprintf(r->message, sizeof r->message, "%s", message != NULL ? message : "");
    *signo = (int)json_number_value(json_object_get(o, "signal"));
    json_decref(o);
    return true;
}

/*
 * --resume, after reading: rewrites `path` without the lines whose numbers
 * `drop` lists (ascending), and without a cut last line. Through a
 * temporary file renamed over it, so that a sweep killed meanwhile leaves the
 * file as it was. Returns 0 or CLI_EXIT_WRITE after printing why.
 */
static int cli_sweep_rewrite(const char *path, const size_t *drop, size_t drop_count)
{
    size_t len = strlen(path);
    char *tmp = malloc(len + 8);
    if (tmp == NULL) {
        fprintf(stderr, "drvsim: out of memory\n");
        return CLI_EXIT_HOST;
    }
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".XXXXXX", 8);
    FILE *in = fopen(path, "r");
    int fd = in != NULL ? mkstemp(tmp) : -1;
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    int err = out == NULL ? errno : 0;
    struct stat st;
    if (out != NULL && fstat(fileno(in), &st) == 0) {
        (void)fchmod(fd, st.st_mode & 07777);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    size_t number = 0, d = 0;
    while (err == 0 && (n = getline(&line, &cap, in)) > 0 && line[n - 1] == '\n') {
        number++;
        if (d < drop_count && drop[d] == number) {
            d++;
        } else if (fwrite(line, 1, (size_t)n, out) != (size_t)n) {
            err = errno;
        }
    }
    free(line);
    if (err == 0 && ferror(in)) {
        err = EIO;
    }
    if (err == 0 && (fflush(out) != 0 || fsync(fd) != 0)) {
        err = errno;
    }
    if (out != NULL && fclose(out) != 0 && err == 0) {
        err = errno;
    } else if (out == NULL && fd >= 0) {
        close(fd);
    }
    if (err == 0 && rename(tmp, path) != 0) {
        err = errno;
    }
    if (err != 0) {
        fprintf(stderr, "drvsim: --resume: cannot rewrite %s: %s\n", path, strerror(err));
        if (fd >= 0) {
            unlink(tmp);
        }
    }
    if (in != NULL) {
        fclose(in);
    }
    free(tmp);
    return err == 0 ? 0 : CLI_EXIT_WRITE;
}

/*
 * --resume: reads the JSON lines already written. Each goes into the
 * summary (a seed held twice, once); the seeds of this sweep's sequence
 * among them are skipped. Two kinds of line are removed from the file and
 * their seeds run again: a last line without its newline (cut short by a
 * writer that was killed, or by a full disk), and the lines of runs whose
 * worker process a signal killed ("signal" field: the OOM killer, a kill -9;
 * the run did not end, something outside ended it).
 * Returns 0, or the exit status after printing why.
 */
static int cli_sweep_read_done(cli_sweep *s, const char *path, uint64_t b, uint64_t count)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        if (errno == ENOENT) {
            return 0; /* nothing yet: a fresh start */
        }
        fprintf(stderr, "drvsim: --resume: cannot read %s: %s\n", path, strerror(errno));
        return CLI_EXIT_OUTPUT;
    }
    struct stat st;
    FILE *in = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (in = fdopen(fd, "r")) == NULL) {
        fprintf(stderr, "drvsim: --resume: %s is not a regular file\n", path);
        close(fd);
        return CLI_EXIT_OUTPUT;
    }
    char *line = NULL;
    size_t cap = 0;
    size_t capacity = 0;
    int status = 0;
    size_t number = 0;
    off_t complete = 0; /* bytes up to the end of the last complete line */
    bool torn = false;
    size_t *drop = NULL; /* numbers of the lines to remove, ascending */
    size_t drop_count = 0, drop_cap = 0;
    cli_seed_set seen = {0};
    ssize_t n;
    while (status == 0 && (n = getline(&line, &cap, in)) > 0) {
        number++;
        if (line[n - 1] != '\n') {
            torn = true; /* the last line: getline read to the end of the file */
            break;
        }
        drvsim_result r;
        int signo = 0;
        bool fresh = false;
        if (!cli_sweep_parse_line(line, &r, &signo)) {
            fprintf(stderr, "drvsim: --resume: %s line %zu is not a sweep result\n", path, number);
            status = CLI_EXIT_OUTPUT;
            break;
        }
        complete += n;
        if (signo != 0) {
            if (drop_count == drop_cap) {
                drop_cap = drop_cap == 0 ? 16 : 2 * drop_cap;
                size_t *grown = realloc(drop, drop_cap * sizeof *grown);
                if (grown == NULL) {
                    fprintf(stderr, "drvsim: out of memory\n");
                    status = CLI_EXIT_HOST;
                    break;
                }
                drop = grown;
            }
            drop[drop_count++] = number;
            continue;
        }
        if (!cli_seed_set_add(&seen, r.seed, &fresh)) {
            fprintf(stderr, "drvsim: out of memory\n");
            status = CLI_EXIT_HOST;
            break;
        }
        if (!fresh) {
            continue; /* a seed held twice: counted once */
        }
        if (!out_summary_add(&s->summary, &r)) {
            s->out_of_memory = true;
        }
        if (r.outcome == DRVSIM_OUTCOME_ERROR && r.message[0] != '\0') {
            s->scenario_errors++;
        }
        /* A seed of this sweep's sequence: skipped. */
        if (r.seed >= s->first_seed && r.seed <= b && (r.seed - s->first_seed) % s->stride == 0) {
            uint64_t p = (r.seed - s->first_seed) / s->stride;
            if (p < count) {
                if (s->done_count == capacity) {
                    capacity = capacity == 0 ? 64 : 2 * capacity;
                    uint64_t *grown = realloc(s->done, capacity * sizeof *grown);
                    if (grown == NULL) {
                        fprintf(stderr, "drvsim: out of memory\n");
                        status = CLI_EXIT_HOST;
                        break;
                    }
                    s->done = grown;
                }
                s->done[s->done_count++] = p;
            }
        }
    }
    if (status == 0 && ferror(in)) {
        fprintf(stderr, "drvsim: --resume: cannot read %s: %s\n", path, strerror(errno));
        status = CLI_EXIT_OUTPUT;
    }
    free(line);
    free(seen.seeds);
    free(seen.used);
    fclose(in);
    if (status == 0 && drop_count > 0) {
        fprintf(stderr,
                "drvsim: note: --resume: %s: %zu line%s of runs whose worker process a signal "
                "killed%s removed; %s again\n",
                path, drop_count, drop_count == 1 ? "" : "s",
                torn ? ", and a last line cut short," : "",
                drop_count == 1 && !torn ? "its seed runs" : "their seeds run");
        status = cli_sweep_rewrite(path, drop, drop_count);
    } else if (status == 0 && torn) {
        fprintf(stderr,
                "drvsim: note: --resume: %s line %zu was cut short (a writer was killed, or the "
                "disk was full): removed; its seed runs again\n",
                path, number);
        if (truncate(path, complete) != 0) {
            fprintf(stderr, "drvsim: --resume: cannot truncate %s: %s\n", path, strerror(errno));
            status = CLI_EXIT_WRITE;
        }
    }
    free(drop);
    if (status == 0 && s->done_count > 1) {
        qsort(s->done, s->done_count, sizeof *s->done, cli_u64_order);
    }
    return status;
}

/* A seed's JSON line, made in the worker that ran it (jobs_line_fn). */
static char *cli_sweep_line(void *ctx, const drvsim_result *r)
{
    (void)ctx;
    json_t *line = out_result_json(r, NULL, false);
    char *text = line != NULL ? out_json_dumps(line, JSON_COMPACT) : NULL;
    json_decref(line);
    return text;
}

/* A result whose line is written: counted in the summary, the progress
 * line and the heartbeat. */
static void cli_sweep_count(cli_sweep *s, const drvsim_result *r, int signo)
{
    if (r->exit_code == DRVSIM_EXIT_SCENARIO) {
        s->scenario_errors++;
    }
    if (signo != 0) {
        s->killed++;
    }
    if (!out_summary_add(&s->summary, r)) {
        s->out_of_memory = true;
    }
    s->finished++;
    s->last_seed = r->seed;
    /* --perfetto's seed: the first run that did not match, one that did
     * not end clean if there is one (a bug check is what a timeline shows). */
    if (!r->expected && (!s->has_failing || (!s->failing_not_clean &&
                                             r->outcome != DRVSIM_OUTCOME_CLEAN))) {
        s->has_failing = true;
        s->failing_not_clean = r->outcome != DRVSIM_OUTCOME_CLEAN;
        s->failing_seed = r->seed;
    }
    if (!s->progress && s->heartbeat_ms != 0) {
        /* CI logs are no terminal: a line now and then says the sweep lives. */
        uint64_t now = cli_now_ms();
        if (now - s->last_beat_ms >= s->heartbeat_ms) {
            s->last_beat_ms = now;
            fprintf(stderr, "drvsim sweep: %zu", s->finished);
            if (s->for_ms == 0 && !s->until_fail) {
                fprintf(stderr, "/%zu", s->total);
            }
            fprintf(stderr, " seeds, %zu did not match expect, last seed %" PRIu64 ", %" PRIu64
                            " s\n",
                    s->summary.failed, r->seed, (now - s->started_ms) / 1000u);
            fflush(stderr);
        }
    }
}

/* Appends n bytes to the batch's text; false when out of memory. */
static bool cli_sweep_put(cli_sweep *s, const char *text, size_t n)
{
    if (s->text_cap - s->text_len < n) {
        size_t cap = s->text_cap == 0 ? 16384 : s->text_cap;
        while (cap - s->text_len < n) {
            cap *= 2;
        }
        char *grown = realloc(s->text, cap);
        if (grown == NULL) {
            return false;
        }
        s->text = grown;
        s->text_cap = cap;
    }
    memcpy(s->text + s->text_len, text, n);
    s->text_len += n;
    return true;
}

/* Writes the batch's lines in one go (more if the file takes them in
 * parts); the bytes written. errno says why when short. */
static size_t cli_sweep_write(cli_sweep *s)
{
    int fd = fileno(s->jsonl);
    size_t done = 0;
    while (done < s->text_len) {
        ssize_t n = write(fd, s->text + done, s->text_len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (n == 0) {
                errno = ENOSPC;
            }
            break;
        }
        done += (size_t)n;
    }
    return done;
}

/* Writes a seed's line. The lines of results that arrive together (jobs.h:
 * `more`) go out in one write, after the last: none waits while the sweep
 * waits for more. A result counts once its whole line is written; the sweep
 * stops at the first line it cannot write (what was written of it is a
 * torn last line, which --resume drops). */
static bool cli_sweep_result(void *ctx, size_t index, const drvsim_result *r, int signo,
                             const char *made, bool more)
{
    cli_sweep *s = ctx;
    (void)index;
    char *own = NULL;
    if (made == NULL || signo != 0) {
        /* A run its worker did not finish: the parent says so. */
        json_t *line = out_result_json(r, NULL, false);
        if (line != NULL && signo != 0 &&
            json_object_set_new(line, "signal", json_integer(signo)) != 0) {
            json_decref(line);
            line = NULL;
        }
        own = line != NULL ? out_json_dumps(line, JSON_COMPACT) : NULL;
        json_decref(line);
        made = own;
    }
    bool held = made != NULL && cli_sweep_put(s, made, strlen(made)) && cli_sweep_put(s, "\n", 1);
    free(own);
    if (held && s->pending_count == s->pending_cap) {
        size_t cap = s->pending_cap == 0 ? 64 : 2 * s->pending_cap;
        cli_sweep_pending *grown = realloc(s->pending, cap * sizeof *grown);
        held = grown != NULL;
        if (held) {
            s->pending = grown;
            s->pending_cap = cap;
        }
    }
    if (held) {
        s->pending[s->pending_count++] =
            (cli_sweep_pending){.r = r, .signo = signo, .end = s->text_len};
    }
    /* --until-fail stops at the first run that did not match, --for when
     * time is up: after this one's line. */
    bool stop = held && ((s->until_fail && !r->expected) ||
                         (s->for_ms != 0 && cli_now_ms() >= s->deadline_ms));
    if (held && more && !stop) {
        return true;
    }
    errno = ENOMEM;
    size_t written = cli_sweep_write(s);
    bool saved = held && written == s->text_len;
    if (!saved) {
        s->write_errno = errno;
        s->write_failed = true;
    }
    for (size_t i = 0; i < s->pending_count && s->pending[i].end <= written; i++) {
        cli_sweep_count(s, s->pending[i].r, s->pending[i].signo);
    }
    s->pending_count = 0;
    s->text_len = 0;
    if (!saved) {
        return false;
    }
    s->stopped_early = stop;
    if (s->progress) {
        /* One line, rewritten in place: runs done of this invocation, and
         * how many did not go as expected so far (all lines of the file). */
        fprintf(stderr, "\rdrvsim sweep: %zu/%zu seeds, %zu did not match expect", s->finished,
                s->total, s->summary.failed);
        if (s->finished == s->total || s->stopped_early) {
            fputc('\n', stderr);
        }
        fflush(stderr);
    }
    return !stop;
}

/* --perfetto: the failing seed's run again, with its timeline. */
typedef struct cli_sweep_timeline {
    const cli_sweep *s;
    bool ok;
} cli_sweep_timeline;

static void cli_sweep_perfetto_options(void *ctx, size_t index, drvsim_options *options)
{
    const cli_sweep *s = ((const cli_sweep_timeline *)ctx)->s;
    (void)index;
    *options = s->a.options;
    options->seed_given = true;
    options->seed = s->failing_seed;
    options->perfetto_path = s->perfetto;
}

static bool cli_sweep_perfetto_result(void *ctx, size_t index, const drvsim_result *r, int signo,
                                      const char *line, bool more)
{
    (void)line;
    (void)more;
    (void)index;
    ((cli_sweep_timeline *)ctx)->ok = signo == 0 && r->outcome != DRVSIM_OUTCOME_ERROR;
    return true;
}

/* Writes the timeline of the sweep's first failing seed (in a worker, as
 * every run); false after saying why. */
static bool cli_sweep_perfetto(const cli_sweep *s)
{
    if (!s->has_failing) {
        fprintf(stderr, "drvsim sweep: every run matched the expect: no --perfetto timeline\n");
        return true;
    }
    cli_sweep_timeline t = {s, false};
    if (jobs_run(1, 1, cli_sweep_perfetto_options, NULL, cli_sweep_perfetto_result, &t,
                 s->host_timeout_ms) != 0 ||
        !t.ok) {
        fprintf(stderr,
                "drvsim: --perfetto: could not write the timeline of seed %" PRIu64 " to %s\n",
                s->failing_seed, s->perfetto);
        return false;
    }
    fprintf(stderr, "drvsim sweep: the timeline of seed %" PRIu64 " is in %s (perfetto)\n",
            s->failing_seed, s->perfetto);
    return true;
}

/* "A..B" */
static bool cli_parse_seeds(const char *arg, uint64_t *a, uint64_t *b)
{
    const char *dots = strstr(arg, "..");
    if (dots == NULL) {
        return false;
    }
    char left[32];
    size_t n = (size_t)(dots - arg);
    if (n == 0 || n >= sizeof left) {
        return false;
    }
    memcpy(left, arg, n);
    left[n] = '\0';
    return cli_parse_u64(left, a) && cli_parse_u64(dots + 2, b) && *a <= *b;
}

/* "K/N" */
static bool cli_parse_shard(const char *arg, uint64_t *k, uint64_t *n)
{
    const char *slash = strchr(arg, '/');
    char left[32];
    size_t len = slash != NULL ? (size_t)(slash - arg) : 0;
    if (len == 0 || len >= sizeof left) {
        return false;
    }
    memcpy(left, arg, len);
    left[len] = '\0';
    return cli_parse_u64(left, k) && cli_parse_u64(slash + 1, n) && *k >= 1 && *k <= *n;
}

static int cli_sweep_all(cli_sweep *s, uint64_t a, uint64_t b, uint64_t k, unsigned workers,
                         const char *jsonl_path, const char *sarif_path)
{
    const char *scenario = s->a.options.scenario_path;

    /* Every seed would fail the same way: say it once (CONTRACT: exit 3). */
    FILE *probe = fopen(scenario, "r");
    if (probe == NULL) {
        fprintf(stderr, "drvsim: cannot open scenario %s: %s\n", scenario, strerror(errno));
        return DRVSIM_EXIT_SCENARIO;
    }
    fclose(probe);

    bool to_stdout = jsonl_path == NULL || strcmp(jsonl_path, "-") == 0;
    uint64_t span = b - a + 1; /* <= CLI_MAX_SWEEP_SEEDS, checked by the caller */
    uint64_t offset = k - 1;
    size_t count = span > offset ? (size_t)((span - offset - 1) / s->stride + 1) : 0;
    s->first_seed = a + offset;
    if (s->resume) {
        int status = cli_sweep_read_done(s, jsonl_path, b, count);
        if (status != 0) {
            return status;
        }
    }
    count -= s->done_count;
    s->total = count;
    s->progress = isatty(STDERR_FILENO) == 1;

    if (to_stdout) {
        s->jsonl = stdout;
    } else if (s->resume) {
        s->jsonl = fopen(jsonl_path, "a");
        if (s->jsonl == NULL) {
            fprintf(stderr, "drvsim: cannot write %s: %s\n", jsonl_path, strerror(errno));
        }
    } else {
        s->jsonl = cli_open_output(jsonl_path);
    }
    if (s->jsonl == NULL) {
        return CLI_EXIT_OUTPUT;
    }
    FILE *sarif = NULL;
    if (sarif_path != NULL && (sarif = cli_open_output(sarif_path)) == NULL) {
        if (!to_stdout) {
            fclose(s->jsonl);
        }
        return CLI_EXIT_OUTPUT;
    }

    s->started_ms = s->last_beat_ms = cli_now_ms();
    s->deadline_ms = s->started_ms + s->for_ms;
    /* The lines go to the file's descriptor (cli_sweep_write): nothing of
     * its stream may be left behind them. */
    fflush(s->jsonl);
    int ran = jobs_run(count, workers, cli_sweep_options, cli_sweep_line, cli_sweep_result, s,
                       s->host_timeout_ms);
    int status = ran < 0 ? CLI_EXIT_HOST : DRVSIM_EXIT_OK;
    const char *where = to_stdout ? "standard output" : jsonl_path;
    if (s->stopped_early || ((s->until_fail || s->for_ms != 0) && !s->write_failed)) {
        /* The seeds run, as the range that replays them. */
        fprintf(stderr, "drvsim sweep: %s after seeds %" PRIu64 "..%" PRIu64 "%s\n",
                s->stopped_early && s->until_fail && s->summary.failed > 0 ? "stopped at a failure"
                : s->stopped_early                                         ? "time is up"
                                                                           : "done",
                s->first_seed, s->finished > 0 ? s->last_seed : s->first_seed,
                s->stride > 1 ? " (this shard's)" : "");
    }
    if (s->write_failed) {
        fprintf(stderr,
                "drvsim: cannot write the JSON lines to %s: %s; the sweep stopped after %zu "
                "seed%s of %zu%s\n",
                where, strerror(s->write_errno), s->finished, s->finished == 1 ? "" : "s", s->total,
                to_stdout ? "" : ": the lines before are saved, --resume carries on");
        status = CLI_EXIT_WRITE;
    }
    if (!to_stdout) {
        /* Lines flushed may still sit in the page cache: a result is saved
         * once it is on the disk (fsync fails with EINVAL on a device or
         * a pipe, which have no disk to wait for). */
        bool synced = s->write_failed || fsync(fileno(s->jsonl)) == 0 || errno == EINVAL;
        if (!synced) {
            fprintf(stderr, "drvsim: cannot write %s: %s\n", jsonl_path, strerror(errno));
        }
        if (s->write_failed) {
            fclose(s->jsonl); /* said above */
        } else if ((!cli_close_output(s->jsonl, jsonl_path) || !synced) &&
                   status != CLI_EXIT_HOST) {
            status = CLI_EXIT_WRITE;
        }
    }
    if (s->out_of_memory) {
        fprintf(stderr, "drvsim: out of memory: the summary is incomplete\n");
        status = CLI_EXIT_HOST;
    }
    if (s->killed > 0) {
        fprintf(stderr,
                "drvsim: %zu run%s ended by a signal to %s worker process (killed from outside, "
                "the OOM killer for one): --resume runs %s again\n",
                s->killed, s->killed == 1 ? "" : "s", s->killed == 1 ? "its" : "their",
                s->killed == 1 ? "it" : "them");
    }
    FILE *out = to_stdout ? stderr : stdout;
    out_summary_write(out, &s->summary, scenario, &s->a.raw);
    fflush(out);
    if (s->perfetto != NULL && !s->write_failed && ran >= 0 && !cli_sweep_perfetto(s) &&
        status == DRVSIM_EXIT_OK) {
        status = CLI_EXIT_HOST;
    }
    if (sarif != NULL) {
        /* After the summary, which sorted the groups: most runs first. */
        sarif_log log;
        sarif_init(&log);
        for (size_t i = 0; i < s->summary.group_count; i++) {
            const out_group *g = &s->summary.groups[i];
            if (g->unexpected == 0) {
                continue; /* what the scenario expects is no finding */
            }
            char *replay = out_replay_command(scenario, g->first_seed, &s->a.raw);
            sarif_add_group(&log, g, scenario, replay);
            free(replay);
        }
        if (s->summary.clean_unexpected > 0) {
            /* Runs that ended clean where the scenario expects a bug check. */
            out_group g = {.outcome = DRVSIM_OUTCOME_CLEAN,
                           .count = s->summary.clean_unexpected,
                           .unexpected = s->summary.clean_unexpected,
                           .first_seed = s->summary.clean_first_seed,
                           .expect = s->summary.clean_expect};
            char *replay = out_replay_command(scenario, g.first_seed, &s->a.raw);
            sarif_add_group(&log, &g, scenario, replay);
            free(replay);
        }
        bool written = sarif_write(&log, sarif);
        written = cli_close_output(sarif, sarif_path) && written;
        if (!written && status == DRVSIM_EXIT_OK) {
            status = CLI_EXIT_HOST;
        }
    }
    if (status == DRVSIM_EXIT_OK && s->scenario_errors > 0) {
        /* The scenario is broken (for some seeds at least): its runs mean
         * nothing, which is exit 3, not a finding. */
        status = DRVSIM_EXIT_SCENARIO;
    } else if (status == DRVSIM_EXIT_OK && s->summary.failed > 0) {
        status = DRVSIM_EXIT_MISMATCH;
    }
    return status;
}

int cli_cmd_sweep(int argc, char **argv)
{
    snprintf(usage_sweep, sizeof usage_sweep, "%s%s", usage_sweep_head, usage_sweep_tail);
    static const struct option longopts[] = {
        {"seeds", required_argument, NULL, OPT_SEEDS},
        {"shard", required_argument, NULL, OPT_SHARD},
        {"jobs", required_argument, NULL, 'j'},
        {"jsonl", required_argument, NULL, OPT_JSONL},
        {"verifier", required_argument, NULL, OPT_VERIFIER},
        {"gflags", required_argument, NULL, OPT_GFLAGS},
        {"cpus", required_argument, NULL, OPT_CPUS},
        {"sched", required_argument, NULL, OPT_SCHED},
        {"kd", no_argument, NULL, OPT_KD},
        {"races", no_argument, NULL, OPT_RACES},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"max-events", required_argument, NULL, OPT_MAX_EVENTS},
        {"max-instructions", required_argument, NULL, OPT_MAX_INSTRUCTIONS},
        {"fail-nth", required_argument, NULL, OPT_FAIL_NTH},
        {"replay", required_argument, NULL, OPT_REPLAY},
        {"resume", no_argument, NULL, OPT_RESUME},
        {"host-timeout", required_argument, NULL, OPT_HOST_TIMEOUT},
        {"until-fail", no_argument, NULL, OPT_UNTIL_FAIL},
        {"for", required_argument, NULL, OPT_FOR},
        {"heartbeat", required_argument, NULL, OPT_HEARTBEAT},
        {"sarif", required_argument, NULL, OPT_SARIF},
        {"perfetto", required_argument, NULL, OPT_PERFETTO},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_sweep s;
    const char *sarif_path = NULL;
    uint64_t v;
    cli_args pos;
    const char *jsonl_path = NULL;
    bool seeds_given = false;
    uint64_t a = 0, b = 0, k = 1;
    unsigned workers = 1;
    int c;
    int status = -1;

    memset(&s, 0, sizeof s);
    s.stride = 1;
    s.host_timeout_ms = WATCHDOG_DEFAULT_MS;
    s.heartbeat_ms = 30000;
    if (!cli_args_init(&pos, argc)) {
        fprintf(stderr, "drvsim: out of memory\n");
        return CLI_EXIT_HOST;
    }
    optind = 0;
    opterr = 0;
    while (status < 0 && (c = getopt_long(argc, argv, "-:hj:", longopts, NULL)) != -1) {
        switch (c) {
        case 1:
            pos.items[pos.count++] = optarg;
            break;
        case 'h':
            fputs(usage_sweep, stdout);
            status = 0;
            break;
        case 'j':
            if (!cli_parse_jobs(optarg, &workers, usage_sweep)) {
                status = DRVSIM_EXIT_USAGE;
            }
            break;
        case OPT_SEEDS:
            seeds_given = true;
            if (!cli_parse_seeds(optarg, &a, &b)) {
                status = cli_usage_error(usage_sweep, "--seeds wants A..B with A <= B, not '%s'",
                                         optarg);
            } else if (b - a >= CLI_MAX_SWEEP_SEEDS) {
                status = cli_usage_error(usage_sweep, "--seeds %s: at most %" PRIu64 " seeds",
                                         optarg, CLI_MAX_SWEEP_SEEDS);
            }
            break;
        case OPT_SHARD:
            if (!cli_parse_shard(optarg, &k, &s.stride)) {
                status = cli_usage_error(usage_sweep,
                                         "--shard wants K/N with 1 <= K <= N, not '%s'", optarg);
            }
            break;
        case OPT_JSONL:
            jsonl_path = optarg;
            break;
        case OPT_RESUME:
            s.resume = true;
            break;
        case OPT_UNTIL_FAIL:
            s.until_fail = true;
            break;
        case OPT_SARIF:
            sarif_path = optarg;
            break;
        case OPT_PERFETTO:
            s.perfetto = optarg;
            break;
        case OPT_FOR:
        case OPT_HEARTBEAT:
            /* Wall-clock durations, in the syntax of --limit. */
            if (!des_parse_duration(optarg, &v) || (c == OPT_FOR && v == 0)) {
                status = cli_usage_error(usage_sweep,
                                         "%s wants a duration such as 90s, 10min or 1h, not '%s'",
                                         c == OPT_FOR ? "--for" : "--heartbeat", optarg);
            } else if (c == OPT_FOR) {
                s.for_ms = v / 10000u > 0 ? v / 10000u : 1;
            } else {
                s.heartbeat_ms = v / 10000u;
            }
            break;
        case OPT_HOST_TIMEOUT:
            if (!watchdog_parse(optarg, &s.host_timeout_ms, usage_sweep)) {
                status = DRVSIM_EXIT_USAGE;
            }
            break;
        case '?':
        case ':':
            status = cli_getopt_error(c, argv, usage_sweep);
            break;
        default:
            if (cli_sim_option(c, optarg, &s.a, usage_sweep) < 0) {
                status = DRVSIM_EXIT_USAGE;
            }
        }
    }
    if (status < 0) {
        cli_args_rest(&pos, argc, argv);
        if (pos.count == 0) {
            status = cli_usage_error(usage_sweep, "missing the scenario file");
        } else if (pos.count > 1) {
            status = cli_usage_error(usage_sweep, "unexpected argument '%s'", pos.items[1]);
        } else if (!seeds_given && !s.until_fail && s.for_ms == 0) {
            status = cli_usage_error(usage_sweep,
                                     "missing --seeds A..B (or --until-fail, --for DURATION)");
        } else if (!seeds_given && s.resume) {
            status = cli_usage_error(usage_sweep, "--resume needs --seeds A..B");
        } else if (s.resume && (jsonl_path == NULL || strcmp(jsonl_path, "-") == 0)) {
            status = cli_usage_error(usage_sweep, "--resume needs --jsonl PATH (a file)");
        } else if (!cli_sim_finish(&s.a, usage_sweep)) {
            status = DRVSIM_EXIT_USAGE;
        }
    }
    if (status < 0 && cli_parse_only) {
        status = DRVSIM_EXIT_OK;
    }
    if (status < 0 && !seeds_given) {
        /* An open-ended search: a random start, said first, so that the
         * search can be replayed whatever it finds. */
        uint64_t start = 0;
        if (getrandom(&start, sizeof start, 0) != (ssize_t)sizeof start) {
            start = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
        }
        a = start >> 16; /* well below 2^64 - CLI_MAX_SWEEP_SEEDS, and shorter to type */
        b = a + CLI_MAX_SWEEP_SEEDS - 1;
        fprintf(stderr, "drvsim sweep: random start seed %" PRIu64 " (seeds %" PRIu64 "..)\n",
                a, a);
        fflush(stderr);
    }
    if (status < 0) {
        s.a.options.scenario_path = pos.items[0];
        status = cli_sweep_all(&s, a, b, k, workers, jsonl_path, sarif_path);
    }
    out_summary_free(&s.summary);
    faults_choices_free(&s.a.replay);
    free(s.done);
    free(s.pending);
    free(s.text);
    free(pos.items);
    return status;
}
