/*
 * drvsim.h - the embedding API: run one scenario, get its result.
 *
 * The command-line tool is one user of this API; tests and other front ends
 * may be others. A run is self-contained: it builds a simulated machine from
 * the scenario and the options, runs it to its end and tears it down, so any
 * number of runs may follow one another in one process.
 */
#ifndef DRVSIM_DRVSIM_H
#define DRVSIM_DRVSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "drvsim/bugcodes.h"

#define DRVSIM_VERSION "0.1.0"

/* Driver Verifier's global counters (CONTRACT section 5). */
#define DRVSIM_GLOBAL_COUNTERS(X)                                                                  \
    X(RaiseIrqls)                                                                                  \
    X(AcquireSpinLocks)                                                                            \
    X(SynchronizeExecutions)                                                                       \
    X(AllocationsAttempted)                                                                        \
    X(AllocationsSucceeded)                                                                        \
    X(AllocationsSucceededSpecialPool)                                                             \
    X(AllocationsWithNoTag)                                                                        \
    X(AllocationsFailed)                                                                           \
    X(AllocationsFailedDeliberately)                                                               \
    X(Trims)                                                                                       \
    X(UnTrackedPool)

/* Driver Verifier's per-driver counters (CONTRACT section 5). */
#define DRVSIM_DRIVER_COUNTERS(X)                                                                  \
    X(Loads)                                                                                       \
    X(Unloads)                                                                                     \
    X(CurrentPagedPoolAllocations)                                                                 \
    X(CurrentNonPagedPoolAllocations)                                                              \
    X(PeakPagedPoolAllocations)                                                                    \
    X(PeakNonPagedPoolAllocations)                                                                 \
    X(PagedPoolUsageInBytes)                                                                       \
    X(NonPagedPoolUsageInBytes)                                                                    \
    X(PeakPagedPoolUsageInBytes)                                                                   \
    X(PeakNonPagedPoolUsageInBytes)

enum drvsim_global_counter {
#define DRVSIM_COUNTER_ENUM(name) DRVSIM_GC_##name,
    DRVSIM_GLOBAL_COUNTERS(DRVSIM_COUNTER_ENUM)
#undef DRVSIM_COUNTER_ENUM
        DRVSIM_GLOBAL_COUNTER_COUNT
};

enum drvsim_driver_counter {
#define DRVSIM_COUNTER_ENUM(name) DRVSIM_DC_##name,
    DRVSIM_DRIVER_COUNTERS(DRVSIM_COUNTER_ENUM)
#undef DRVSIM_COUNTER_ENUM
        DRVSIM_DRIVER_COUNTER_COUNT
};

extern const char *const drvsim_global_counter_names[DRVSIM_GLOBAL_COUNTER_COUNT];
extern const char *const drvsim_driver_counter_names[DRVSIM_DRIVER_COUNTER_COUNT];

/* What a run asks for beyond the scenario file. Zero-initialise, then set. */
typedef struct drvsim_options {
    const char *scenario_path; /* required */
    bool seed_given;           /* --seed: overrides the scenario's seed */
    uint64_t seed;
    const char *verifier;   /* --verifier: replaces the scenario's setting; NULL = keep */
    const char *gflags;     /* --gflags: replaces the scenario's setting; NULL = keep */
    uint32_t cpus;          /* --cpus: 0 = the scenario's (default 2) */
    const char *sched;      /* --sched: "random", "pct:D[:K]"; NULL = the scenario's */
    const char *trace_path; /* --trace: text trace written here; NULL = none */
    bool kd;                /* --kd: a kernel debugger is attached (level 2 I/O
                               verification errors are printed, and the run goes on) */

    /* Hard limits; 0 = the default (or the scenario's `limit` for time). */
    uint64_t limit_time_100ns;
    uint64_t limit_events;
    uint64_t limit_instructions;
} drvsim_options;

#define DRVSIM_DEFAULT_LIMIT_TIME_100NS   (3600ull * 10000000ull) /* 1 h simulated */
#define DRVSIM_DEFAULT_LIMIT_EVENTS       100000000ull
#define DRVSIM_DEFAULT_LIMIT_INSTRUCTIONS 1000000000ull /* Lua VM instructions */

typedef enum drvsim_outcome {
    DRVSIM_OUTCOME_CLEAN = 0, /* the scenario ran to its end, no bug check */
    DRVSIM_OUTCOME_BUGCHECK,  /* the simulated machine stopped */
    DRVSIM_OUTCOME_TIMEOUT,   /* a limit (time, events, instructions) ended it */
    DRVSIM_OUTCOME_ERROR,     /* a scenario error: the run means nothing */
} drvsim_outcome;

