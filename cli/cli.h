/*
 * cli.h - what the drvsim commands share: exit statuses for host failures,
 * the long options, the simulation options that run, sweep, explore-faults
 * and shrink all take (their usage text and their parser), and the
 * positional arguments. main.c holds run, test, sweep and rules;
 * faults_cmd.c explore-faults and shrink.
 */
#ifndef DRVSIM_CLI_H
#define DRVSIM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "drvsim/drvsim.h"
#include "faults.h"
#include "output.h"

/* Exit status when the host fails us (cannot write an output file, cannot
 * start workers): the contract has no code for it; like a scenario error, it
 * means the run's result cannot be trusted. */
#define CLI_EXIT_HOST DRVSIM_EXIT_SCENARIO
/* An output path that cannot be written is a bad argument. */
#define CLI_EXIT_OUTPUT DRVSIM_EXIT_USAGE
/* A result that could not be saved (a full disk, an I/O error) after the
 * output was opened: README "Exit codes". The contract's codes stop at 3. */
#define CLI_EXIT_WRITE 4

#define CLI_MAX_CPUS 64u
/* Seeds in one sweep range: also keeps B - A + 1 from overflowing. */
#define CLI_MAX_SWEEP_SEEDS (UINT64_C(1) << 32)
/* Directory nesting under a `test` PATH; deeper means a symbolic link loop. */
#define CLI_MAX_DEPTH 64

/* Long options without a short form. */
enum {
    OPT_SEED = 256,
    OPT_VERIFIER,
    OPT_GFLAGS,
    OPT_CPUS,
    OPT_SCHED,
    OPT_JSON,
    OPT_TRACE,
    OPT_QUIET,
    OPT_LIMIT,
    OPT_MAX_EVENTS,
    OPT_MAX_INSTRUCTIONS,
    OPT_JUNIT,
    OPT_CHECK_DETERMINISM,
    OPT_TAP,
    OPT_SEEDS,
    OPT_SHARD,
    OPT_JSONL,
    OPT_VERSION,
    OPT_FAIL_NTH,
    OPT_REPLAY,
    OPT_RECORD,
    OPT_RESUME,
    OPT_OUT,
    OPT_KD,
    OPT_RACES,
    OPT_HOST_TIMEOUT,
    OPT_SARIF,
    OPT_FILTER,
    OPT_JUNIT_HOST_TIME,
    OPT_UNTIL_FAIL,
    OPT_FOR,
    OPT_HEARTBEAT,
    OPT_PERFETTO,
    OPT_PERFETTO_FAILING,
};

/* The options run and sweep share, spliced into both usage texts. */
#define USAGE_SIM_OPTIONS                                                                          \
    "  --verifier \"ARGS\"       verifier.exe settings, replacing the scenario's\n"                \
    "                          (\"/standard /driver a.sys\", \"/flags 0x9 /all\")\n"               \
    "  --gflags \"ARGS\"         GFlags special pool, replacing the scenario's (\"+spp Fred\")\n"  \
    "  --cpus N                processors, 1..64 (default: the scenario's, else 2)\n"              \
    "  --sched STRATEGY        how processors interleave: random (default), or pct:D[:K],\n"       \
    "                          PCT aimed at bugs of depth D over K decisions (pct = pct:3),\n"     \
    "                          or directed:FILE:LINE[,FILE:LINE...]: random, and the code\n"       \
    "                          returning from a DDI called at one of those scenario lines\n"       \
    "                          is held back (its processor stalled) until every line is\n"         \
    "                          reached or nothing else can happen (makes a lock order\n"           \
    "                          inversion an actual deadlock); +accesses after any of them\n"       \
    "                          (random+accesses, pct:3+accesses): a driver's loads and\n"          \
    "                          stores through pointers to memory another execution\n"              \
    "                          context has touched are preemption points too\n"                    \
    "  --limit DURATION        simulated-time bound: \"250ms\", \"10s\", \"7min\", \"1h\" or\n"    \
    "                          100 ns units (default: the scenario's, else 1h); reaching\n"        \
    "                          it is a timeout\n"                                                  \
    "  --max-events N          bound on simulated events (default 100000000)\n"                    \
    "  --max-instructions N    bound on Lua instructions, with the work library functions do\n"    \
    "                          in C charged too (default 1000000000)\n"                            \
    "  --kd                    a kernel debugger is attached: level 2 I/O verification\n"          \
    "                          errors (WDM DRIVER ERROR) are printed and the run goes on\n"        \
    "  --races                 the data race detector (drvsim's /races, 0xC4/0xD0030001)\n"      \
    "                          on, over the verifier settings in force\n"                        \
    "  --fail-nth N            low resources, systematically: fail exactly the Nth eligible\n"     \
    "                          call of verified drivers (no delay, no probability)\n"              \
    "  --replay FILE           fail exactly the calls of a choice file (--record, shrink);\n"      \
    "                          its seed and --verifier apply unless given\n"

/* What run and sweep share: simulation options, parsed and as typed. */
typedef struct cli_sim_args {
    drvsim_options options;
    out_cli_args raw;
    faults_choices replay; /* --replay FILE, read */
} cli_sim_args;

typedef struct cli_args {
    char **items;
    size_t count;
} cli_args;

/* Prints "drvsim: <message>" and the usage text; returns the usage status. */
__attribute__((format(printf, 2, 3))) int cli_usage_error(const char *usage, const char *fmt, ...);

/* Explains what getopt_long refused (opterr = 0 keeps it quiet). */
int cli_getopt_error(int c, char **argv, const char *usage);

/* An unsigned 64-bit number, decimal or 0x hex, nothing else around it. */
bool cli_parse_u64(const char *s, uint64_t *out);

/* Takes one of the shared simulation options: 1 when c was one (and its
 * value good), 0 when c is not one, -1 after a usage error. */
int cli_sim_option(int c, const char *arg, cli_sim_args *a, const char *usage);

/* What the options imply once all are read; false after a usage error. */
bool cli_sim_finish(cli_sim_args *a, const char *usage);

bool cli_args_init(cli_args *p, int argc);
void cli_args_rest(cli_args *p, int argc, char **argv);

/* -j N: a number of worker processes, 1 to a bound; false after a usage
 * error. */
bool cli_parse_jobs(const char *arg, unsigned *out, const char *usage);

/* An output file ("-" is standard output), and its close, which reports a
 * write that failed; false then. */
FILE *cli_open_output(const char *path);
bool cli_close_output(FILE *f, const char *path);

/* The whole command line (main.c): main() is this, and the CLI fuzz harness
 * (fuzz/fuzz_cli.c) calls it with cli_parse_only set: each command then
 * parses its arguments and returns 0 where it would start running. */
int cli_main(int argc, char **argv);
extern bool cli_parse_only;

/* drvsim sweep (sweep_cmd.c). */
int cli_cmd_sweep(int argc, char **argv);

/* drvsim ddis (ddis_cmd.c). */
int cli_cmd_ddis(int argc, char **argv);

/* drvsim explore-faults, drvsim shrink (faults_cmd.c). */
int cli_cmd_explore(int argc, char **argv);
int cli_cmd_shrink(int argc, char **argv);

#endif /* DRVSIM_CLI_H */
