/*
 * ke.h - the simulated machine: processors and their IRQL, processes,
 * threads, the call context of a DDI, and the host interface.
 *
 * The kernel model knows nothing of Lua. Code that runs on simulated threads
 * (the scenario's harness body, driver routines) is executed by a host (the
 * Lua binding) through `ke_host`: the kernel decides *what* runs and *when*,
 * the host runs it. A DDI is a plain C function taking a `ke_call` (who is
 * calling, from where) and its WDK parameters; when it must block, it marks
 * the call blocked and returns, and the host suspends the caller until the
 * kernel makes the thread ready again.
 *
 * Failure kinds (STYLE.md): simulator bugs abort through KE_CHECK with the
 * seed; simulated failures are return values; a simulated bug check is a
 * record that halts the machine (ke_machine.stop), after which every DDI
 * refuses to run.
 */
#ifndef DRVSIM_KE_H
#define DRVSIM_KE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "des/des.h"
#include "drvsim/drvsim.h"
#include "vf/vf_settings.h"

/* ------------------------------------------------------------------------ */
/* WDK scalar types and constants                                           */
/* ------------------------------------------------------------------------ */

typedef uint8_t KIRQL;
typedef int32_t NTSTATUS;
typedef uint32_t ULONG;
typedef uint64_t PVOID_VA; /* a simulated virtual address (never host memory) */

#define PASSIVE_LEVEL  0
#define APC_LEVEL      1
#define DISPATCH_LEVEL 2

#define STATUS_SUCCESS                ((NTSTATUS)0x00000000)
#define STATUS_TIMEOUT                ((NTSTATUS)0x00000102)
#define STATUS_PENDING                ((NTSTATUS)0x00000103)
#define STATUS_UNSUCCESSFUL           ((NTSTATUS)0xC0000001u)
#define STATUS_ACCESS_VIOLATION       ((NTSTATUS)0xC0000005u)
#define STATUS_INVALID_PARAMETER      ((NTSTATUS)0xC000000Du)
#define STATUS_NO_MEMORY              ((NTSTATUS)0xC0000017u)
#define STATUS_INSUFFICIENT_RESOURCES ((NTSTATUS)0xC000009Au)
#define STATUS_OBJECT_NAME_NOT_FOUND  ((NTSTATUS)0xC0000034u)
#define STATUS_OBJECT_NAME_COLLISION  ((NTSTATUS)0xC0000035u)
#define STATUS_IMAGE_ALREADY_LOADED   ((NTSTATUS)0xC000010Eu)
#define NT_SUCCESS(s)                 ((NTSTATUS)(s) >= 0)

#define PAGE_SIZE  4096u
#define PAGE_SHIFT 12u

typedef enum ke_arch { KE_ARCH_X64 = 0, KE_ARCH_X86 = 1 } ke_arch;
typedef enum ke_build { KE_BUILD_FREE = 0, KE_BUILD_CHECKED = 1 } ke_build;

/* HIGH_LEVEL and friends differ between x86 and x64 (ddi_facts.md 1). */
KIRQL ke_high_level(ke_arch arch);
/* "PASSIVE_LEVEL", "APC_LEVEL", "DISPATCH_LEVEL", "HIGH_LEVEL", ... or "0x5". */
const char *ke_irql_name(ke_arch arch, KIRQL irql, char *buf, size_t len);

/* Always-on invariant check: a simulator bug, not a simulated one. */
#define KE_CHECK(m, cond)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ke_panic((m), __FILE__, __LINE__, #cond);                                              \
    } while (0)

struct ke_machine;
_Noreturn void ke_panic(const struct ke_machine *m, const char *file, int line, const char *what);

/* ------------------------------------------------------------------------ */
/* Processes and threads                                                    */
/* ------------------------------------------------------------------------ */

typedef struct ps_process {
    uint32_t id;       /* process id as Windows numbers them: Idle 0, System 4 */
    char image[32];    /* image file name: "System", "Idle", "app.exe" */
    PVOID_VA eprocess; /* address of its EPROCESS in simulated memory */
    uint8_t index;     /* position in the machine's process list */
    /* Pool quota charged to it (ExAllocatePoolWithQuotaTag, POOL_FLAG_USE_QUOTA). */
    uint64_t quota_paged_bytes, quota_nonpaged_bytes;
} ps_process;