/* Exit codes of CONTRACT section 1. */
enum {
    DRVSIM_EXIT_OK = 0,       /* outcome matched the expectation */
    DRVSIM_EXIT_MISMATCH = 1, /* it did not */
    DRVSIM_EXIT_USAGE = 2,
    DRVSIM_EXIT_SCENARIO = 3,
};

/* "clean", "bugcheck", "timeout", "error" */
const char *drvsim_outcome_name(drvsim_outcome o);

typedef struct drvsim_bugcheck {
    uint32_t code;
    uint64_t params[4];
    char driver[64];       /* image blamed, "" if none */
    char rule[64];         /* rule id from the catalogue, "" if none */
    char description[192]; /* one line: what the rule says happened */
    char site[320];        /* "file:line" of the scenario code that made the call */
    char routine[64];      /* the driver routine running, e.g. "DriverUnload" */
    char detail[320];      /* more, e.g. the Lua error message of a driver crash */
    uint64_t time_100ns;
    uint32_t cpu;
    uint8_t irql;
    char irql_name[24]; /* "PASSIVE_LEVEL", "DISPATCH_LEVEL", or a number */
    char process[32];   /* process context: "System", "Idle", ... */
} drvsim_bugcheck;

typedef struct drvsim_expect {
    bool clean;   /* expect = "clean" (the default) */
    bool timeout; /* expect = "timeout": a limit must end the run */
    uint32_t code;
    bool has_p[4];
    uint64_t p[4];
    char driver[64]; /* "" = any */
} drvsim_expect;

/* A pool allocation, as `!verifier 3` lists a driver's outstanding ones. */
typedef struct drvsim_allocation {
    uint64_t address;
    uint64_t size_bytes;
    uint32_t tag;
    char tag_text[8];   /* "Leak" */
    char pool_type[32]; /* "NonPagedPoolNx" */
    char site[320];     /* "file:line" of the call that allocated it */
} drvsim_allocation;

typedef struct drvsim_driver_result {
    char name[64];
    bool verified;
    uint64_t counters[DRVSIM_DRIVER_COUNTER_COUNT];
} drvsim_driver_result;

typedef struct drvsim_result {
    drvsim_outcome outcome;
    bool expected;      /* the outcome matched the scenario's expect */
    int exit_code;      /* DRVSIM_EXIT_* for this run alone */
    char scenario[512]; /* the path as given */
    char name[128];     /* scenario{ name = } or the file name */
    uint64_t seed;
    uint64_t sim_time_100ns;
    uint64_t digest;
    uint64_t events;       /* events fired */
    uint64_t instructions; /* Lua instructions executed, in steps of 1,000 (the hook step) */
    drvsim_expect expect;
    drvsim_bugcheck bugcheck; /* valid when outcome == BUGCHECK */
    /* Error text (with file:line) for ERROR, the limit hit for TIMEOUT, and
     * why the outcome did not match for a mismatch; "" otherwise. */
    char message[1024];
    uint64_t counters[DRVSIM_GLOBAL_COUNTER_COUNT];
    drvsim_driver_result *drivers; /* in load order */
    /* For a pool leak bug check: the driver's outstanding allocations, oldest
     * first. */
    drvsim_allocation *leaks;
    size_t leak_count;
    size_t driver_count;
    /* Things the user should know: options parsed but not simulated, ... */
    char **notes;
    size_t note_count;
    /* What drivers printed (DbgPrint, DbgPrintEx, KdPrint in a checked
     * build): one string per call, in order, as a debugger shows it. */
    char **debug_output;
    size_t debug_output_count;
} drvsim_result;

/*
 * Runs one scenario. Always fills *result (the outcome says what happened,
 * including scenario errors); returns result->exit_code. result must be
 * released with drvsim_result_free.
 */
int drvsim_run(const drvsim_options *options, drvsim_result *result);
void drvsim_result_free(drvsim_result *result);

/* The rule catalogue, for `drvsim rules`. */
typedef struct drvsim_rule_info {
    const char *id;          /* "irql_raise_below_current" */
    uint32_t code;           /* bug check code; 0 = the driver's own (KeBugCheckEx) */
    uint8_t sub_param;       /* which parameter selects the case: 1 (0xC4, 0xC2, 0xC9),
                                4 (0xC1), or 0 when the code alone says it */
    uint64_t sub_value;      /* that parameter's value */
    uint32_t option;         /* /flags bit that enables it; 0 = automatic */
    bool kernel;             /* raised by the kernel itself, verifier or not */
    const char *description; /* one line */
} drvsim_rule_info;

size_t drvsim_rule_count(void);
const drvsim_rule_info *drvsim_rule_at(size_t index);
const drvsim_rule_info *drvsim_rule_find(const char *id);

#endif /* DRVSIM_DRVSIM_H */
