/*
 * main.c - the drvsim command line: run, test, sweep, rules (CONTRACT
 * section 1). Parsing and printing live here; running many jobs is jobs.c,
 * formats are output.c, the bug check report is sim/kd/report.c.
 */
#define _XOPEN_SOURCE 700 /* realpath(3) */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
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
#include "sarif.h"
#include "version.h"
#include "vf/vf_settings.h"
#include "watchdog.h"

static const char usage_main[] =
    "usage: drvsim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.lua     run one scenario and report how it ended\n"
    "  test [PATH ...]      run scenario files and directories (default scenarios/), PASS/FAIL\n"
    "  sweep SCENARIO.lua   run one scenario over a range of seeds\n"
    "  explore-faults SCENARIO.lua\n"
    "                       fail each eligible allocation site once, in turn\n"
    "  shrink SCENARIO.lua  minimise the injected failures of a crashing run\n"
    "  rules                list the rules drvsim checks\n"
    "  ddis                 list the kernel routines drivers can call\n"
    "\n"
    "  drvsim --version     print the version\n"
    "  drvsim --help        this text; `drvsim COMMAND --help` for a command's options\n"
    "\n"
    "exit status: 0 as expected, 1 not as expected, 2 usage error, 3 scenario error\n"
    "(or the run reached --host-timeout)\n";

static const char usage_run[] =
    "usage: drvsim run SCENARIO.lua [options]\n"
    "\n"
    "  --seed N                the run's seed, decimal or 0x hex (default: the scenario's,\n"
    "                          else 1)\n" USAGE_SIM_OPTIONS
    "  --json PATH|-           write the result as one JSON object to PATH; with -, to\n"
    "                          standard output (the report then goes to standard error);\n"
    "                          outcome clean, bugcheck, timeout, error, or deadlock (every\n"
    "                          thread waits and nothing can wake one: a hang on Windows;\n"
    "                          the wait-for graph is in \"deadlock\")\n"
    "  --trace PATH            write the simulation trace as text to PATH\n"
    "  --perfetto PATH         write the run's timeline to PATH as Chrome trace event JSON\n"
    "                          (open it in Perfetto or chrome://tracing): processors with\n"
    "                          their IRQL, threads, DPCs, ISRs, DDI calls, pool and\n"
    "                          verifier counters, the bug check; simulated time\n"
    "  --record FILE           write the failures low resources simulation injected to\n"
    "                          FILE, keyed by DDI, tag and ordinal (for --replay)\n"
    "  --quiet                 no report; only --json - writes to standard "
    "output\n" USAGE_HOST_TIMEOUT "  -h, --help              this text\n"
    "\n"
    "exit status: 0 as expected, 1 not as expected, 2 usage error, 3 scenario error\n"
    "(or the run reached --host-timeout)\n";

static const char usage_test[] =
    "usage: drvsim test [PATH ...] [options]\n"
    "\n"
    "Runs each PATH that is a file, and every *.lua file under each PATH that is a\n"
    "directory (sorted; skipping names that begin with . or _ and directories named\n"
    "drivers). Default PATH: scenarios/. Prints PASS or FAIL per scenario, then\n"
    "\"N passed, N failed\".\n"
    "\n"
    "  --filter PATTERN        run only the scenarios whose path matches PATTERN: a glob\n"
    "                          (fnmatch, '*' crosses '/') when it has * ? or [, else a\n"
    "                          substring; given again, a scenario matching any runs\n"
    "  --seed N                run every scenario with this seed instead of its own\n"
    "  --verifier \"ARGS\"       run every scenario with these verifier.exe settings\n"
    "                          instead of its own (its expect still applies)\n"
    "  --junit PATH            also write JUnit XML to PATH (Jenkins' schema): a bug check\n"
    "                          is a <failure> typed by its name, a scenario error an\n"
    "                          <error>, DbgPrint output the case's <system-out>; times are\n"
    "                          simulated seconds, so the file is reproducible\n"
    "  --junit-host-time       JUnit times are the runs' wall time instead\n"
    "  --sarif PATH            also write a SARIF 2.1.0 log to PATH: one result per failing\n"
    "                          scenario, with its rule, scenario line and replay command\n"
    "  --perfetto-dir DIR      write the timeline of each failing scenario to DIR (made\n"
    "                          if missing), one Chrome trace event JSON file each, named\n"
    "                          by its path ('/' as '_') + .json, for Perfetto\n"
    "  -j, --jobs N            run N scenarios at a time in worker processes (default 1)\n"
    "  --check-determinism     run each scenario twice; a different outcome or digest fails\n"
    "  --tap                   TAP output (ok / not ok per scenario) for test "
    "harnesses\n"
    "  --races                 every scenario with the data race detector on (/races\n"
    "                          added to its verifier settings)\n" USAGE_HOST_TIMEOUT
    "                          (per scenario: a hung scenario is one FAIL line)\n"
    "  -h, --help              this text\n"
    "\n"
    "exit status: 0 all passed, 1 some failed, 2 usage error\n";

static const char usage_rules[] = "usage: drvsim rules [--json] [RULE ...]\n"
                                  "\n"
                                  "Lists the rules drvsim checks: id, bug check code and\n"
                                  "parameter, the /flags option that enables it (auto: always\n"
                                  "on for a verified driver; kernel: raised by the kernel\n"
                                  "itself), and what it means. Given rule ids, shows those\n"
                                  "rules only, each with what its four parameters hold.\n"
                                  "\n"
                                  "  --json                  as a JSON array\n"
                                  "  -h, --help              this text\n";

/* ------------------------------------------------------------------------ */
/* Parsing helpers                                                          */
/* ------------------------------------------------------------------------ */

__attribute__((format(printf, 2, 3))) int cli_usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("drvsim: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fputs(usage, stderr);
    return DRVSIM_EXIT_USAGE;
}

/* Explains what getopt_long refused (it prints nothing: opterr = 0). */
int cli_getopt_error(int c, char **argv, const char *usage)
{
    const char *arg = argv[optind - 1];
    if (c == ':') {
        return cli_usage_error(usage, "option '%s' needs a value", arg);
    }
    if (strncmp(arg, "--", 2) == 0) {
        /* glibc sets optopt for a known long option given a value it does
         * not take ("--quiet=1"), and leaves it 0 for an unknown one. */
        if (optopt != 0) {
            return cli_usage_error(usage, "option '%s' takes no value", arg);
        }
        return cli_usage_error(usage, "unknown or ambiguous option '%s'", arg);
    }
    return cli_usage_error(usage, "unknown option '-%c'", optopt);
}

