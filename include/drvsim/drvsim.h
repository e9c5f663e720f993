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
/* The trace format: bumped exactly when a change makes pinned digests
 * differ (tests/golden/digests.txt carries the same number, and the golden
 * test checks both), so that a digest pinned with one number is trusted
 * under it and knowingly re-pinned under the next. */
#define DRVSIM_TRACE_FORMAT 4

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

/*
 * A call the low resources simulation fails, named by what it is rather than
 * where it is in the file, so that a choice survives edits of the scenario:
 * the DDI, the pool tag it allocates with (0 for none), and its ordinal among
 * the eligible calls of verified drivers with that DDI and tag (1 = first).
 */
typedef struct drvsim_fault_key {
    char ddi[64];
    uint32_t tag;
    uint64_t ordinal;
} drvsim_fault_key;

/* An eligible call of a verified driver: an injected failure, or (explore)
 * the first call of a distinct call site. */
typedef struct drvsim_fault {
    drvsim_fault_key key;
    char tag_text[8]; /* "Leak"; "" when the DDI takes no tag */
    char site[320];   /* "file:line" of the scenario code that made the call */
    char driver[64];
    uint64_t nth; /* its number among the eligible calls (--fail-nth) */
    uint64_t time_100ns;
} drvsim_fault;

/*
 * A scheduling decision named by meaning rather than by its place in the
 * "sched" stream, so that a recorded interleaving survives edits of the
 * scenario: the execution that reached it (a thread by id; the n-th DPC or
 * ISR run on a processor; or, for a decision taken while nothing ran, the
 * n-th such decision) and how many preemption points it had passed; and the
 * processor that ran next. Only decisions that differ from the replay
 * default (the running code goes on; else the first processor with work)
 * are recorded.
 */
typedef enum drvsim_switch_kind {
    DRVSIM_SWITCH_THREAD = 0,
    DRVSIM_SWITCH_DPC = 1,
    DRVSIM_SWITCH_ISR = 2,
    DRVSIM_SWITCH_IDLE = 3,
} drvsim_switch_kind;

typedef struct drvsim_switch {
    uint8_t kind;  /* drvsim_switch_kind */
    uint32_t id;   /* thread id; the processor of a DPC or ISR; 0 for IDLE */
    uint32_t run;  /* the DPC or ISR's run on that processor (1 = first); 0 otherwise */
    uint64_t step; /* preemption points it had passed (IDLE: the decision's number) */
    uint32_t cpu;  /* the processor that ran next */
} drvsim_switch;

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
    bool races;             /* --races: the data race detector on (/races added to the
                               verifier settings in force, the scenario's or --verifier's) */

    /* Hard limits; 0 = the default (or the scenario's `limit` for time). */
    uint64_t limit_time_100ns;
    uint64_t limit_events;
    uint64_t limit_instructions;

    /* Systematic low resources simulation (they replace the random one):
     * --fail-nth N fails exactly the Nth eligible call of verified drivers;
     * --replay fails exactly the calls of `replay` (replay_given with no
     * keys fails none); list_fault_sites collects every distinct eligible
     * call site into the result (explore-faults). */
    uint64_t fail_nth;
    bool replay_given;
    const drvsim_fault_key *replay;
    size_t replay_count;
    bool list_fault_sites;

    /* Scheduling by meaning: record_switches collects the run's decisions
     * into the result (--record); with replay_switches_given the decisions
     * come from `replay_switches` instead of the strategy (--replay of a
     * file that has them), whose draws still happen, so every other use of
     * the "sched" stream stays where it was. */
    bool record_switches;
    bool replay_switches_given;
    const drvsim_switch *replay_switches;
    size_t replay_switch_count;

    /* --perfetto: the run's timeline as Chrome trace event JSON, which
     * Perfetto and chrome://tracing open (sim/kd/perfetto.h); NULL = none.
     * Like the text trace, it changes nothing of the run. */
    const char *perfetto_path;
} drvsim_options;