typedef enum ke_thread_state {
    KE_THREAD_READY = 0, /* runnable, waiting for a processor */
    KE_THREAD_RUNNING,   /* the host is executing it */
    KE_THREAD_WAITING,   /* blocked until an event readies it */
    KE_THREAD_TERMINATED,
} ke_thread_state;

/* A driver routine being executed on a thread (routines nest: DriverEntry
 * may call into the kernel, which may call another routine). */
typedef struct ke_frame {
    struct io_driver *driver; /* whose code; NULL = the harness */
    const char *routine;      /* "DriverEntry", "DriverUnload", ... (static) */
} ke_frame;

#define KE_MAX_FRAMES 32

typedef struct ke_thread {
    uint32_t id; /* thread id, unique in the run, in creation order */
    ps_process *process;
    uint32_t cpu; /* processor it runs (or last ran) on */
    ke_thread_state state;
    NTSTATUS wait_status; /* what the wait that readied it returns */
    des_event wake;       /* timer of a timed wait (Sleep, KeDelay...) */
    struct ke_machine *machine;
    bool harness; /* the thread running the scenario's run() body */
    ke_frame frames[KE_MAX_FRAMES];
    uint32_t frame_count;
    void *host;                   /* the host's handle for the code it runs */
    struct ke_thread *next_ready; /* ready queue link */
} ke_thread;

/* ------------------------------------------------------------------------ */
/* Processors                                                               */
/* ------------------------------------------------------------------------ */

#define KE_MAX_CPUS 64

typedef struct ke_processor {
    uint32_t number;
    KIRQL irql;
    ke_thread *current;     /* running thread, or its idle thread */
    ke_thread *idle_thread; /* belongs to the Idle process */
} ke_processor;

/* ------------------------------------------------------------------------ */
/* The host                                                                 */
/* ------------------------------------------------------------------------ */

/* Where scenario code is: an index of the loaded chunk (0 = the scenario
 * file, then driver module files in load order) and a line. */
typedef struct ke_site {
    uint16_t chunk;
    uint32_t line;
} ke_site;

typedef struct ke_host {
    void *ctx;
    /* Runs (or continues) the code of a READY thread until it blocks, ends
     * or the machine stops. The thread's state tells which. */
    void (*resume)(void *ctx, ke_thread *thread);
    /* The scenario line executing on the current thread, for reports and
     * allocation tracking. */
    ke_site (*site)(void *ctx);
    /* "scenarios/x.lua:12" for a site; returns buf. */
    const char *(*site_name)(void *ctx, ke_site site, char *buf, size_t len);
} ke_host;

/* ------------------------------------------------------------------------ */
/* The machine                                                              */
/* ------------------------------------------------------------------------ */

typedef enum ke_stop {
    KE_RUNNING = 0,
    KE_STOP_BUGCHECK,       /* a bug check record halted the machine */
    KE_STOP_LIMIT,          /* a hard limit (time, events, instructions) */
    KE_STOP_SCENARIO_ERROR, /* the scenario is broken; the run means nothing */
    KE_STOP_FINISHED,       /* the harness body returned */
} ke_stop;

typedef struct ke_config {
    uint64_t seed;
    uint32_t cpus;
    ke_arch arch;
    ke_build build;
    uint64_t memory_bytes;
    des_limits limits;
    des_trace_sink trace_sink; /* every trace record, from the boot record on */
    void *trace_ctx;
} ke_config;

struct io_driver;
struct mm_space;
struct ex_pool;
struct vf_state;

typedef struct ke_machine {
    ke_config config;
    des_sim des;
    ke_host host;

    /* Named PRNG streams; each subsystem draws from its own. */
    des_rng rng_sched;
    des_rng rng_lua;

    ke_processor cpus[KE_MAX_CPUS];
    uint32_t cpu_count;

    ps_process *system_process;
    ps_process *idle_process;
    ps_process **processes;
    uint32_t process_count;

    ke_thread **threads; /* all threads, in creation order (id - 1) */
    uint32_t thread_count;
    ke_thread *ready_head, *ready_tail;

    struct mm_space *mm;
    struct ex_pool *pool;
    struct vf_state *vf;
    struct io_driver **drivers; /* registered images, in registration order */
    uint32_t driver_count;

    ke_stop stop;
    drvsim_bugcheck bugcheck; /* valid when stop == KE_STOP_BUGCHECK */
    char stop_message[512];   /* for LIMIT and SCENARIO_ERROR */
} ke_machine;

