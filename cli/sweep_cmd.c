/*
 * sweep_cmd.c - drvsim sweep: one scenario over a range of seeds, in worker
 * processes, a JSON line per seed flushed as it comes (in seed order), a
 * shard of the range, resume from a JSONL file, a progress line on a
 * terminal, and the summary grouped by distinct bug check.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
#include "vf/vf_settings.h"
#include "watchdog.h"

static const char usage_sweep[] =
    "usage: drvsim sweep SCENARIO.lua --seeds A..B [options]\n"
    "\n"
    "Runs the scenario once per seed of A..B (inclusive), writes one JSON line per seed\n"
    "and a summary grouped by distinct bug check, with the command replaying each.\n"
    "\n"
    "  --seeds A..B            the seeds, A <= B, decimal or 0x hex\n"
    "  --shard K/N             only seeds with (seed - A) % N == K - 1, 1 <= K <= N\n"
    "  -j, --jobs N            run N seeds at a time in worker processes (default 1)\n"
    "  --jsonl PATH|-          where the JSON lines go (default: standard output; the\n"
    "                          summary then goes to standard error)\n"
    "  --resume                skip the seeds already in the --jsonl PATH, append to it;\n"
    "                          the summary covers every line of the file\n" USAGE_SIM_OPTIONS
        USAGE_HOST_TIMEOUT "                          (per seed: a hung run is one error line)\n"
    "  -h, --help              this text\n"
    "\n"
    "exit status: 0 every run as expected, 1 some not, 2 usage error, 3 scenario error\n";

/* ------------------------------------------------------------------------ */
/* drvsim sweep                                                             */
/* ------------------------------------------------------------------------ */

typedef struct cli_sweep {
    cli_sim_args a;
    uint64_t first_seed; /* A + K - 1 */
    uint64_t stride;     /* N of --shard K/N, else 1 */
    FILE *jsonl;
    bool write_failed;
    out_summary summary;
    bool out_of_memory;
    size_t scenario_errors; /* runs whose scenario was broken (exit 3) */
    bool resume;            /* --resume: skip the seeds the JSON lines hold */
    uint64_t *done;         /* positions in the shard's sequence already run, ascending */
    size_t done_count;
    size_t total, finished;   /* for the progress line */
    bool progress;            /* standard error is a terminal */
    uint64_t host_timeout_ms; /* --host-timeout, per seed */
} cli_sweep;

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

/*
 * --resume: reads the JSON lines already written. Each goes into the
 * summary; the seeds of this sweep's sequence among them are skipped.
 * Returns false after printing why.
 */
static bool cli_sweep_read_done(cli_sweep *s, const char *path, uint64_t a, uint64_t b,
                                uint64_t count)
{
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        return errno == ENOENT; /* nothing yet: a fresh start */
    }
    char *line = NULL;
    size_t cap = 0;
    size_t capacity = 0;
    bool ok = true;
    size_t number = 0;
    while (ok && getline(&line, &cap, in) > 0) {
        number++;
        json_error_t jerr;
        json_t *o = json_loads(line, JSON_DECODE_INT_AS_REAL, &jerr);
        drvsim_result r;
        memset(&r, 0, sizeof r);
        const char *outcome = json_string_value(json_object_get(o, "outcome"));
        if (o == NULL || outcome == NULL || !cli_json_u64_after(line, "\"seed\":", &r.seed)) {
            fprintf(stderr, "drvsim: --resume: %s line %zu is not a sweep result\n", path, number);
            json_decref(o);
            ok = false;
            break;
        }
        r.outcome = strcmp(outcome, "bugcheck") == 0  ? DRVSIM_OUTCOME_BUGCHECK
                    : strcmp(outcome, "timeout") == 0 ? DRVSIM_OUTCOME_TIMEOUT
                    : strcmp(outcome, "error") == 0   ? DRVSIM_OUTCOME_ERROR
                                                      : DRVSIM_OUTCOME_CLEAN;
        r.expected = json_is_true(json_object_get(o, "expected"));
        const json_t *bc = json_object_get(o, "bugcheck");
        if (json_is_object(bc)) {
            r.bugcheck.code = (uint32_t)json_number_value(json_object_get(bc, "code"));
            (void)cli_json_u64_after(line, "\"params\":", &r.bugcheck.params[0]);
            const char *d = json_string_value(json_object_get(bc, "driver"));
            const char *rule = json_string_value(json_object_get(bc, "rule"));
            snprintf(r.bugcheck.driver, sizeof r.bugcheck.driver, "%s", d != NULL ? d : "");
            snprintf(r.bugcheck.rule, sizeof r.bugcheck.rule, "%s", rule != NULL ? rule : "");
        }
        const char *message = json_string_value(json_object_get(o, "message"));
        snprintf(r.message, sizeof r.message, "%s", message != NULL ? message : "");
        json_decref(o);
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
                        ok = false;
                        break;
                    }
                    s->done = grown;
                }
                s->done[s->done_count++] = p;
            }
        }
    }
    (void)a;
    free(line);
    fclose(in);
    if (ok && s->done_count > 1) {
        qsort(s->done, s->done_count, sizeof *s->done, cli_u64_order);
        size_t w = 1;
        for (size_t i = 1; i < s->done_count; i++) {
            if (s->done[i] != s->done[w - 1]) {
                s->done[w++] = s->done[i];
            }
        }
        s->done_count = w;
    }
    return ok;
}