/* An unsigned 64-bit number, decimal or 0x hex, nothing else around it. */
bool cli_parse_u64(const char *s, uint64_t *out)
{
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    const char *digits = base == 16 ? "0123456789abcdefABCDEF" : "0123456789";
    size_t n = strspn(s, digits);
    if (n == 0 || s[n] != '\0') {
        return false;
    }
    errno = 0;
    unsigned long long v = strtoull(s, NULL, base);
    if (errno == ERANGE) {
        return false;
    }
    *out = v;
    return true;
}

/*
 * Takes one of the shared simulation options. Returns 1 when c was one
 * (and its value good), 0 when c is not a simulation option, and -1 after a
 * usage error (printed with `usage`).
 */
int cli_sim_option(int c, const char *arg, cli_sim_args *a, const char *usage)
{
    uint64_t v;
    switch (c) {
    case OPT_VERIFIER: {
        /* Checked here, once: a bad value is a usage error, not N failed runs. */
        char err[300];
        vf_settings check;
        vf_settings_init(&check);
        bool ok = vf_settings_parse(&check, arg, err, sizeof err);
        vf_settings_free(&check);
        if (!ok) {
            cli_usage_error(usage, "--verifier: %s", err);
            return -1;
        }
        a->options.verifier = a->raw.verifier = arg;
        return 1;
    }
    case OPT_GFLAGS: {
        char err[300];
        vf_gflags check;
        vf_gflags_init(&check);
        if (!vf_gflags_parse(&check, arg, err, sizeof err)) {
            cli_usage_error(usage, "--gflags: %s", err);
            return -1;
        }
        a->options.gflags = a->raw.gflags = arg;
        return 1;
    }
    case OPT_CPUS:
        if (!cli_parse_u64(arg, &v) || v < 1 || v > CLI_MAX_CPUS) {
            cli_usage_error(usage, "--cpus wants a number from 1 to %u, not '%s'", CLI_MAX_CPUS,
                            arg);
            return -1;
        }
        a->options.cpus = (uint32_t)v;
        a->raw.cpus = arg;
        return 1;
    case OPT_SCHED: {
        ke_sched check;
        if (!ke_sched_parse(arg, &check)) {
            cli_usage_error(usage,
                            "--sched wants random, pct, pct:D or pct:D:K (D 1..%d), or "
                            "directed:FILE:LINE[,FILE:LINE...] (at most %d sites), each "
                            "optionally followed by +accesses, not '%s'",
                            KE_PCT_MAX_DEPTH, KE_DIRECTED_MAX_SITES, arg);
            return -1;
        }
        a->options.sched = a->raw.sched = arg;
        return 1;
    }
    case OPT_KD:
        a->options.kd = a->raw.kd = true;
        return 1;
    case OPT_RACES:
        a->options.races = a->raw.races = true;
        return 1;
    case OPT_LIMIT:
        /* 0 would mean "the default" to drvsim_run: refuse it rather than
         * silently run for an hour. */
        if (!des_parse_duration(arg, &v) || v == 0) {
            cli_usage_error(usage,
                            "--limit wants a duration such as 250ms, 10s, 7min or 1h, "
                            "not '%s'",
                            arg);
            return -1;
        }
        a->options.limit_time_100ns = v;
        a->raw.limit = arg;
        return 1;
    case OPT_FAIL_NTH:
        if (!cli_parse_u64(arg, &v) || v == 0) {
            cli_usage_error(usage, "--fail-nth wants a positive number, not '%s'", arg);
            return -1;
        }
        a->options.fail_nth = v;
        a->raw.fail_nth = arg;
        return 1;
    case OPT_REPLAY: {
        char err[600];
        faults_choices_free(&a->replay);
        if (!faults_read(arg, &a->replay, err, sizeof err)) {
            cli_usage_error(usage, "--replay: %s", err);
            return -1;
        }
        a->options.replay_given = true;
        a->options.replay = a->replay.keys;
        a->options.replay_count = a->replay.count;
        a->options.replay_switches_given = a->replay.has_switches;
        a->options.replay_switches = a->replay.switches;
        a->options.replay_switch_count = a->replay.switch_count;
        a->raw.replay = arg;
        return 1;
    }
    case OPT_MAX_EVENTS:
    case OPT_MAX_INSTRUCTIONS:
        if (!cli_parse_u64(arg, &v) || v == 0) {
            cli_usage_error(usage, "%s wants a positive number, not '%s'",
                            c == OPT_MAX_EVENTS ? "--max-events" : "--max-instructions", arg);
            return -1;
        }
        if (c == OPT_MAX_EVENTS) {
            a->options.limit_events = v;
            a->raw.max_events = arg;
        } else {
            a->options.limit_instructions = v;
            a->raw.max_instructions = arg;
        }
        return 1;
    default:
        return 0;
    }
}

/* After parsing: a choice file's seed and settings apply unless given, and
 * --fail-nth and --replay exclude each other. Returns false after a usage
 * error. */
/* The options of the command line's runs, for the replay command an
 * internal abort prints (none for test: its runs take no options). */
static const out_cli_args *abort_args;

/* drvsim_abort_fn: the run an internal check failed in, and how to replay
 * it. The heap may be damaged: a replay line that cannot be built is "?". */
static void cli_abort_report(void *ctx, const drvsim_abort_info *info)
{
    (void)ctx;
    static const out_cli_args none;
    fprintf(stderr, "drvsim: this is a drvsim bug; the run: scenario %s, seed %" PRIu64 "%s%s\n",
            info->scenario, info->seed, info->where[0] != '\0' ? ", at " : "", info->where);
    char *replay =
        out_replay_command(info->scenario, info->seed, abort_args != NULL ? abort_args : &none);
    fprintf(stderr, "  replay: %s\n", replay != NULL ? replay : "?");
    free(replay);
}

bool cli_sim_finish(cli_sim_args *a, const char *usage)
{
    abort_args = &a->raw;
    if (a->options.fail_nth != 0 && a->options.replay_given) {
        cli_usage_error(usage, "--fail-nth and --replay exclude each other");
        return false;
    }
    if (a->options.replay_given) {
        if (!a->options.seed_given && a->replay.has_seed) {
            a->options.seed_given = true;
            a->options.seed = a->replay.seed;
        }
        if (a->options.verifier == NULL && a->replay.verifier != NULL) {
            a->options.verifier = a->raw.verifier = a->replay.verifier;
        }
        /* The strategy's draws still happen under replayed decisions: the
         * recorded one keeps the rest of the "sched" stream in place. */
        ke_sched check;
        if (a->options.sched == NULL && a->replay.sched != NULL &&
            ke_sched_parse(a->replay.sched, &check)) {
            a->options.sched = a->raw.sched = a->replay.sched;
        }
    }
    return true;
}

/*
 * The positional arguments: those getopt_long returned as 1 (the "-" at the
 * head of the option string asks for that, so options may follow them
 * whatever POSIXLY_CORRECT says), then whatever follows "--".
 */
