/*
 * faults_cmd.c - drvsim explore-faults (a run per eligible call site, the
 * site failed) and drvsim shrink (the fewest injected failures and
 * preemptions that still end in the same bug check).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_explore[] =
    "usage: drvsim explore-faults SCENARIO.lua [options]\n"
    "\n"
    "Runs the scenario once with no failure injected to list every distinct call site\n"
    "(scenario file:line and DDI) of an eligible call of a verified driver, then once\n"
    "per site failing the first call made there, and prints a table: site, DDI,\n"
    "outcome (clean, bug check code and rule, leak, timeout, error), and the replay\n"
    "command of each failing row.\n"
    "\n"
    "  --seed N                the runs' seed (default: the scenario's, else 1)\n" USAGE_SIM_OPTIONS
    "  -h, --help              this text\n"
    "\n"
    "exit status: 0 no run bug-checked, 1 some did, 2 usage error, 3 scenario error\n";

static const char usage_shrink[] =
    "usage: drvsim shrink SCENARIO.lua [--seed N] [--out FILE] [options]\n"
    "\n"
    "Runs the scenario (low resources simulation on, as its settings say), which must\n"
    "bug-check; records the failures it injected, then removes each in turn and keeps\n"
    "the removal when the same rule still fires at the same site. Writes the minimal\n"
    "choice file and prints the command replaying it.\n"
    "\n"
    "  --seed N                the run's seed (default: the scenario's, else 1)\n"
    "  --out FILE              the choice file (default: SCENARIO's name + .faults.json,\n"
    "                          in the current directory)\n" USAGE_SIM_OPTIONS
    "  -h, --help              this text\n"
    "\n"
    "exit status: 0 written, 1 the run does not bug-check or does not replay, 2 usage\n"
    "error, 3 scenario error\n";

/* Parses the options explore-faults and shrink share (the run options, and
 * --out for shrink). Returns -1 to go on, else the exit status. */