#define DRVSIM_DEFAULT_LIMIT_TIME_100NS   (3600ull * 10000000ull) /* 1 h simulated */
#define DRVSIM_DEFAULT_LIMIT_EVENTS       100000000ull
#define DRVSIM_DEFAULT_LIMIT_INSTRUCTIONS 1000000000ull /* Lua VM instructions */

typedef enum drvsim_outcome {
    DRVSIM_OUTCOME_CLEAN = 0, /* the scenario ran to its end, no bug check */
    DRVSIM_OUTCOME_BUGCHECK,  /* the simulated machine stopped */
    DRVSIM_OUTCOME_TIMEOUT,   /* a limit (time, events, instructions) ended it */
    DRVSIM_OUTCOME_ERROR,     /* a scenario error: the run means nothing */
    DRVSIM_OUTCOME_DEADLOCK,  /* every thread waits and nothing can wake one: a hang */
} drvsim_outcome;

/* Exit codes of CONTRACT section 1. */
enum {
    DRVSIM_EXIT_OK = 0,       /* outcome matched the expectation */
    DRVSIM_EXIT_MISMATCH = 1, /* it did not */
    DRVSIM_EXIT_USAGE = 2,
    DRVSIM_EXIT_SCENARIO = 3,
};

/* Tells the run in progress that the host's time for it is up (the CLI's
 * --host-timeout watchdog). The run ends at its next Lua instruction or
 * charged library call with outcome "error", the message "host time limit
 * reached (--host-timeout)" and the scenario line, and digest 0: where it
 * stood depends on the host's speed, so nothing of it is a result.
 * Async-signal-safe. drvsim_run clears the request when it starts. */
void drvsim_host_timeout(void);

/* From now on in this process, a scenario or driver file compiled by an
 * earlier run is taken to be unchanged: later runs load it without asking
 * the file system (a stat a file a run). For a process that runs many seeds
 * of the same files one after another (the command line's sweep and test
 * workers, each living one command); not for one that reruns a file after
 * it was edited, which must not call it. */
void drvsim_trust_sources(void);

/* "clean", "bugcheck", "timeout", "error", "deadlock" */
const char *drvsim_outcome_name(drvsim_outcome o);

typedef struct drvsim_bugcheck {
    uint32_t code;
    uint64_t params[4];
    char driver[64];       /* image blamed, "" if none */
    char rule[64];         /* rule id from the catalogue, "" if none */
    char description[192]; /* one line: what the rule says happened */
    char site[320];        /* "file:line" of the scenario code that made the call */
    char routine[64];      /* the driver routine running, e.g. "DriverUnload" */
    char detail[1536];     /* more, e.g. the Lua error message of a driver crash, or a DDI
                              rule's violated condition and its instance's history */
    uint64_t time_100ns;
    uint32_t cpu;
    uint8_t irql;
    char irql_name[24]; /* "PASSIVE_LEVEL", "DISPATCH_LEVEL", or a number */
    char process[32];   /* process context: "System", "Idle", ... */
} drvsim_bugcheck;