bool cli_args_init(cli_args *p, int argc)
{
    p->count = 0;
    p->items = malloc((size_t)argc * sizeof *p->items);
    return p->items != NULL;
}

void cli_args_rest(cli_args *p, int argc, char **argv)
{
    while (optind < argc) {
        p->items[p->count++] = argv[optind++];
    }
}

/* -j N */
bool cli_parse_jobs(const char *arg, unsigned *out, const char *usage)
{
    uint64_t v;
    if (!cli_parse_u64(arg, &v) || v < 1 || v > JOBS_MAX_WORKERS) {
        cli_usage_error(usage, "-j wants a number from 1 to %u, not '%s'", JOBS_MAX_WORKERS, arg);
        return false;
    }
    *out = (unsigned)v;
    return true;
}

FILE *cli_open_output(const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "drvsim: cannot write %s: %s\n", path, strerror(errno));
    }
    return f;
}

/* Closes an output file, saying so if what was written did not arrive. */
bool cli_close_output(FILE *f, const char *path)
{
    bool ok = !ferror(f);
    ok = fclose(f) == 0 && ok;
    if (!ok) {
        fprintf(stderr, "drvsim: cannot write %s: %s\n", path, strerror(errno));
    }
    return ok;
}

/* Text written by fn, as a malloc'd string (NULL when out of memory). */
static char *cli_text(void (*fn)(FILE *, const drvsim_result *), const drvsim_result *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL) {
        return NULL;
    }
    fn(f, r);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* ------------------------------------------------------------------------ */
/* drvsim run                                                               */
/* ------------------------------------------------------------------------ */

static int cli_run_report(const cli_sim_args *a, const char *json_path, bool quiet,
                          const char *record_path, uint64_t host_timeout_ms)
{
    const char *scenario = a->options.scenario_path;
    bool json_stdout = json_path != NULL && strcmp(json_path, "-") == 0;
    FILE *json_file = NULL;
    drvsim_result r;
    int status;

    /* Before the run: an unwritable path should not cost a whole run. */
    if (json_path != NULL && !json_stdout) {
        json_file = cli_open_output(json_path);
        if (json_file == NULL) {
            return CLI_EXIT_OUTPUT;
        }
    }

    watchdog_arm(host_timeout_ms, scenario, a->options.seed_given ? &a->options.seed : NULL, true);
    status = drvsim_run(&a->options, &r);
    watchdog_disarm();
    for (size_t i = 0; i < r.note_count; i++) {
        fprintf(stderr, "drvsim: note: %s\n", r.notes[i]);
    }
    char *replay = out_replay_command(scenario, r.seed, &a->raw);
    out_make_it_real(&r, scenario, &a->raw);
    /* What the drivers printed, as a debugger shows it, before the report. */
    for (size_t i = 0; !quiet && i < r.debug_output_count; i++) {
        fputs(r.debug_output[i], stderr);
    }
    out_warnings_write(stderr, &r, quiet);
    if (r.outcome == DRVSIM_OUTCOME_ERROR) {
        fprintf(stderr, "drvsim: %s\n", r.message[0] != '\0' ? r.message : "scenario error");
    } else if (!quiet) {
        kd_report_write(json_stdout ? stderr : stdout, &r, replay);
        /* A bug check the scenario asked for is a pass (exit 0), which a
         * report alone does not say. On standard error, after the report:
         * --json - keeps standard output for the JSON. */
        fflush(stdout);
        out_write_matched(stderr, &r);
    }

    if (json_path != NULL) {
        json_t *j = out_result_json(&r, replay, true);
        FILE *out = json_stdout ? stdout : json_file;
        bool ok = j != NULL && out_json_dump(j, JSON_INDENT(2), out);
        json_decref(j);
        if (json_file != NULL) {
            ok = cli_close_output(json_file, json_path) && ok;
        }
        if (!ok) {
            fprintf(stderr, "drvsim: could not write the JSON result to %s\n",
                    json_stdout ? "standard output" : json_path);
            status = CLI_EXIT_HOST;
        }
    }
    if (record_path != NULL && r.outcome != DRVSIM_OUTCOME_ERROR) {
        char err[600];
        if (r.fault_total > r.fault_count) {
            fprintf(stderr,
                    "drvsim: --record: %" PRIu64 " failures injected, only the first %zu "
                    "are recorded\n",
                    r.fault_total, r.fault_count);
        }
        if (!faults_write(record_path, scenario, r.seed, a->options.verifier, a->options.sched,
                          r.faults, r.fault_count, r.switches, r.switch_count, err, sizeof err)) {
            fprintf(stderr, "drvsim: --record: %s\n", err);
            status = CLI_EXIT_HOST;
        }
    }
    free(replay);
    drvsim_result_free(&r);
    return status;
}

static int cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"seed", required_argument, NULL, OPT_SEED},
        {"verifier", required_argument, NULL, OPT_VERIFIER},
        {"gflags", required_argument, NULL, OPT_GFLAGS},
        {"cpus", required_argument, NULL, OPT_CPUS},
        {"sched", required_argument, NULL, OPT_SCHED},
        {"kd", no_argument, NULL, OPT_KD},
        {"races", no_argument, NULL, OPT_RACES},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"max-events", required_argument, NULL, OPT_MAX_EVENTS},
        {"max-instructions", required_argument, NULL, OPT_MAX_INSTRUCTIONS},
        {"json", required_argument, NULL, OPT_JSON},
        {"trace", required_argument, NULL, OPT_TRACE},
        {"perfetto", required_argument, NULL, OPT_PERFETTO},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"fail-nth", required_argument, NULL, OPT_FAIL_NTH},
        {"replay", required_argument, NULL, OPT_REPLAY},
        {"record", required_argument, NULL, OPT_RECORD},
        {"host-timeout", required_argument, NULL, OPT_HOST_TIMEOUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t host_timeout_ms = WATCHDOG_DEFAULT_MS;
    cli_sim_args a;
    cli_args pos;
    const char *json_path = NULL;
    const char *record_path = NULL;
    bool quiet = false;
    int c;
    int status = -1;

    memset(&a, 0, sizeof a);
    if (!cli_args_init(&pos, argc)) {
        fprintf(stderr, "drvsim: out of memory\n");
        return CLI_EXIT_HOST;
    }
    optind = 0; /* glibc: start over, re-reading the option string's mode */
    opterr = 0;
    while (status < 0 && (c = getopt_long(argc, argv, "-:h", longopts, NULL)) != -1) {
        switch (c) {
        case 1:
            pos.items[pos.count++] = optarg;
            break;
        case 'h':
            fputs(usage_run, stdout);
            status = 0;
            break;
        case OPT_SEED:
            if (!cli_parse_u64(optarg, &a.options.seed)) {
                status = cli_usage_error(usage_run, "--seed wants a number, not '%s'", optarg);
            }
            a.options.seed_given = true;
            break;
        case OPT_JSON:
            json_path = optarg;
            break;
        case OPT_TRACE:
            a.options.trace_path = optarg;
            break;
        case OPT_PERFETTO:
            a.options.perfetto_path = optarg;
            break;
        case OPT_QUIET:
            quiet = true;
            break;
        case OPT_RECORD:
            record_path = optarg;
            a.options.record_switches = true; /* the schedule goes in the file too */
            break;
        case OPT_HOST_TIMEOUT:
            if (!watchdog_parse(optarg, &host_timeout_ms, usage_run)) {
                status = DRVSIM_EXIT_USAGE;
            }
            break;
        case '?':
        case ':':
            status = cli_getopt_error(c, argv, usage_run);
            break;
        default:
            if (cli_sim_option(c, optarg, &a, usage_run) < 0) {
                status = DRVSIM_EXIT_USAGE;
            }
        }
    }
    if (status < 0) {
        cli_args_rest(&pos, argc, argv);
        if (pos.count == 0) {
            status = cli_usage_error(usage_run, "missing the scenario file");
        } else if (pos.count > 1) {
            status = cli_usage_error(usage_run, "unexpected argument '%s'", pos.items[1]);
        }
    }
    if (status < 0 && !cli_sim_finish(&a, usage_run)) {
        status = DRVSIM_EXIT_USAGE;
    }
    if (status < 0 && cli_parse_only) {
        status = DRVSIM_EXIT_OK;
    }
    if (status < 0) {
        a.options.scenario_path = pos.items[0];
        status = cli_run_report(&a, json_path, quiet, record_path, host_timeout_ms);
    }
    faults_choices_free(&a.replay);
    free(pos.items);
    return status;
}