/* Who calls a DDI, from where. Built by the host for every call. */
typedef struct ke_call {
    ke_machine *m;
    ke_thread *thread;
    struct io_driver *driver; /* the calling image; NULL = harness code */
    uint16_t ddi;             /* DDI id (ddi_table.h), for the trace */
    bool blocked;             /* set by a DDI that put the thread to sleep */
    NTSTATUS raised;          /* nonzero: the DDI raised this structured exception
                                 (ExRaiseStatus semantics) instead of returning */
} ke_call;

static inline ke_processor *ke_call_cpu(const ke_call *call)
{
    return &call->m->cpus[call->thread->cpu];
}

static inline KIRQL ke_call_irql(const ke_call *call)
{
    return ke_call_cpu(call)->irql;
}

/* Creates a machine with its processors, the System and Idle processes and
 * their threads. Returns NULL when the host is out of memory. */
ke_machine *ke_machine_create(const ke_config *config, const vf_settings *verifier,
                              const vf_gflags *gflags, const ke_host *host);
void ke_machine_destroy(ke_machine *m);

/* Creates a System thread for the harness body, READY on processor 0. */
ke_thread *ke_create_harness_thread(ke_machine *m, void *host_handle);

/* Runs until the harness finishes, the machine stops, or nothing can ever
 * happen again. Returns the reason. */
ke_stop ke_run(ke_machine *m);

/* Stops the machine for a reason other than a bug check (the first stop
 * wins). */
void ke_stop_machine(ke_machine *m, ke_stop why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline bool ke_stopped(const ke_machine *m)
{
    return m->stop != KE_RUNNING;
}

/* Thread plumbing used by DDIs. */
void ke_ready_thread(ke_machine *m, ke_thread *t, NTSTATUS wait_status);
/* Puts the calling thread to sleep for interval_100ns; marks call blocked. */
void ke_wait_interval(ke_call *call, uint64_t interval_100ns);

/* Driver routine frames on the calling thread. */
void ke_push_frame(ke_thread *t, struct io_driver *driver, const char *routine);
void ke_pop_frame(ke_thread *t);
const ke_frame *ke_top_frame(const ke_thread *t);

/* ------------------------------------------------------------------------ */
/* Trace                                                                    */
/* ------------------------------------------------------------------------ */

/* Record types. A new type goes at the end: values are part of the digest. */
enum ke_trace_type {
    KE_TR_BOOT = 1, /* cpus u8, arch u8, build u8, memory u64 */
    KE_TR_CALL,     /* ddi u16, thread u32, cpu u8, irql u8, driver u8, argc u8, args u64... */
    KE_TR_RETURN,   /* ddi u16, thread u32, value u64 */
    KE_TR_SWITCH,   /* cpu u8, thread u32 */
    KE_TR_WAIT,     /* thread u32, until u64 */
    KE_TR_WAKE,     /* thread u32, status u32 */
    KE_TR_LOAD,     /* driver u8, name str, verified u8 */
    KE_TR_UNLOAD,   /* driver u8 */
    KE_TR_ROUTINE,  /* thread u32, driver u8, routine str, enter(1)/leave(0) u8 */
    KE_TR_BUGCHECK, /* code u32, p1..p4 u64, driver u8 */
    KE_TR_STOP,     /* reason u8 */
    KE_TR_VERIFIER, /* flags u32, a /volatile change */
};

/* The driver index used in trace records: 0xFF for none. */
uint8_t ke_trace_driver(const struct io_driver *d);

/* Starts a record stamped with the current time. */
void ke_trace_begin(ke_machine *m, des_rec *rec, uint16_t type);
void ke_trace_commit(ke_machine *m, const des_rec *rec);

#endif /* DRVSIM_KE_H */