static int cli_fault_args(int argc, char **argv, const char *usage, cli_sim_args *a,
                          const char **scenario, const char **out_path)
{
    static const struct option longopts[] = {
        {"seed", required_argument, NULL, OPT_SEED},
        {"verifier", required_argument, NULL, OPT_VERIFIER},
        {"gflags", required_argument, NULL, OPT_GFLAGS},
        {"cpus", required_argument, NULL, OPT_CPUS},
        {"sched", required_argument, NULL, OPT_SCHED},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"max-events", required_argument, NULL, OPT_MAX_EVENTS},
        {"max-instructions", required_argument, NULL, OPT_MAX_INSTRUCTIONS},
        {"kd", no_argument, NULL, OPT_KD},
        {"races", no_argument, NULL, OPT_RACES},
        {"out", required_argument, NULL, OPT_OUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_args pos;
    int c;
    int status = -1;
    if (!cli_args_init(&pos, argc)) {
        fprintf(stderr, "drvsim: out of memory\n");
        return CLI_EXIT_HOST;
    }
    optind = 0;
    opterr = 0;
    while (status < 0 && (c = getopt_long(argc, argv, "-:h", longopts, NULL)) != -1) {
        switch (c) {
        case 1:
            pos.items[pos.count++] = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            status = 0;
            break;
        case OPT_SEED:
            if (!cli_parse_u64(optarg, &a->options.seed)) {
                status = cli_usage_error(usage, "--seed wants a number, not '%s'", optarg);
            }
            a->options.seed_given = true;
            break;
        case OPT_OUT:
            if (out_path == NULL) {
                status = cli_usage_error(usage, "unknown option '--out'");
            } else {
                *out_path = optarg;
            }
            break;
        case '?':
        case ':':
            status = cli_getopt_error(c, argv, usage);
            break;
        default:
            if (cli_sim_option(c, optarg, a, usage) < 0) {
                status = DRVSIM_EXIT_USAGE;
            }
        }
    }
    if (status < 0) {
        cli_args_rest(&pos, argc, argv);
        if (pos.count == 0) {
            status = cli_usage_error(usage, "missing the scenario file");
        } else if (pos.count > 1) {
            status = cli_usage_error(usage, "unexpected argument '%s'", pos.items[1]);
        } else {
            *scenario = pos.items[0];
            a->options.scenario_path = pos.items[0];
        }
    }
    if (status < 0 && cli_parse_only) {
        status = DRVSIM_EXIT_OK;
    }
    free(pos.items);
    return status;
}

/* The outcome column: "clean", "0xD1 driver_fault_at_raised_irql", "leak
 * (0xC4/0x62)", "timeout", "deadlock", "error: ...". */
static void cli_outcome_text(const drvsim_result *r, char *buf, size_t size)
{
    switch (r->outcome) {
    case DRVSIM_OUTCOME_CLEAN:
        snprintf(buf, size, "clean");
        break;
    case DRVSIM_OUTCOME_BUGCHECK:
        if (strcmp(r->bugcheck.rule, "pool_leak_on_unload") == 0) {
            snprintf(buf, size, "leak (0x%" PRIX32 "/0x%" PRIX64 ")", r->bugcheck.code,
                     r->bugcheck.params[0]);
        } else {
            snprintf(buf, size, "0x%" PRIX32 " %s", r->bugcheck.code,
                     r->bugcheck.rule[0] != '\0' ? r->bugcheck.rule : "(driver's own)");
        }
        break;
    case DRVSIM_OUTCOME_TIMEOUT:
        snprintf(buf, size, "timeout");
        break;
    case DRVSIM_OUTCOME_DEADLOCK:
        snprintf(buf, size, "deadlock");
        break;
    case DRVSIM_OUTCOME_ERROR:
        snprintf(buf, size, "error: %.200s", r->message);
        break;
    }
}

int cli_cmd_explore(int argc, char **argv)
{
    cli_sim_args a;
    const char *scenario = NULL;
    memset(&a, 0, sizeof a);
    int status = cli_fault_args(argc, argv, usage_explore, &a, &scenario, NULL);
    if (status >= 0) {
        return status;
    }
    /* The listing run: no failure injected, every eligible call site kept. */
    drvsim_result base;
    drvsim_options options = a.options;
    options.list_fault_sites = true;
    drvsim_run(&options, &base);
    for (size_t i = 0; i < base.note_count; i++) {
        fprintf(stderr, "drvsim: note: %s\n", base.notes[i]);
    }
    if (base.outcome == DRVSIM_OUTCOME_ERROR) {
        fprintf(stderr, "drvsim: %s\n", base.message);
        status = base.exit_code;
        drvsim_result_free(&base);
        return status;
    }
    char outcome[300];
    cli_outcome_text(&base, outcome, sizeof outcome);
    printf("explore-faults %s: seed %" PRIu64 ", %zu eligible call site%s; without failures: %s\n",
           scenario, base.seed, base.fault_site_count, base.fault_site_count == 1 ? "" : "s",
           outcome);
    int site_width = 4, ddi_width = 3;
    for (size_t i = 0; i < base.fault_site_count; i++) {
        int n = (int)strlen(base.fault_sites[i].site);
        site_width = n > site_width ? n : site_width;
        n = (int)strlen(base.fault_sites[i].key.ddi);
        ddi_width = n > ddi_width ? n : ddi_width;
    }
    printf("%-*s  %-*s  %s\n", site_width, "SITE", ddi_width, "DDI", "OUTCOME");
    status = DRVSIM_EXIT_OK;
    size_t crashed = 0;
    for (size_t i = 0; i < base.fault_site_count; i++) {
        const drvsim_fault *site = &base.fault_sites[i];
        drvsim_result r;
        options = a.options;
        options.seed_given = true;
        options.seed = base.seed;
        /* The first call at the site, by meaning: the run is the listing
         * run's up to that call, so it is the site's nth eligible call. */
        options.replay_given = true;
        options.replay = &site->key;
        options.replay_count = 1;
        drvsim_run(&options, &r);
        cli_outcome_text(&r, outcome, sizeof outcome);
        printf("%-*s  %-*s  %s\n", site_width, site->site, ddi_width, site->key.ddi, outcome);
        if (r.outcome != DRVSIM_OUTCOME_CLEAN) {
            char nth[32];
            snprintf(nth, sizeof nth, "%" PRIu64, site->nth);
            out_cli_args raw = a.raw;
            raw.fail_nth = nth;
            char *replay = out_replay_command(scenario, base.seed, &raw);
            printf("%-*s    replay: %s\n", site_width, "", replay != NULL ? replay : "?");
            free(replay);
        }
        if (r.outcome == DRVSIM_OUTCOME_BUGCHECK) {
            crashed++;
            status = DRVSIM_EXIT_MISMATCH;
        } else if (r.outcome == DRVSIM_OUTCOME_ERROR && status == DRVSIM_EXIT_OK) {
            status = DRVSIM_EXIT_SCENARIO;
        }
        drvsim_result_free(&r);
        fflush(stdout);
    }
    printf("%zu site%s, %zu bug-checked\n", base.fault_site_count,
           base.fault_site_count == 1 ? "" : "s", crashed);
    drvsim_result_free(&base);
    return status;
}

/* Whether a run ended as the target did: the same rule (or code) at the
 * same site. */
static bool cli_same_failure(const drvsim_result *r, const drvsim_result *target)
{
    return r->outcome == DRVSIM_OUTCOME_BUGCHECK && r->bugcheck.code == target->bugcheck.code &&
           strcmp(r->bugcheck.rule, target->bugcheck.rule) == 0 &&
           strcmp(r->bugcheck.site, target->bugcheck.site) == 0;
}

/* What shrink keeps of the target run's choices: masks over its injected
 * failures and its scheduling decisions, and the arrays a try replays. */
typedef struct cli_shrink {
    const drvsim_result *target;
    bool *keep_fault, *keep_switch;
    drvsim_fault_key *keys;
    drvsim_switch *switches;
} cli_shrink;

/* Runs with exactly the kept choices; true when it ends as the target did. */
static bool cli_shrink_try(const cli_sim_args *a, cli_shrink *sh)
{
    const drvsim_result *t = sh->target;
    size_t nf = 0, ns = 0;
    for (size_t i = 0; i < t->fault_count; i++) {
        if (sh->keep_fault[i]) {
            sh->keys[nf++] = t->faults[i].key;
        }
    }
    for (size_t i = 0; i < t->switch_count; i++) {
        if (sh->keep_switch[i]) {
            sh->switches[ns++] = t->switches[i];
        }
    }
    drvsim_options options = a->options;
    options.seed_given = true;
    options.seed = t->seed;
    options.replay_given = true;
    options.replay = sh->keys;
    options.replay_count = nf;
    options.record_switches = false;
    options.replay_switches_given = true;
    options.replay_switches = sh->switches;
    options.replay_switch_count = ns;
    drvsim_result r;
    drvsim_run(&options, &r);
    bool same = cli_same_failure(&r, t);
    drvsim_result_free(&r);
    return same;
}

/* Runs with keep[] set to exactly the `n` choices listed in `set` (other
 * choices of the mask dropped); true when it ends as the target did. */
static bool cli_shrink_try_set(const cli_sim_args *a, cli_shrink *sh, bool *keep, size_t count,
                               const size_t *set, size_t n)
{
    memset(keep, 0, count * sizeof *keep);
    for (size_t i = 0; i < n; i++) {
        keep[set[i]] = true;
    }
    return cli_shrink_try(a, sh);
}

/*
 * Delta debugging over one mask: Zeller and Hildebrandt's ddmin (TSE 2002)
 * over the kept choices. The set is split into `parts` chunks; a chunk
 * alone that still ends as the target did becomes the set (parts back to
 * 2), else the set without a chunk (newest chunk first: later choices are
 * likelier bystanders), else the chunks halve, until they are single
 * choices. The result is 1-minimal: dropping any one kept choice loses the
 * failure. Testing chunks alone matters for schedules: most preemptions of
 * a random run only shuffle the processors, and a run that keeps one half
 * of them often still fails, which halves the set in one run. A
 * preemption and the one that hands the processor back are also removed
 * together this way, where removing either alone changes what the other
 * does. Returns how many are left.
 */
static size_t cli_shrink_mask(const cli_sim_args *a, cli_shrink *sh, bool *keep, size_t count)
{
    size_t *set = malloc((count + 1) * sizeof *set);
    size_t *trial = malloc((count + 1) * sizeof *trial);
    if (set == NULL || trial == NULL) {
        free(set);
        free(trial);
        return count; /* nothing removed: the full set still replays */
    }
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        if (keep[i]) {
            set[n++] = i;
        }
    }
    size_t parts = 2;
    while (n >= 2) {
        if (parts > n) {
            parts = n;
        }
        bool reduced = false;
        /* A chunk alone. */
        for (size_t k = 0; k < parts && !reduced; k++) {
            size_t lo = n * k / parts, hi = n * (k + 1) / parts;
            if (cli_shrink_try_set(a, sh, keep, count, &set[lo], hi - lo)) {
                memmove(set, &set[lo], (hi - lo) * sizeof *set);
                n = hi - lo;
                parts = 2;
                reduced = true;
            }
        }
        /* The set without a chunk (the same runs as above when parts is 2). */
        for (size_t k = parts; k-- > 0 && !reduced && parts > 2;) {
            size_t lo = n * k / parts, hi = n * (k + 1) / parts, m = 0;
            for (size_t i = 0; i < n; i++) {
                if (i < lo || i >= hi) {
                    trial[m++] = set[i];
                }
            }
            if (cli_shrink_try_set(a, sh, keep, count, trial, m)) {
                memcpy(set, trial, m * sizeof *set);
                n = m;
                parts = parts - 1 > 2 ? parts - 1 : 2;
                reduced = true;
            }
        }
        if (!reduced) {
            if (parts >= n) {
                break;
            }
            parts = 2 * parts < n ? 2 * parts : n;
        }
    }
    /* One left (or none): whether the failure needs it at all. */
    if (n == 1 && cli_shrink_try_set(a, sh, keep, count, set, 0)) {
        n = 0;
    }
    memset(keep, 0, count * sizeof *keep);
    for (size_t i = 0; i < n; i++) {
        keep[set[i]] = true;
    }
    free(set);
    free(trial);
    return n;
}