/* ------------------------------------------------------------------------ */
/* drvsim test                                                              */
/* ------------------------------------------------------------------------ */

typedef struct cli_paths {
    char **items;
    size_t count;
    size_t capacity;
} cli_paths;

static bool cli_paths_add(cli_paths *p, const char *path)
{
    if (p->count == p->capacity) {
        size_t cap = p->capacity == 0 ? 32 : 2 * p->capacity;
        char **grown = realloc(p->items, cap * sizeof *grown);
        if (grown == NULL) {
            return false;
        }
        p->items = grown;
        p->capacity = cap;
    }
    char *copy = strdup(path);
    if (copy == NULL) {
        return false;
    }
    p->items[p->count++] = copy;
    return true;
}

static void cli_paths_free(cli_paths *p)
{
    for (size_t i = 0; i < p->count; i++) {
        free(p->items[i]);
    }
    free(p->items);
    memset(p, 0, sizeof *p);
}

/* --filter: keeps the scenarios whose path matches one of the patterns, a
 * glob when it has a wildcard (fnmatch without FNM_PATHNAME: '*' crosses
 * directories), else a substring. */
static void cli_filter(cli_paths *p, const char *const *patterns, size_t count)
{
    size_t kept = 0;
    for (size_t i = 0; i < p->count; i++) {
        bool match = false;
        for (size_t k = 0; k < count && !match; k++) {
            const char *pat = patterns[k];
            match = strpbrk(pat, "*?[") != NULL ? fnmatch(pat, p->items[i], 0) == 0
                                                : strstr(p->items[i], pat) != NULL;
        }
        if (match) {
            p->items[kept++] = p->items[i];
        } else {
            free(p->items[i]);
        }
    }
    p->count = kept;
}

static int cli_path_order(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool cli_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s);
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* Whether path, every symbolic link resolved, lies below root (resolved).
 * A scenario found by walking a directory stays inside it: a link such as
 * scenarios/x.lua -> /etc/passwd would otherwise run a host file. */
static bool cli_inside(const char *path, const char *root)
{
    char real[PATH_MAX];
    if (realpath(path, real) == NULL) {
        return true; /* a dangling link: reading it fails with its own message */
    }
    size_t n = strlen(root);
    return strncmp(real, root, n) == 0 && (real[n] == '/' || strcmp(root, "/") == 0);
}

/* Adds every scenario under dir, which lies below root (realpath'd). On
 * failure prints why and returns false. */
static bool cli_walk(cli_paths *out, const char *dir, const char *root, int depth)
{
    if (depth > CLI_MAX_DEPTH) {
        fprintf(stderr, "drvsim: %s: directories nested too deep (a symbolic link loop?)\n", dir);
        return false;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "drvsim: cannot read %s: %s\n", dir, strerror(errno));
        return false;
    }
    bool ok = true;
    bool slash = cli_ends_with(dir, "/");
    struct dirent *e;
    while (ok && (e = readdir(d)) != NULL) {
        /* ".", "..", hidden files, and _helpers.lua that scenarios share. */
        if (e->d_name[0] == '.' || e->d_name[0] == '_') {
            continue;
        }
        char *path = NULL;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        path = malloc(n);
        if (path == NULL) {
            fprintf(stderr, "drvsim: out of memory\n");
            ok = false;
            break;
        }
        snprintf(path, n, "%s%s%s", dir, slash ? "" : "/", e->d_name);
        struct stat st;
        bool is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
        bool wanted = (is_dir && strcmp(e->d_name, "drivers") != 0) ||
                      (!is_dir && cli_ends_with(e->d_name, ".lua"));
        if (wanted && !cli_inside(path, root)) {
            fprintf(stderr,
                    "drvsim: %s leads outside %s (a symbolic link); drvsim test does not "
                    "follow it\n",
                    path, root);
            ok = false;
        } else if (is_dir && strcmp(e->d_name, "drivers") != 0) {
            ok = cli_walk(out, path, root, depth + 1);
        } else if (!is_dir && cli_ends_with(e->d_name, ".lua")) {
            ok = cli_paths_add(out, path);
            if (!ok) {
                fprintf(stderr, "drvsim: out of memory\n");
            }
        }
        free(path);
    }
    closedir(d);
    return ok;
}

/* Adds PATH: a file as it is, a directory as its scenarios in byte order. */
static int cli_collect(cli_paths *out, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        return cli_usage_error(usage_test, "cannot read %s: %s", path, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
        if (!cli_paths_add(out, path)) {
            fprintf(stderr, "drvsim: out of memory\n");
            return CLI_EXIT_HOST;
        }
        return 0;
    }
    size_t first = out->count;
    char root[PATH_MAX];
    if (realpath(path, root) == NULL) {
        return cli_usage_error(usage_test, "cannot read %s: %s", path, strerror(errno));
    }
    if (!cli_walk(out, path, root, 0)) {
        return DRVSIM_EXIT_USAGE;
    }
    qsort(out->items + first, out->count - first, sizeof *out->items, cli_path_order);
    return 0;
}