typedef struct drvsim_expect {
    bool clean;    /* expect = "clean" (the default) */
    bool timeout;  /* expect = "timeout": a limit must end the run */
    bool deadlock; /* expect = "deadlock": the run must end in a deadlock */
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

/*
 * Deadlock detection's report (0xC4/0x1001, and drvsim's IRQL-safety rules
 * 0xC4/0xD001xxxx): the acquisition chains that make the cycle, each a lock
 * held and the lock acquired while holding it, as `!deadlock 3` lists them
 * but with the scenario line, routine and IRQL of every acquisition.
 */
#define DRVSIM_DEADLOCK_MAX_CHAINS 8

typedef struct drvsim_lock_step {
    uint64_t lock;        /* the lock's address */
    char name;            /* 'A', 'B', ...: the report's name for the lock */
    char type[24];        /* "Spinlock", "FastMutex", ... as !deadlock types it */
    char lock_class[320]; /* the class: "file:line" that initialised it, or "lock 0x..." */
    char routine[64];     /* the driver routine that acquired it, "" if none */
    char context[24];     /* "thread", "DPC", "ISR", "work item", "dispatch routine", ... */
    char irql[24];        /* the IRQL it was acquired at */
    char site[320];       /* "file:line" of the acquisition, "" when not known */
} drvsim_lock_step;

typedef struct drvsim_lock_chain {
    char who[48];  /* "thread 7", "thread 7 (terminated)", "DPC on CPU 1" */
    bool has_held; /* false: a single acquisition (an IRQL-safety rule's) */
    drvsim_lock_step held, acquired;
} drvsim_lock_chain;

typedef struct drvsim_deadlock {
    bool by_class;         /* the cycle is between lock classes, not these instances */
    size_t lock_count;     /* locks in the cycle */
    size_t chain_count;
    drvsim_lock_chain chains[DRVSIM_DEADLOCK_MAX_CHAINS];
    bool irql_rule;        /* an IRQL-safety rule: the scenario has an <Interrupt> */
    char verifier[512];    /* make it real (0x1001): the settings without deadlock detection */
    char sched[1024];      /* make it real: "directed:SITE1,SITE2" */
    char make_it_real[2048]; /* the command, filled by the front end ("" = none) */
} drvsim_deadlock;

/*
 * The race detector's report (0xC4/0xD0030001, /races): the memory both
 * accesses touched and each access, as the bug check's detail words them.
 */
#define DRVSIM_RACE_MAX_LOCKS 4

typedef struct drvsim_race_access {
    bool write;
    char context[16];  /* "thread", "DPC", "ISR" */
    char who[96];      /* "thread 4", "the DPC 0x... on CPU 1", "the run() body's thread 3" */
    char routine[64];  /* the driver routine it was in, "" if none */
    char through[48];  /* the Rtl routine that made it (RtlCopyMemory), "" for a pointer */
    char irql[24];
    char site[320];    /* "file:line", "" when not known */
    size_t lock_count; /* locks its context held (the first DRVSIM_RACE_MAX_LOCKS) */
    uint64_t locks[DRVSIM_RACE_MAX_LOCKS];
    char lock_kinds[DRVSIM_RACE_MAX_LOCKS][32]; /* "spin lock", "fast mutex", ... */
} drvsim_race_access;

typedef struct drvsim_race {
    uint64_t address; /* the first byte both touched */
    char object[448]; /* "offset 0x8 of pool block 0x... (24 bytes, tag \"TQex\", ...)" */
    drvsim_race_access earlier, later;
} drvsim_race;

/*
 * One edge of a deadlock's wait-for graph (sim/ke/waitgraph.c): a thread
 * waiting on an object (one row per object of its wait), or a processor
 * spinning on a spin lock.
 */
typedef struct drvsim_wait {
    uint32_t thread; /* the waiting thread's id; a spin: the thread its code runs in */
    int32_t cpu;     /* a spin: the spinning processor; -1 for a wait */
    char who[96];    /* "run() body", "tick.sys SystemThread", "x.sys DeferredRoutine (DPC)" */
    char site[320];  /* "file:line": where the wait (or the acquire that spins) was made */
    char kind[32];   /* "KEVENT", "KSEMAPHORE", "KMUTEX", "KTIMER", "FAST_MUTEX",
                        "ERESOURCE", "KSPIN_LOCK", "KTHREAD" (its end awaited) */
    char how[24];    /* "notification", "synchronization", "exclusive", "shared", or "" */
    uint64_t object; /* its address */
    /* Who holds it: owning threads (a spin lock: the holding processor's
     * thread), how ("owned", "owned exclusive", "owned shared", "not owned",
     * "held by CPU n"), and for a spin lock the holding processor (-1). */
    uint32_t owners[4];
    uint32_t owner_count;
    bool more_owners; /* shared owners beyond the four listed */
    char ownership[32];
    int32_t holder_cpu;
} drvsim_wait;

typedef struct drvsim_driver_result {
    char name[64];
    bool verified;
    uint64_t counters[DRVSIM_DRIVER_COUNTER_COUNT];
} drvsim_driver_result;

/*
 * IRP logging (/flags 0x400): a verified device's record of the IRPs it was
 * sent, at most DRVSIM_IRP_LOG_ENTRIES, in Windows' slot order (the 21st
 * replaced the first). major/minor are the stack location's function codes;
 * ioctl, input_bytes and output_bytes an IRP_MJ_(INTERNAL_)DEVICE_CONTROL's
 * (0 otherwise); seq (1 = the run's first logged IRP), time_100ns and
 * thread are drvsim's, to order and place them.
 */
#define DRVSIM_IRP_LOG_ENTRIES 20u

typedef struct drvsim_irp_log_entry {
    uint64_t seq;
    uint64_t time_100ns;
    uint32_t thread;
    uint8_t major, minor;
    uint32_t ioctl;
    uint32_t input_bytes, output_bytes;
} drvsim_irp_log_entry;

typedef struct drvsim_irp_log {
    char driver[64];     /* the device's driver */
    char device[128];    /* its name ("\Device\X"), "" if unnamed */
    uint64_t address;    /* the device object (simulated address) */
    uint64_t total;      /* IRPs logged, also those no longer held */
    size_t entry_count;  /* entries held, up to DRVSIM_IRP_LOG_ENTRIES */
    drvsim_irp_log_entry entries[DRVSIM_IRP_LOG_ENTRIES];
} drvsim_irp_log;

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
    uint64_t instructions; /* Lua instructions executed, plus the work library
                              functions did in C, charged (see --max-instructions) */
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
    /* For a deadlock detection bug check: the chains (NULL otherwise). */
    drvsim_deadlock *deadlock;
    /* For a data race (0xC4/0xD0030001): the two accesses (NULL otherwise). */
    drvsim_race *race;
    size_t driver_count;
    /* Things the user should know: options parsed but not simulated, ... */
    char **notes;
    size_t note_count;
    /* What drivers printed (DbgPrint, DbgPrintEx, KdPrint in a checked
     * build): one string per call, in order, as a debugger shows it. */
    char **debug_output;
    size_t debug_output_count;
    /* Low resources simulation: the failures injected, in order (the first
     * DRVSIM_MAX_RECORDED_FAULTS; fault_total counts them all), and with
     * list_fault_sites the first eligible call of every distinct call site. */
    drvsim_fault *faults;
    size_t fault_count;
    uint64_t fault_total;
    drvsim_fault *fault_sites;
    size_t fault_site_count;
    /* With record_switches: the decisions that differed from the replay
     * default, in order. */
    drvsim_switch *switches;
    size_t switch_count;
    /* A deadlock (outcome "deadlock", or a 0x133 whose processors spin on
     * each other's locks): the wait-for graph, threads first (in creation
     * order), then spinning processors; the cycle found, as text ("thread 3
     * -> thread 4 -> thread 3"; "" if none); idle system worker threads,
     * which wait for work, are only counted. */
    drvsim_wait *waits;
    size_t wait_count;
    char cycle[256];
    uint32_t idle_workers;
    /* The run's wall time, in nanoseconds: filled by the command line's job
     * runner (test --junit-host-time reports it), 0 from drvsim_run, which
     * never reads the host's clock. */
    uint64_t host_time_ns;
    /* Warnings the verifier reported without stopping the machine (I/O
     * verification's WDM DRIVER WARNINGs, bug-check-0xc9's severity W), in
     * order: the first DRVSIM_MAX_RECORDED_WARNINGS; warning_total counts
     * them all. */
    struct drvsim_warning *warnings;
    size_t warning_count;
    uint64_t warning_total;
    /* IRP logging (/flags 0x400): every logged device's record, in the
     * order of its first logged IRP. */
    drvsim_irp_log *irp_logs;
    size_t irp_log_count;
    /* Kernel synchronization delay fuzzing (/flags 0x800000): the calls
     * held back, and their delays summed (simulated time). */
    uint64_t delay_total;
    uint64_t delay_total_100ns;
} drvsim_result;