int cli_cmd_shrink(int argc, char **argv)
{
    cli_sim_args a;
    const char *scenario = NULL;
    const char *out_path = NULL;
    memset(&a, 0, sizeof a);
    int status = cli_fault_args(argc, argv, usage_shrink, &a, &scenario, &out_path);
    if (status >= 0) {
        return status;
    }
    char default_out[600];
    if (out_path == NULL) {
        const char *base = strrchr(scenario, '/');
        base = base != NULL ? base + 1 : scenario;
        size_t n = strlen(base);
        if (n > 4 && strcmp(base + n - 4, ".lua") == 0) {
            n -= 4;
        }
        snprintf(default_out, sizeof default_out, "%.*s.faults.json", (int)n, base);
        out_path = default_out;
    }
    drvsim_result target;
    a.options.record_switches = true;
    drvsim_run(&a.options, &target);
    if (target.outcome == DRVSIM_OUTCOME_ERROR) {
        fprintf(stderr, "drvsim: %s\n", target.message);
        status = target.exit_code;
    } else if (target.outcome != DRVSIM_OUTCOME_BUGCHECK ||
               (target.fault_total == 0 && target.switch_count == 0)) {
        fprintf(stderr,
                "drvsim: shrink: seed %" PRIu64 " does not end in a bug check after injected "
                "failures or preemptions (%s, %" PRIu64 " injected, %zu switches): nothing to "
                "shrink\n",
                target.seed, drvsim_outcome_name(target.outcome), target.fault_total,
                target.switch_count);
        status = DRVSIM_EXIT_MISMATCH;
    } else if (target.fault_total > target.fault_count) {
        fprintf(stderr, "drvsim: shrink: %" PRIu64 " failures injected, more than the %zu kept\n",
                target.fault_total, target.fault_count);
        status = DRVSIM_EXIT_MISMATCH;
    }
    if (status >= 0) {
        drvsim_result_free(&target);
        return status;
    }
    size_t nf = target.fault_count, ns = target.switch_count;
    cli_shrink sh = {
        .target = &target,
        .keep_fault = malloc((nf + 1) * sizeof *sh.keep_fault),
        .keep_switch = malloc((ns + 1) * sizeof *sh.keep_switch),
        .keys = malloc((nf + 1) * sizeof *sh.keys),
        .switches = malloc((ns + 1) * sizeof *sh.switches),
    };
    drvsim_fault *kept = malloc((nf + 1) * sizeof *kept);
    if (sh.keep_fault == NULL || sh.keep_switch == NULL || sh.keys == NULL || sh.switches == NULL ||
        kept == NULL) {
        fprintf(stderr, "drvsim: out of memory\n");
        status = CLI_EXIT_HOST;
    }
    for (size_t i = 0; status < 0 && i < nf; i++) {
        sh.keep_fault[i] = true;
    }
    for (size_t i = 0; status < 0 && i < ns; i++) {
        sh.keep_switch[i] = true;
    }
    printf("shrink %s: seed %" PRIu64 ", 0x%" PRIX32 " %s at %s after %zu injected failure%s "
           "and %zu preemption%s\n",
           scenario, target.seed, target.bugcheck.code, target.bugcheck.rule, target.bugcheck.site,
           nf, nf == 1 ? "" : "s", ns, ns == 1 ? "" : "s");
    if (status < 0 && !cli_shrink_try(&a, &sh)) {
        fprintf(stderr,
                "drvsim: shrink: replaying the %zu failures and %zu preemptions does not give "
                "the same bug check (does the scenario's faults predicate depend on the "
                "\"faults\" stream?)\n",
                nf, ns);
        status = DRVSIM_EXIT_MISMATCH;
    }
    size_t faults_left = nf, switches_left = ns;
    if (status < 0) {
        faults_left = cli_shrink_mask(&a, &sh, sh.keep_fault, nf);
        switches_left = cli_shrink_mask(&a, &sh, sh.keep_switch, ns);
    }
    if (status < 0) {
        size_t n = 0, m = 0;
        for (size_t i = 0; i < nf; i++) {
            if (sh.keep_fault[i]) {
                kept[n++] = target.faults[i];
            }
        }
        for (size_t i = 0; i < ns; i++) {
            if (sh.keep_switch[i]) {
                sh.switches[m++] = target.switches[i];
            }
        }
        char err[600];
        if (!faults_write(out_path, scenario, target.seed, a.options.verifier, a.options.sched,
                          kept, n, sh.switches, m, err, sizeof err)) {
            fprintf(stderr, "drvsim: shrink: %s\n", err);
            status = CLI_EXIT_OUTPUT;
        } else {
            printf("%zu of %zu failure%s and %zu of %zu preemption%s needed:\n", faults_left, nf,
                   nf == 1 ? "" : "s", switches_left, ns, ns == 1 ? "" : "s");
            for (size_t i = 0; i < n; i++) {
                printf("  %s%s%s%s #%" PRIu64 " at %s\n", kept[i].key.ddi,
                       kept[i].tag_text[0] ? " tag \"" : "", kept[i].tag_text,
                       kept[i].tag_text[0] ? "\"" : "", kept[i].key.ordinal, kept[i].site);
            }
            static const char *const kinds[] = {"thread", "DPC run", "ISR run", "idle decision"};
            for (size_t i = 0; i < m; i++) {
                const drvsim_switch *w = &sh.switches[i];
                if (w->kind == DRVSIM_SWITCH_THREAD) {
                    printf("  thread %" PRIu32 " at its call %" PRIu64 ": CPU %" PRIu32
                           " runs next\n",
                           w->id, w->step, w->cpu);
                } else if (w->kind == DRVSIM_SWITCH_IDLE) {
                    printf("  %s %" PRIu64 ": CPU %" PRIu32 " runs next\n", kinds[w->kind], w->step,
                           w->cpu);
                } else {
                    printf("  %s %" PRIu32 " of CPU %" PRIu32 " at its call %" PRIu64
                           ": CPU %" PRIu32 " runs next\n",
                           kinds[w->kind], w->run, w->id, w->step, w->cpu);
                }
            }
            out_cli_args raw = a.raw;
            raw.replay = out_path;
            char *replay = out_replay_command(scenario, target.seed, &raw);
            printf("wrote %s\nreplay: %s\n", out_path, replay != NULL ? replay : "?");
            free(replay);
            status = DRVSIM_EXIT_OK;
        }
    }
    free(sh.keep_fault);
    free(sh.keep_switch);
    free(sh.keys);
    free(sh.switches);
    free(kept);
    drvsim_result_free(&target);
    return status;
}