typedef struct cli_test {
    cli_paths scenarios;
    cli_sim_args a; /* --seed and --verifier, for every scenario */
    bool host_time; /* --junit-host-time */
    bool sarif_on;
    sarif_log sarif;
    const char *perfetto_dir; /* --perfetto-dir */
    size_t *failing;          /* the failing scenarios' indices, for it */
    size_t failing_count;
    char *timeline;           /* the timeline path of the job being run again */
    bool timeline_ok;
    bool check_determinism; /* jobs 2k and 2k+1 both run scenario k */
    bool tap;               /* TAP lines instead of PASS/FAIL (meson, prove) */
    bool races;             /* --races: every scenario with the race detector on */
    drvsim_result first;    /* of the pair being checked (without its notes) */
    size_t passed;
    size_t failed;
    bool junit;
    out_junit_case *cases; /* one per scenario when junit */
} cli_test;

static void cli_test_options(void *ctx, size_t index, drvsim_options *options)
{
    const cli_test *t = ctx;
    size_t k = t->check_determinism ? index / 2 : index;
    options->scenario_path = t->scenarios.items[k];
    options->seed_given = t->a.options.seed_given;
    options->seed = t->a.options.seed;
    options->verifier = t->a.options.verifier;
    options->races = t->races;
}

/* What the drivers printed, one string; NULL for nothing. */
static char *cli_debug_text(const drvsim_result *r)
{
    if (r->debug_output_count == 0) {
        return NULL;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < r->debug_output_count; i++) {
        fputs(r->debug_output[i], f);
    }
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* A failure's JUnit type: the bug check's name (its code when it has
 * none), or what else ended the run. */
static char *cli_failure_type(const drvsim_result *r, bool nondeterministic)
{
    char text[64];
    const char *name = drvsim_bugcode_name(r->bugcheck.code);
    if (nondeterministic) {
        snprintf(text, sizeof text, "nondeterministic");
    } else if (r->outcome == DRVSIM_OUTCOME_BUGCHECK && name != NULL) {
        snprintf(text, sizeof text, "%s", name);
    } else if (r->outcome == DRVSIM_OUTCOME_BUGCHECK) {
        snprintf(text, sizeof text, "bug check 0x%" PRIX32, r->bugcheck.code);
    } else if (r->outcome == DRVSIM_OUTCOME_ERROR) {
        snprintf(text, sizeof text, "scenario error");
    } else if (r->outcome == DRVSIM_OUTCOME_CLEAN) {
        snprintf(text, sizeof text, "expectation"); /* an expected bug check did not happen */
    } else {
        snprintf(text, sizeof text, "%s", drvsim_outcome_name(r->outcome));
    }
    return strdup(text);
}

/* The JUnit case of one scenario; on failure, `why`, its type and the full
 * report, headed by the scenario file. */
static void cli_test_case(cli_test *t, size_t k, const drvsim_result *r, const char *why,
                          bool nondeterministic, const char *replay)
{
    out_junit_case *c = &t->cases[k];
    const char *path = t->scenarios.items[k];
    const char *slash = strrchr(path, '/');
    c->classname = slash != NULL ? strndup(path, (size_t)(slash - path)) : strdup(".");
    c->name = strdup(slash != NULL ? slash + 1 : path);
    /* Host time in the same 100 ns units, rounded to them. */
    c->time_100ns = t->host_time ? (r->host_time_ns + 50) / 100 : r->sim_time_100ns;
    c->system_out = cli_debug_text(r);
    if (why == NULL) {
        return;
    }
    c->kind = r->outcome == DRVSIM_OUTCOME_ERROR && !nondeterministic ? "error" : "failure";
    c->type = cli_failure_type(r, nondeterministic);
    c->failure = strdup(why);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f != NULL) {
        fprintf(f, "scenario %s", path);
        if (r->outcome == DRVSIM_OUTCOME_BUGCHECK && r->bugcheck.site[0] != '\0') {
            fprintf(f, ", at %s", r->bugcheck.site);
        }
        fputc('\n', f);
        if (r->outcome == DRVSIM_OUTCOME_ERROR) {
            fprintf(f, "%s\n  replay: %s\n", r->message, replay != NULL ? replay : "?");
        } else {
            kd_report_write(f, r, replay);
        }
        if (fclose(f) != 0) {
            free(text);
            text = NULL;
        }
    }
    c->details = text;
}

/* "0x1f2e3d4c5b6a7988", or "0x1f2e3d4c5b6a7988 (clean)". */
static void cli_digest_text(const drvsim_result *r, bool with_outcome, char *buf, size_t size)
{
    snprintf(buf, size, "0x%016" PRIx64 "%s%s%s", r->digest, with_outcome ? " (" : "",
             with_outcome ? drvsim_outcome_name(r->outcome) : "", with_outcome ? ")" : "");
}

static bool cli_test_result(void *ctx, size_t index, const drvsim_result *r, int signo,
                            const char *line, bool more)
{
    (void)line;
    (void)more;
    (void)signo; /* the message says it: "simulator crashed: signal ..." */
    cli_test *t = ctx;
    size_t k = t->check_determinism ? index / 2 : index;
    const char *path = t->scenarios.items[k];
    char *why = NULL;

    if (t->check_determinism) {
        if (index % 2 == 0) {
            t->first = *r;
            t->first.notes = NULL; /* they are freed when we return */
            t->first.note_count = 0;
            return true;
        }
        if (t->first.digest != r->digest || t->first.outcome != r->outcome) {
            bool with_outcome = t->first.outcome != r->outcome;
            char first[64];
            char second[64];
            char text[160];
            cli_digest_text(&t->first, with_outcome, first, sizeof first);
            cli_digest_text(r, with_outcome, second, sizeof second);
            snprintf(text, sizeof text, "nondeterministic: digest %s then %s", first, second);
            why = strdup(text);
        }
        r = &t->first;
    }
    bool pass = why == NULL && r->expected;
    if (!pass && t->failing != NULL) {
        t->failing[t->failing_count++] = k;
    }
    if (why == NULL && !r->expected) {
        why = cli_text(out_write_failure, r);
    }

    if (pass) {
        if (t->tap)
            printf("ok %zu - %s (", k + 1, path);
        else
            printf("PASS %s (", path);
        out_write_outcome(stdout, r);
        printf(", digest 0x%016" PRIx64 ")\n", r->digest);
        t->passed++;
    } else {
        if (t->tap)
            printf("not ok %zu - %s: %s\n", k + 1, path, why != NULL ? why : "out of memory");
        else
            printf("FAIL %s: %s\n", path, why != NULL ? why : "out of memory");
        t->failed++;
    }
    fflush(stdout); /* progress, and nothing lost if a later scenario hangs */
    if (t->junit || (t->sarif_on && !pass)) {
        bool nondeterministic = !pass && r->expected;
        char *replay = out_replay_command(path, r->seed, &t->a.raw);
        if (t->junit) {
            cli_test_case(t, k, r, pass ? NULL : why != NULL ? why : "out of memory",
                          nondeterministic, replay);
        }
        if (t->sarif_on && !pass) {
            sarif_add(&t->sarif, r, nondeterministic ? why : NULL, nondeterministic, replay, 0);
        }
        free(replay);
    }
    free(why);
    return true;
}