/* One warning: its rule, the bug check code and parameters it would carry
 * (P1 the WDM error code), the driver blamed, when. */
typedef struct drvsim_warning {
    char rule[64];
    uint32_t code;
    uint64_t params[4];
    char driver[64];
    uint64_t time_100ns;
} drvsim_warning;

#define DRVSIM_MAX_RECORDED_WARNINGS 1024u

#define DRVSIM_MAX_RECORDED_FAULTS 65536u

/*
 * Runs one scenario. Always fills *result (the outcome says what happened,
 * including scenario errors); returns result->exit_code. result must be
 * released with drvsim_result_free.
 */
int drvsim_run(const drvsim_options *options, drvsim_result *result);

/*
 * A simulator invariant that fails (a drvsim bug, never a scenario's) ends
 * the process with abort(); before that, the handler set here is called
 * with the run that was in progress, so that the bug can be replayed. The
 * scenario line is where the running code was ("" when none ran yet).
 * Without a handler, drvsim_run prints the three on standard error itself.
 * Set once per process; runs in the failing thread, with the heap possibly
 * damaged: print and return.
 */
typedef struct drvsim_abort_info {
    const char *scenario;
    uint64_t seed;
    const char *where; /* "file:line", or "" */
} drvsim_abort_info;
typedef void (*drvsim_abort_fn)(void *ctx, const drvsim_abort_info *info);
void drvsim_set_abort_handler(drvsim_abort_fn fn, void *ctx);
void drvsim_result_free(drvsim_result *result);