static void cli_sweep_result(void *ctx, size_t index, const drvsim_result *r)
{
    cli_sweep *s = ctx;
    (void)index;
    json_t *line = out_result_json(r, NULL, false);
    if (line == NULL || !out_json_dump(line, JSON_COMPACT, s->jsonl) || fflush(s->jsonl) != 0) {
        s->write_failed = true;
    }
    json_decref(line);
    if (r->exit_code == DRVSIM_EXIT_SCENARIO) {
        s->scenario_errors++;
    }
    if (!out_summary_add(&s->summary, r)) {
        s->out_of_memory = true;
    }
    s->finished++;
    if (s->progress) {
        /* One line, rewritten in place: runs done of this invocation, and
         * how many did not go as expected so far (all lines of the file). */
        fprintf(stderr, "\rdrvsim sweep: %zu/%zu seeds, %zu did not match expect", s->finished,
                s->total, s->summary.failed);
        if (s->finished == s->total) {
            fputc('\n', stderr);
        }
        fflush(stderr);
    }
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
                         const char *jsonl_path)
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
    if (s->resume && !cli_sweep_read_done(s, jsonl_path, a, b, count)) {
        return CLI_EXIT_OUTPUT;
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

    int status =
        jobs_run(count, workers, cli_sweep_options, cli_sweep_result, s, s->host_timeout_ms) == 0
            ? DRVSIM_EXIT_OK
            : CLI_EXIT_HOST;
    if (!to_stdout && !cli_close_output(s->jsonl, jsonl_path)) {
        status = CLI_EXIT_HOST;
    } else if (s->write_failed) {
        fprintf(stderr, "drvsim: cannot write the JSON lines to %s\n",
                to_stdout ? "standard output" : jsonl_path);
        status = CLI_EXIT_HOST;
    }
    if (s->out_of_memory) {
        fprintf(stderr, "drvsim: out of memory: the summary is incomplete\n");
        status = CLI_EXIT_HOST;
    }
    FILE *out = to_stdout ? stderr : stdout;
    out_summary_write(out, &s->summary, scenario, &s->a.raw);
    fflush(out);
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
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"max-events", required_argument, NULL, OPT_MAX_EVENTS},
        {"max-instructions", required_argument, NULL, OPT_MAX_INSTRUCTIONS},
        {"fail-nth", required_argument, NULL, OPT_FAIL_NTH},
        {"replay", required_argument, NULL, OPT_REPLAY},
        {"resume", no_argument, NULL, OPT_RESUME},
        {"host-timeout", required_argument, NULL, OPT_HOST_TIMEOUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_sweep s;
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
        } else if (!seeds_given) {
            status = cli_usage_error(usage_sweep, "missing --seeds A..B");
        } else if (s.resume && (jsonl_path == NULL || strcmp(jsonl_path, "-") == 0)) {
            status = cli_usage_error(usage_sweep, "--resume needs --jsonl PATH (a file)");
        } else if (!cli_sim_finish(&s.a, usage_sweep)) {
            status = DRVSIM_EXIT_USAGE;
        }
    }
    if (status < 0) {
        s.a.options.scenario_path = pos.items[0];
        status = cli_sweep_all(&s, a, b, k, workers, jsonl_path);
    }
    out_summary_free(&s.summary);
    faults_choices_free(&s.a.replay);
    free(s.done);
    free(pos.items);
    return status;
}