/* --perfetto-dir: each failing scenario again, with its timeline. */
static void cli_timeline_options(void *ctx, size_t index, drvsim_options *options)
{
    const cli_test *t = ctx;
    (void)index;
    options->scenario_path = t->scenarios.items[t->failing[0]];
    options->seed_given = t->a.options.seed_given;
    options->seed = t->a.options.seed;
    options->verifier = t->a.options.verifier;
    options->perfetto_path = t->timeline;
}

static bool cli_timeline_result(void *ctx, size_t index, const drvsim_result *r, int signo,
                                const char *line, bool more)
{
    (void)line;
    (void)more;
    (void)index;
    ((cli_test *)ctx)->timeline_ok = signo == 0 && r->outcome != DRVSIM_OUTCOME_ERROR;
    return true;
}

static bool cli_test_timelines(cli_test *t, uint64_t host_timeout_ms)
{
    if (t->failing_count > 0 && mkdir(t->perfetto_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "drvsim: --perfetto-dir: cannot make %s: %s\n", t->perfetto_dir,
                strerror(errno));
        return false;
    }
    bool ok = true;
    size_t *all = t->failing;
    size_t count = t->failing_count;
    for (size_t i = 0; i < count; i++) {
        const char *path = t->scenarios.items[all[i]];
        size_t n = strlen(t->perfetto_dir) + strlen(path) + 8;
        t->timeline = malloc(n);
        if (t->timeline == NULL) {
            return false;
        }
        int at = snprintf(t->timeline, n, "%s/", t->perfetto_dir);
        for (const char *p = path; *p != '\0'; p++) {
            t->timeline[at++] = *p == '/' ? '_' : *p;
        }
        snprintf(t->timeline + at, n - (size_t)at, ".json");
        t->failing = all + i; /* the job's scenario */
        t->timeline_ok = false;
        if (jobs_run(1, 1, cli_timeline_options, NULL, cli_timeline_result, t, host_timeout_ms) != 0 ||
            !t->timeline_ok) {
            /* A scenario error has no timeline worth the name. */
            fprintf(stderr, "drvsim: --perfetto-dir: no timeline for %s\n", path);
        } else {
            fprintf(stderr, "drvsim: the timeline of %s is in %s (perfetto)\n", path,
                    t->timeline);
        }
        free(t->timeline);
        t->timeline = NULL;
    }
    t->failing = all;
    return ok;
}

static int cli_test_all(cli_test *t, unsigned workers, const char *junit_path,
                        const char *sarif_path, uint64_t host_timeout_ms)
{
    FILE *junit = NULL;
    FILE *sarif = NULL;
    size_t count = t->scenarios.count;

    if (sarif_path != NULL) {
        sarif = cli_open_output(sarif_path);
        if (sarif == NULL) {
            return CLI_EXIT_OUTPUT;
        }
        sarif_init(&t->sarif);
        t->sarif_on = true;
    }

    if (junit_path != NULL) {
        junit = cli_open_output(junit_path);
        t->cases = calloc(count + 1, sizeof *t->cases);
        if (junit == NULL || t->cases == NULL) {
            if (junit != NULL) {
                fclose(junit);
            }
            if (sarif != NULL) {
                fclose(sarif);
            }
            return CLI_EXIT_HOST;
        }
        t->junit = true;
    }

    if (t->perfetto_dir != NULL && (t->failing = calloc(count + 1, sizeof *t->failing)) == NULL) {
        fprintf(stderr, "drvsim: out of memory\n");
        return CLI_EXIT_HOST;
    }
    size_t jobs = t->check_determinism ? 2 * count : count;
    if (t->tap)
        printf("1..%zu\n", count);
    int status = jobs_run(jobs, workers, cli_test_options, NULL, cli_test_result, t, host_timeout_ms) == 0
                     ? DRVSIM_EXIT_OK
                     : CLI_EXIT_HOST;
    if (status == DRVSIM_EXIT_OK) {
        printf("%s%zu passed, %zu failed\n", t->tap ? "# " : "", t->passed, t->failed);
        if (t->failed > 0) {
            status = DRVSIM_EXIT_MISMATCH;
        }
    }
    if (junit != NULL) {
        /* After a host failure the cases are incomplete: leave the file empty. */
        bool ok = status == CLI_EXIT_HOST || out_junit_write(junit, t->cases, count);
        if (!cli_close_output(junit, junit_path) || !ok) {
            status = CLI_EXIT_HOST;
        }
        for (size_t i = 0; i < count; i++) {
            out_junit_case_free(&t->cases[i]);
        }
    }
    if (t->perfetto_dir != NULL && status != CLI_EXIT_HOST &&
        !cli_test_timelines(t, host_timeout_ms)) {
        status = CLI_EXIT_HOST;
    }
    free(t->failing);
    if (sarif != NULL) {
        bool ok = status == CLI_EXIT_HOST || sarif_write(&t->sarif, sarif);
        if (!cli_close_output(sarif, sarif_path) || !ok) {
            status = CLI_EXIT_HOST;
        }
    }
    free(t->cases);
    return status;
}