/*
 * drvsim's own checks (deadlock detection's IRQL-safety rules, SDV's static
 * rules checked at run time, the race detector, ...) raise 0xC4 with a P1 at
 * or above this value, which no Windows 0xC4 sub-code reaches (Windows' are
 * below 0x00100000). Each subsystem has its own block of 0x10000:
 *   0xD0010000  deadlock detection: lock IRQL safety
 *   0xD0020000  DDI compliance: SDV's rules checked dynamically
 *   0xD0030000  data races
 *   0xD0040000  real deadlocks (the wait-for graph)
 */
#define DRVSIM_OWN_SUBCODE_BASE 0xD0000000u

/* The rule catalogue, for `drvsim rules`. */
typedef struct drvsim_rule_info {
    const char *id;          /* "irql_raise_below_current" */
    uint32_t code;           /* bug check code; 0 = the driver's own (KeBugCheckEx) */
    uint8_t sub_param;       /* which parameter selects the case: 1 (0xC4, 0xC2, 0xC9),
                                4 (0xC1), or 0 when the code alone says it */
    uint64_t sub_value;      /* that parameter's value */
    uint32_t option;         /* /flags bit that enables it; 0 = automatic */
    bool kernel;             /* raised by the kernel itself, verifier or not */
    bool drvsim_own;         /* a check Windows does not make, with a sub-code in drvsim's
                                private range (DRVSIM_OWN_SUBCODE_BASE and up) */
    const char *description; /* one line */
    /* What P1..P4 hold, as the bug check's documentation names them ("Current
     * IRQL", "Pool type", ...): the meanings `!analyze -v` prints. */
    const char *param_meaning[4];
} drvsim_rule_info;

size_t drvsim_rule_count(void);
const drvsim_rule_info *drvsim_rule_at(size_t index);
const drvsim_rule_info *drvsim_rule_find(const char *id);
/* A DDI compliance rule's watched DDIs and routines ("KeSetEvent"; those
 * drvsim does not have yet after "not in drvsim yet:") and its conditions'
 * texts, one a line; NULL for the other rules. */
const char *drvsim_rule_watches(const drvsim_rule_info *rule);
const char *drvsim_rule_conditions(const drvsim_rule_info *rule);

#endif /* DRVSIM_DRVSIM_H */