static int cmd_test(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"junit", required_argument, NULL, OPT_JUNIT},
        {"junit-host-time", no_argument, NULL, OPT_JUNIT_HOST_TIME},
        {"sarif", required_argument, NULL, OPT_SARIF},
        {"perfetto-dir", required_argument, NULL, OPT_PERFETTO},
        {"filter", required_argument, NULL, OPT_FILTER},
        {"seed", required_argument, NULL, OPT_SEED},
        {"verifier", required_argument, NULL, OPT_VERIFIER},
        {"jobs", required_argument, NULL, 'j'},
        {"check-determinism", no_argument, NULL, OPT_CHECK_DETERMINISM},
        {"tap", no_argument, NULL, OPT_TAP},
        {"races", no_argument, NULL, OPT_RACES},
        {"host-timeout", required_argument, NULL, OPT_HOST_TIMEOUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t host_timeout_ms = WATCHDOG_DEFAULT_MS;
    cli_test t;
    cli_args pos;
    const char *junit_path = NULL;
    const char *sarif_path = NULL;
    cli_args filters;
    unsigned workers = 1;
    int c;
    int status = -1;

    memset(&t, 0, sizeof t);
    if (!cli_args_init(&filters, argc)) {
        fprintf(stderr, "drvsim: out of memory\n");
        return CLI_EXIT_HOST;
    }
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
            fputs(usage_test, stdout);
            status = 0;
            break;
        case 'j':
            if (!cli_parse_jobs(optarg, &workers, usage_test)) {
                status = DRVSIM_EXIT_USAGE;
            }
            break;
        case OPT_JUNIT:
            junit_path = optarg;
            break;
        case OPT_JUNIT_HOST_TIME:
            t.host_time = true;
            break;
        case OPT_SARIF:
            sarif_path = optarg;
            break;
        case OPT_PERFETTO:
            t.perfetto_dir = optarg;
            break;
        case OPT_FILTER:
            filters.items[filters.count++] = optarg;
            break;
        case OPT_SEED:
            if (!cli_parse_u64(optarg, &t.a.options.seed)) {
                status = cli_usage_error(usage_test, "--seed wants a number, not '%s'", optarg);
            }
            t.a.options.seed_given = true;
            break;
        case OPT_VERIFIER:
            if (cli_sim_option(c, optarg, &t.a, usage_test) < 0) {
                status = DRVSIM_EXIT_USAGE;
            }
            break;
        case OPT_CHECK_DETERMINISM:
            t.check_determinism = true;
            break;
        case OPT_TAP:
            t.tap = true;
            break;
        case OPT_RACES:
            t.races = true;
            break;
        case OPT_HOST_TIMEOUT:
            if (!watchdog_parse(optarg, &host_timeout_ms, usage_test)) {
                status = DRVSIM_EXIT_USAGE;
            }
            break;
        default:
            status = cli_getopt_error(c, argv, usage_test);
        }
    }
    if (status < 0 && cli_parse_only) {
        status = DRVSIM_EXIT_OK;
    }
    if (status < 0) {
        cli_args_rest(&pos, argc, argv);
        if (pos.count == 0) {
            status = cli_collect(&t.scenarios, "scenarios/");
        }
        for (size_t i = 0; i < pos.count && status <= 0; i++) {
            status = cli_collect(&t.scenarios, pos.items[i]);
        }
        if (status <= 0 && filters.count > 0) {
            cli_filter(&t.scenarios, (const char *const *)filters.items, filters.count);
        }
        abort_args = &t.a.raw;
        status = status <= 0 ? cli_test_all(&t, workers, junit_path, sarif_path, host_timeout_ms)
                             : status;
    }
    cli_paths_free(&t.scenarios);
    free(filters.items);
    free(pos.items);
    return status;
}

/* ------------------------------------------------------------------------ */
/* drvsim rules                                                             */
/* ------------------------------------------------------------------------ */

/* "0xC4/0x30", "0xC1/P4=0x20", "0x7E", or "any" (KeBugCheckEx's own code). */
static void cli_rule_code_text(const drvsim_rule_info *ri, char *buf, size_t size)
{
    int sub = ri->sub_param;
    if (ri->code == 0) {
        snprintf(buf, size, "any");
    } else if (sub == 1) {
        snprintf(buf, size, "0x%" PRIX32 "/0x%" PRIX64 "%s", ri->code, ri->sub_value,
                 ri->drvsim_own ? " (drvsim)" : "");
    } else if (sub != 0) {
        snprintf(buf, size, "0x%" PRIX32 "/P%d=0x%" PRIX64, ri->code, sub, ri->sub_value);
    } else {
        snprintf(buf, size, "0x%" PRIX32, ri->code);
    }
}

/* "auto", "kernel", "0x8 Pool tracking", or for an option that is no /flags
 * bit its switch: "/ruleclasses 35 DDI checking (additional IRQL rules)". */
static void cli_rule_option_text(const drvsim_rule_info *ri, char *buf, size_t size)
{
    char sw[32];
    const char *name = ri->option != 0 ? vf_option_name(ri->option, sw, sizeof sw) : NULL;
    if (ri->kernel) {
        snprintf(buf, size, "kernel");
    } else if (ri->option == 0) {
        snprintf(buf, size, "auto");
    } else if ((ri->option & VF_OPTIONS_EXTRA) != 0 && name != NULL) {
        snprintf(buf, size, "%s %s", sw, name);
    } else {
        snprintf(buf, size, "0x%" PRIX32 "%s%s", ri->option, name != NULL ? " " : "",
                 name != NULL ? name : "");
    }
}

static json_t *cli_rules_json(const drvsim_rule_info *const *rules, size_t count)
{
    json_t *array = json_array();
    bool ok = array != NULL;
    for (size_t i = 0; ok && i < count; i++) {
        const drvsim_rule_info *ri = rules[i];
        const char *name = drvsim_bugcode_name(ri->code);
        char option_switch[32] = "";
        const char *option =
            ri->option != 0 ? vf_option_name(ri->option, option_switch, sizeof option_switch)
                            : NULL;
        const char *watches = drvsim_rule_watches(ri);
        const char *conditions = drvsim_rule_conditions(ri);
        int sub = ri->sub_param;
        json_t *o = json_object();
        ok = json_array_append_new(array, o) == 0;
        ok = ok && json_object_set_new(o, "id", json_string(ri->id)) == 0;
        ok = ok && json_object_set_new(o, "code", json_integer(ri->code)) == 0;
        ok = ok && json_object_set_new(o, "name", name ? json_string(name) : json_null()) == 0;
        if (sub != 0) {
            ok = ok &&
                 json_object_set_new(o, sub == 1 ? "p1" : "p4", out_json_u64(ri->sub_value)) == 0;
        }
        ok = ok && json_object_set_new(o, "option", json_integer(ri->option)) == 0;
        ok = ok &&
             json_object_set_new(o, "option_name", option ? json_string(option) : json_null()) == 0;
        ok = ok && json_object_set_new(o, "kernel", json_boolean(ri->kernel)) == 0;
        ok = ok && json_object_set_new(o, "origin",
                                       json_string(ri->drvsim_own ? "drvsim" : "windows")) == 0;
        if (option != NULL) {
            ok = ok && json_object_set_new(o, "option_switch", json_string(option_switch)) == 0;
        }
        ok = ok && json_object_set_new(o, "description", json_string(ri->description)) == 0;
        /* A warning: reported in the run's "warnings", never a stop. */
        ok = ok && json_object_set_new(o, "warning",
                                       json_boolean(strncmp(ri->description,
                                                            "WDM DRIVER WARNING: ", 20) == 0)) == 0;
        if (watches != NULL) {
            /* A DDI compliance rule: what it watches, its conditions' texts. */
            ok = ok && json_object_set_new(o, "watches", json_string(watches)) == 0;
            ok = ok && json_object_set_new(o, "conditions", json_string(conditions)) == 0;
        }
        json_t *meanings = json_array();
        for (int p = 0; ok && p < 4; p++) {
            ok = json_array_append_new(meanings, json_string(ri->param_meaning[p])) == 0;
        }
        ok = ok && json_object_set_new(o, "param_meanings", meanings) == 0;
    }
    if (!ok) {
        json_decref(array);
        return NULL;
    }
    return array;
}

/* A DDI compliance rule's conditions, one a line after "condition: ". */
static void cli_print_conditions(const char *conditions)
{
    for (const char *p = conditions; p != NULL && *p != '\0';) {
        const char *end = strchr(p, '\n');
        int n = end != NULL ? (int)(end - p) : (int)strlen(p);
        printf("  condition: %.*s\n", n, p);
        p = end != NULL ? end + 1 : NULL;
    }
}

/* The rules asked for, one block each: what `rules` prints of one line,
 * then what P1..P4 hold. */
static int cli_rules_detail(const drvsim_rule_info *const *rules, size_t count)
{
    char code[48];
    char option[96];
    for (size_t i = 0; i < count; i++) {
        const drvsim_rule_info *ri = rules[i];
        const char *name = drvsim_bugcode_name(ri->code);
        cli_rule_code_text(ri, code, sizeof code);
        cli_rule_option_text(ri, option, sizeof option);
        printf("%s%s: %s%s%s, %s\n", i == 0 ? "" : "\n", ri->id, code, name != NULL ? " " : "",
               name != NULL ? name : "", option);
        printf("  %s\n", ri->description);
        const char *watches = drvsim_rule_watches(ri);
        if (watches != NULL) {
            printf("  watches: %s\n", watches);
            cli_print_conditions(drvsim_rule_conditions(ri));
        }
        for (int p = 0; p < 4; p++) {
            printf("  Arg%d: %s\n", p + 1, ri->param_meaning[p]);
        }
    }
    return DRVSIM_EXIT_OK;
}

static int cli_rules_table(void)
{
    int id_width = (int)strlen("RULE");
    int code_width = (int)strlen("CODE");
    int option_width = (int)strlen("OPTION");
    char code[48];
    char option[96];

    for (size_t i = 0; i < drvsim_rule_count(); i++) {
        const drvsim_rule_info *ri = drvsim_rule_at(i);
        cli_rule_code_text(ri, code, sizeof code);
        cli_rule_option_text(ri, option, sizeof option);
        int n = (int)strlen(ri->id);
        id_width = n > id_width ? n : id_width;
        n = (int)strlen(code);
        code_width = n > code_width ? n : code_width;
        n = (int)strlen(option);
        option_width = n > option_width ? n : option_width;
    }
    printf("%-*s  %-*s  %-*s  %s\n", id_width, "RULE", code_width, "CODE", option_width, "OPTION",
           "DESCRIPTION");
    for (size_t i = 0; i < drvsim_rule_count(); i++) {
        const drvsim_rule_info *ri = drvsim_rule_at(i);
        cli_rule_code_text(ri, code, sizeof code);
        cli_rule_option_text(ri, option, sizeof option);
        printf("%-*s  %-*s  %-*s  %s\n", id_width, ri->id, code_width, code, option_width, option,
               ri->description);
    }
    return DRVSIM_EXIT_OK;
}

static int cmd_rules(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    int c;
    /* The rules named on the command line, in order; none = all of them. */
    const drvsim_rule_info **named = calloc((size_t)argc, sizeof *named);
    size_t named_count = 0;
    if (named == NULL) {
        fprintf(stderr, "drvsim: out of memory\n");
        return CLI_EXIT_HOST;
    }

    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "-:h", longopts, NULL)) != -1) {
        switch (c) {
        case 1:
            named[named_count] = drvsim_rule_find(optarg);
            if (named[named_count] == NULL) {
                free(named);
                return cli_usage_error(usage_rules, "no rule '%s' (drvsim rules lists them)",
                                       optarg);
            }
            named_count++;
            break;
        case 'h':
            free(named);
            fputs(usage_rules, stdout);
            return DRVSIM_EXIT_OK;
        case OPT_JSON:
            json = true;
            break;
        default:
            free(named);
            return cli_getopt_error(c, argv, usage_rules);
        }
    }
    if (!json && named_count > 0) {
        int status = cli_rules_detail(named, named_count);
        free(named);
        return status;
    }
    if (!json) {
        free(named);
        return cli_rules_table();
    }
    const drvsim_rule_info **all = named;
    size_t count = named_count;
    if (count == 0) {
        count = drvsim_rule_count();
        all = calloc(count, sizeof *all);
        for (size_t i = 0; all != NULL && i < count; i++) {
            all[i] = drvsim_rule_at(i);
        }
    }
    json_t *array = all != NULL ? cli_rules_json(all, count) : NULL;
    if (all != named) {
        free(all);
    }
    free(named);
    bool ok = array != NULL && out_json_dump(array, JSON_INDENT(2), stdout);
    json_decref(array);
    if (!ok) {
        fprintf(stderr, "drvsim: could not write the rules\n");
        return CLI_EXIT_HOST;
    }
    return DRVSIM_EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* main                                                                     */
/* ------------------------------------------------------------------------ */

bool cli_parse_only;

int cli_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
    } commands[] = {
        {"run", cmd_run},           {"test", cmd_test},
        {"sweep", cli_cmd_sweep},   {"explore-faults", cli_cmd_explore},
        {"shrink", cli_cmd_shrink}, {"rules", cmd_rules},
        {"ddis", cli_cmd_ddis},
    };
    int c;

    drvsim_set_abort_handler(cli_abort_report, NULL);
    opterr = 0;
    /* "+": stop at the command; its options are its own. */
    while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage_main, stdout);
            return DRVSIM_EXIT_OK;
        case OPT_VERSION:
            printf("drvsim %s\ntrace format %d\n", DRVSIM_VERSION, DRVSIM_TRACE_FORMAT);
            if (drvsim_git_revision[0] != '\0') {
                printf("git revision %s\n", drvsim_git_revision);
            }
            return DRVSIM_EXIT_OK;
        default:
            return cli_getopt_error(c, argv, usage_main);
        }
    }
    if (optind >= argc) {
        return cli_usage_error(usage_main, "missing a command");
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[optind], commands[i].name) == 0) {
            return commands[i].fn(argc - optind, argv + optind);
        }
    }
    return cli_usage_error(usage_main, "unknown command '%s'", argv[optind]);
}

#ifndef DRVSIM_NO_MAIN
int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
#endif
