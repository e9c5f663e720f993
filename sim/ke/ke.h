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
#include "des/map.h"
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
#define STATUS_ALERTED                ((NTSTATUS)0x00000101)
#define STATUS_PENDING                ((NTSTATUS)0x00000103)
#define STATUS_UNSUCCESSFUL           ((NTSTATUS)0xC0000001u)
#define STATUS_ACCESS_VIOLATION       ((NTSTATUS)0xC0000005u)
#define STATUS_BREAKPOINT             ((NTSTATUS)0x80000003u)
#define STATUS_ASSERTION_FAILURE      ((NTSTATUS)0xC0000420u)
#define STATUS_INVALID_PARAMETER      ((NTSTATUS)0xC000000Du)
#define STATUS_NO_MEMORY              ((NTSTATUS)0xC0000017u)
#define STATUS_INSUFFICIENT_RESOURCES ((NTSTATUS)0xC000009Au)
#define STATUS_WORKING_SET_QUOTA      ((NTSTATUS)0xC00000A1u)
#define STATUS_OBJECT_NAME_NOT_FOUND  ((NTSTATUS)0xC0000034u)
#define STATUS_OBJECT_NAME_INVALID    ((NTSTATUS)0xC0000033u)
#define STATUS_OBJECT_NAME_COLLISION  ((NTSTATUS)0xC0000035u)
#define STATUS_OBJECT_PATH_SYNTAX_BAD ((NTSTATUS)0xC000003Bu)
#define STATUS_IMAGE_ALREADY_LOADED   ((NTSTATUS)0xC000010Eu)
#define NT_SUCCESS(s)                 ((NTSTATUS)(s) >= 0)

#define PAGE_SIZE  4096u
#define PAGE_SHIFT 12u

typedef enum ke_arch { KE_ARCH_X64 = 0, KE_ARCH_X86 = 1 } ke_arch;
typedef enum ke_build { KE_BUILD_FREE = 0, KE_BUILD_CHECKED = 1 } ke_build;

/* HIGH_LEVEL and friends differ between x86 and x64 (ddi_facts.md 1).
 * Inline: the verifier's KeRaiseIrql and KeLowerIrql ask at every call. */
static inline KIRQL ke_high_level(ke_arch arch)
{
    return arch == KE_ARCH_X86 ? 31 : 15;
}
/* "PASSIVE_LEVEL", "APC_LEVEL", "DISPATCH_LEVEL", "HIGH_LEVEL", ... or "0x5". */
const char *ke_irql_name(ke_arch arch, KIRQL irql, char *buf, size_t len);

/* Always-on invariant check: a simulator bug, not a simulated one. */
#define KE_CHECK(m, cond)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ke_panic((m), __FILE__, __LINE__, #cond);                                              \
    } while (0)

struct ke_machine;
struct ke_event;
_Noreturn void ke_panic(const struct ke_machine *m, const char *file, int line, const char *what);

/* ------------------------------------------------------------------------ */
/* Processes and threads                                                    */
/* ------------------------------------------------------------------------ */

typedef struct ps_process {
    uint32_t id;           /* process id as Windows numbers them: Idle 0, System 4 */
    uint32_t parent_id;    /* the creating process's id (0 for System and Idle) */
    uint32_t live_threads; /* threads created and not yet ended */
    bool exited;           /* a user process whose last thread ended */
    char image[32];        /* image file name: "System", "Idle", "app.exe" */
    PVOID_VA eprocess;     /* address of its EPROCESS in simulated memory */
    uint8_t index;         /* position in the machine's process list */
    /* Pool quota charged to it (ExAllocatePoolWithQuotaTag, POOL_FLAG_USE_QUOTA). */
    uint64_t quota_paged_bytes, quota_nonpaged_bytes;
    /* References drivers took on its EPROCESS (PsLookupProcessByProcessId,
     * ObReferenceObject...) beyond the kernel's own (ob/obtypes.c). */
    int64_t references;
    /* Its token's enabled privileges: bit n for the privilege whose LUID is n
     * (SeSinglePrivilegeCheck). */
    uint64_t privileges;
} ps_process;

typedef enum ke_thread_state {
    KE_THREAD_READY = 0, /* runnable, waiting for a processor */
    KE_THREAD_RUNNING,   /* the host is executing it */
    KE_THREAD_WAITING,   /* blocked until an event readies it */
    KE_THREAD_TERMINATED,
} ke_thread_state;

struct ke_call;
/* A C routine of the kernel that a kernel DPC runs (ke_dpc.kernel_routine). */
typedef void (*ke_kernel_routine)(struct ke_call *call, void *context);

/* A driver routine being executed (routines nest: DriverEntry may call into
 * the kernel, which may call another routine). */
typedef struct ke_frame {
    struct io_driver *driver; /* whose code; NULL = the harness */
    const char *routine;      /* "DriverEntry", "DriverUnload", ... (static) */
    uint64_t code;            /* the routine's simulated address (io_routine_token), 0 if none */
    uint8_t role;             /* ke_role (ke/hooks.h): what kind of routine */
    KIRQL irql;               /* the processor's IRQL when the routine started */
} ke_frame;

/* Frames an execution can hold: its start routine, one routine per nested
 * callout (bounded by the kernel stack, below), and a few the harness adds
 * (a process-creation callback). */
#define KE_MAX_FRAMES 40

struct ke_thread;

/*
 * A driver routine the kernel calls back in the middle of a DDI
 * (KeSynchronizeExecution's SynchronizeRoutine, IoCallDriver's dispatch
 * routine, IoCompleteRequest's completion routines, IoCancelIrp's cancel
 * routine): the DDI's first half set it up (IRQL raised, lock taken) and
 * pushed it; the host runs the routine on the same execution, then
 * ke_callout_end does the next step, which may push the next routine of a
 * chain (the completion routines up a device stack) or finish the DDI.
 */
typedef enum ke_callout_kind {
    KE_CALLOUT_SYNCHRONIZE = 0, /* KeSynchronizeExecution; BOOLEAN result */
    KE_CALLOUT_DISPATCH,        /* IoCallDriver: DRIVER_DISPATCH; NTSTATUS result */
    KE_CALLOUT_COMPLETION,      /* IoCompleteRequest: IO_COMPLETION_ROUTINE; NTSTATUS result */
    KE_CALLOUT_CANCEL,          /* IoCancelIrp: DRIVER_CANCEL; no result */
    KE_CALLOUT_CSQ,             /* IoCsq*: a callback of the driver's IO_CSQ (io/csq.c);
                                   its result as `returns` says */
    KE_CALLOUT_STARTIO,         /* IoStartPacket, IoStartNextPacket: DRIVER_STARTIO, or
                                   IoStartPacket's cancel routine (io/startio.c); no result */
    KE_CALLOUT_QUERY_ROUTINE,   /* RtlQueryRegistryValues: RTL_QUERY_REGISTRY_ROUTINE;
                                   NTSTATUS result (cm/rtl_registry.c) */
    KE_CALLOUT_REGISTRY,        /* a registry operation's RegistryCallback
                                   (EX_CALLBACK_FUNCTION); NTSTATUS result
                                   (cm/callbacks.c) */
    KE_CALLOUT_POWER_COMPLETE,  /* PoRequestPowerIrp's PREQUEST_POWER_COMPLETE; no result
                                   (po/power.c) */
    KE_CALLOUT_DMA,             /* a DMA adapter's ExecutionRoutine: AllocateAdapterChannel's
                                   DRIVER_CONTROL (IO_ALLOCATION_ACTION result), Get/Build-
                                   ScatterGatherList's DRIVER_LIST_CONTROL (none)
                                   (hal/dma.c) */
} ke_callout_kind;

/* How the host reads a callout routine's result when its kind does not say
 * (KE_CALLOUT_CSQ). */
typedef enum ke_callout_returns {
    KE_RETURNS_BY_KIND = 0, /* SYNCHRONIZE: BOOLEAN; CANCEL, STARTIO: none; others: NTSTATUS */
    KE_RETURNS_NOTHING,     /* VOID */
    KE_RETURNS_STATUS,      /* NTSTATUS */
    KE_RETURNS_POINTER,     /* a pointer (PIRP): nil is NULL */
} ke_callout_returns;


/* A callout argument pushed as an integer (ke_callout.arg_types), not as a
 * pointer: a ValueType, a ValueLength. */
#define KE_ARG_INTEGER 0xFFu

typedef struct ke_callout {
    uint8_t kind;             /* ke_callout_kind */
    uint32_t routine;         /* io_routine */
    struct io_driver *driver; /* whose routine */
    const char *name;         /* the frame name: "SynchronizeRoutine" */
    uint64_t argument;        /* KeSynchronizeExecution: its one argument */
    uint64_t args[6];         /* the routine's arguments (argument is args[0]) */
    uint8_t arg_types[6];     /* ke_type_id of each (0: a plain pointer; KE_ARG_INTEGER) */
    uint8_t argc;
    struct ke_interrupt *interrupt; /* KeSynchronizeExecution: whose lock is held */
    KIRQL old_irql;                 /* the IRQL to return to */
    uint16_t ddi;                   /* the DDI that called it, for the trace */
    uint8_t ret;                    /* how the host returns the DDI's result (lb_ret) */
    /* I/O (io/irp.c): the IRP, the device called or completing, the stack
     * location (CurrentLocation) the step is at, the IRQL before the
     * dispatch routine, the DDI's own result once the chain ends, and
     * whether the I/O verifier watches this step. */
    PVOID_VA irp, device;
    /* A completion routine IoSetCompletionRoutineEx set: the device object
     * it referenced, dereferenced when the routine returns (0: none). */
    PVOID_VA unload_safe_device;
    int32_t location;
    KIRQL irql_before;
    uint64_t result;
    bool verify;
    /* The routine's result (ke_callout_returns), which of its arguments
     * are integers rather than pointers (a bit each: a KIRQL by value),
     * and, for the I/O manager's multi-step routines (IoCsq*, StartIo),
     * the step the DDI is at and the kernel's own storage for the step
     * (the KIRQL CsqAcquireLock stores). */
    uint8_t returns;
    uint8_t int_args;
    uint8_t step;
    PVOID_VA queue;   /* IoCsq*: the IO_CSQ */
    PVOID_VA scratch; /* IoCsq*: the KIRQL CsqAcquireLock stores */
    void *context; /* KE_CALLOUT_QUERY_ROUTINE, KE_CALLOUT_REGISTRY: the state
                      (cm/rtl_registry.c, cm/callbacks.c) */
    uint8_t outs;  /* the DDI's out parameters (integers), in ke_exec.callout_outs
                      when its chain ends */
    /* Dispatch and completion routines (io/irp.c): the IRP's IoStatus as
     * the routine was given it, and whether its device was attached to a
     * device below then (the I/O verifier compares what the routine did). */
    uint32_t status_in;
    uint64_t information_in;
    bool attached_in;
    uint8_t major_in, minor_in; /* the location's function codes (completion zeroes them) */
    int64_t references_in;      /* the device object's references */
    bool event_signaled_in;     /* the IRP's UserEvent was signalled (I/O verifier's) */
    uint32_t apc_disable_in;    /* the thread's CombinedApcDisable when called */
} ke_callout;

/*
 * The kernel stack. Each thread has one of KERNEL_STACK_SIZE bytes, 24 KB on
 * x64 and 12 KB on x86 ("How do I keep my driver from running out of
 * kernel-mode stack?"); a DPC runs on its processor's DPC stack of the same
 * size, and drvsim gives an ISR its own too (on x64 Windows an ISR borrows
 * the interrupted stack: a simplification). drvsim does not know how much
 * stack a Lua routine would use in C, so it charges every frame a fixed
 * cost: a driver routine half of the WDK's kernel-mode budget for one
 * function (code analysis warning C6262: 1 KB), 512 bytes on x64, and the
 * kernel routine that calls it back (IofCallDriver, IofCompleteRequest,
 * IoCancelIrp, KeSynchronizeExecution) 256 bytes; x86 frames, half as wide,
 * half of each. The stack starts with one of each (the system thread's or
 * the DPC dispatcher's start, and the first routine), so a callout nested
 * n deep uses (n + 1) * 768 bytes on x64: 31 levels fit (16 pass-through
 * filters over a device take 17), the 32nd overflows into the guard page
 * and the processor double-faults: UNEXPECTED_KERNEL_MODE_TRAP (0x7F,
 * P1 = 8, EXCEPTION_DOUBLE_FAULT).
 */
#define KE_KERNEL_STACK_BYTES_X64  0x6000u
#define KE_KERNEL_STACK_BYTES_X86  0x3000u
#define KE_ROUTINE_FRAME_BYTES_X64 512u
#define KE_KERNEL_FRAME_BYTES_X64  256u
#define KE_ROUTINE_FRAME_BYTES_X86 256u
#define KE_KERNEL_FRAME_BYTES_X86  128u

/* Nested callouts: KeSynchronizeExecution of distinct interrupts, and the
 * dispatch and completion routines of a device stack. The stack overflows
 * before the array does, on either architecture. */
#define KE_MAX_CALLOUTS 32
_Static_assert((KE_MAX_CALLOUTS + 1) * (KE_ROUTINE_FRAME_BYTES_X64 + KE_KERNEL_FRAME_BYTES_X64) >
                   KE_KERNEL_STACK_BYTES_X64,
               "the x64 stack overflows before the callout array fills");
_Static_assert((KE_MAX_CALLOUTS + 1) * (KE_ROUTINE_FRAME_BYTES_X86 + KE_KERNEL_FRAME_BYTES_X86) >
                   KE_KERNEL_STACK_BYTES_X86,
               "the x86 stack overflows before the callout array fills");
_Static_assert(KE_MAX_FRAMES >= KE_MAX_CALLOUTS + 2, "a frame for every callout's routine");

/*
 * What a processor executes: a thread's code, or (later) a DPC routine that
 * interrupts it. The host runs it as one coroutine; the kernel knows where it
 * is (its driver routine frames) and what it should start with.
 */
typedef struct ke_exec {
    void *host;               /* the host's handle for the code; NULL until started */
    bool is_dpc;              /* a DPC routine, interrupting thread's code */
    bool is_isr;              /* an interrupt service routine, interrupting either */
    struct ke_thread *thread; /* whose context: process, PsGetCurrentThread */
    uint32_t cpu;             /* the processor it runs on */
    /* What to start: a routine of a driver, with pointer-sized arguments. */
    uint32_t start_routine; /* io_routine; 0 = the harness body */
    struct io_driver *start_driver;
    const char *start_name; /* the frame name: "SystemThread", "DeferredRoutine" */
    ke_kernel_routine kernel_routine; /* a kernel DPC's C routine (then no start_routine) */
    void *kernel_context;
    uint64_t start_args[4];
    uint8_t start_arg_types[4]; /* ke_type_id of each argument (0: a plain pointer) */
    uint8_t start_argc;
    ke_frame frames[KE_MAX_FRAMES];
    uint32_t frame_count;
    /* A DDI interrupted between its loads and its stores (see ke_call.again):
     * which one (0 = none) and what its loads found. */
    uint16_t resume_ddi;
    uint64_t resume_values[3];
    /* Its next access passed its preemption point (ke_access_point). */
    bool access_passed;
    uint32_t pct_priority;                /* PCT scheduling: 0 until first considered */
    uint64_t steps;                       /* preemption points passed: names its decisions */
    /* The call being made again is one ke_delay_call held back: it goes
     * through without another hold (the verifier's delay fuzzing). */
    bool delay_done;
    uint32_t run;                         /* a DPC or ISR: its run on the processor (1 = first) */
    /* Routines called back, innermost last: KE_MAX_CALLOUTS of them,
     * allocated at the first (ke_callout_stack_room; most executions never
     * call back, and the array is 7 KB), freed with the thread or processor. */
    ke_callout *callouts;
    uint32_t callout_count;
    /* A callout DDI's out parameters (ZwCreateKey's handle and disposition),
     * set by the kernel when its chain ends, returned after its status. */
    uint64_t callout_outs[2];
} ke_exec;

/* Dispatcher object types, as DISPATCHER_HEADER.Type numbers them. */
typedef enum ke_object_type {
    KE_OBJECT_NOTIFICATION_EVENT = 0,
    KE_OBJECT_SYNCHRONIZATION_EVENT = 1,
    KE_OBJECT_MUTANT = 2, /* a KMUTEX (MutantObject) */
    KE_OBJECT_SEMAPHORE = 5,
    KE_OBJECT_THREAD = 6,
    KE_OBJECT_NOTIFICATION_TIMER = 8,
    KE_OBJECT_SYNCHRONIZATION_TIMER = 9,
} ke_object_type;

struct io_driver;

/* A DPC: the kernel's state of a KDPC (KeInitializeDpc). */
typedef struct ke_dpc {
    PVOID_VA va;
    uint32_t routine;         /* io_routine of the DeferredRoutine */
    struct io_driver *driver; /* whose routine */
    PVOID_VA context;         /* DeferredContext */
    uint64_t argument1, argument2;
    int32_t target_cpu;  /* KeSetTargetProcessorDpc; -1 = where it is queued */
    uint32_t importance; /* LowImportance 0, MediumImportance 1, HighImportance 2 */
    bool queued;
    uint32_t queued_cpu;
    struct ke_dpc *next, *prev; /* the processor's DPC queue */
    /* An I/O timer's DPC (IoInitializeTimer): the routine is the driver's
     * IO_TIMER_ROUTINE, called with (DeviceObject, Context). */
    PVOID_VA io_timer_device;
    /* An EX_TIMER's DPC (ExAllocateTimer): the routine is the driver's
     * EXT_CALLBACK, called with (Timer, Context). */
    PVOID_VA ex_timer;
    /* A DPC of the kernel's own (the verifier's deferred completion of a
     * forced-pending IRP): a C routine instead of a driver's; it may push a
     * callout (a completion routine), which the host then runs. */
    ke_kernel_routine kernel_routine;
    void *kernel_context;
} ke_dpc;

/* A timer: the kernel's state of a KTIMER; its dispatcher object is the
 * KTIMER itself. */
typedef struct ke_timer {
    PVOID_VA va;
    struct ke_object *object;
    struct ke_machine *machine;
    des_event expiry;
    bool set;
    uint64_t period_100ns;        /* 0 = one-shot */
    PVOID_VA dpc;                 /* queued at expiry, 0 = none */
    struct io_driver *setter;     /* the driver that set it (for unload checks) */
    struct ke_timer *next, *prev; /* the set timers */
    uint64_t set_seq;             /* when it joined them (newest first in the list) */
} ke_timer;

struct ke_wait_block;

/* An interrupt object: the kernel's state of a KINTERRUPT
 * (IoConnectInterrupt). */
typedef struct ke_interrupt {
    PVOID_VA va;              /* the KINTERRUPT, in nonpaged pool */
    uint32_t routine;         /* io_routine of the ServiceRoutine */
    struct io_driver *driver; /* whose routine */
    PVOID_VA context;         /* ServiceContext */
    PVOID_VA spin_lock;       /* the caller's SpinLock, or the KINTERRUPT's own */
    ULONG vector;
    KIRQL irql;             /* the device IRQL the ISR runs at */
    KIRQL synchronize_irql; /* >= irql: what KeSynchronizeExecution raises to */
    ULONG mode;             /* LevelSensitive 0, Latched 1 */
    bool share_vector, floating_save;
    uint64_t processor_mask; /* KAFFINITY the interrupt may be delivered to */
    bool connected;
    uint64_t pending_cpus;     /* requested on these processors, not yet serviced */
    struct ke_interrupt *next; /* every interrupt ever connected, in order */
} ke_interrupt;

/* Device IRQLs this model gives interrupts (x64: 3..12; x86 the same
 * range, below its profile and clock levels). */
#define KE_DIRQL_MIN 3
#define KE_DIRQL_MAX 12

/* A dispatcher object: the kernel's state of a KEVENT, a thread... Its
 * memory in the simulated machine holds a DISPATCHER_HEADER mirror. */
typedef struct ke_object {
    PVOID_VA va;
    ke_object_type type;
    int32_t signal_state;
    struct ke_wait_block *waiters_head, *waiters_tail; /* FIFO */
    struct ke_thread *thread;                          /* KE_OBJECT_THREAD: the thread */
    int64_t references;                                /* object manager references (threads) */
    int32_t limit;                                     /* KE_OBJECT_SEMAPHORE: its Limit */
    /* KE_OBJECT_MUTANT: the owner (NULL when free; SignalState 1 - depth
     * otherwise), the APC disable its acquisition costs (1 for a KMUTEX),
     * and the link in the owner's list of mutexes, in acquisition order. */
    struct ke_thread *owner;
    uint8_t apc_disable;
    struct ke_object *next_owned;
    bool ob_created; /* created by the object manager for an application
                        (CreateEvent): its memory goes with its last reference */
    /* An object that is not a dispatcher object (a registry key object,
     * cm/cm.h): its kernel state, owned by its manager. */
    void *body;
} ke_object;

#define KE_MAX_WAIT_OBJECTS 64 /* MAXIMUM_WAIT_OBJECTS */

/* One object a thread waits on. */
typedef struct ke_wait_block {
    struct ke_thread *thread;
    ke_object *object;
    uint32_t index; /* in the wait's object list: STATUS_WAIT_0 + index */
    struct ke_wait_block *next, *prev;
    bool queued;
} ke_wait_block;

typedef struct ke_thread {
    uint32_t id; /* thread id, unique in the run, in creation order */
    ps_process *process;
    ke_thread_state state;
    NTSTATUS wait_status; /* what the wait that readied it returns */
    des_event wake;       /* timeout of a timed wait (Sleep, KeDelay..., KeWait...) */
    struct ke_machine *machine;
    bool harness; /* the thread running the scenario's run() body */
    bool idle;    /* a processor's idle thread: runs nothing */
    ke_exec exec;
    struct ke_thread *next_ready; /* ready queue link */
    bool in_ready_queue;          /* on the machine's ready queue (ke_ready_thread) */
    /* The wait it is in: its blocks, how many, any or all. */
    ke_wait_block blocks[KE_MAX_WAIT_OBJECTS];
    uint32_t wait_count;
    bool wait_all;
    NTSTATUS timeout_status;   /* what its wait returns if the timeout passes */
    KIRQL wait_irql;           /* its IRQL while it waits, restored when it runs */
    ke_object *object;         /* its own dispatcher object (ETHREAD) */
    struct io_driver *creator; /* the driver that created it (system threads) */
    NTSTATUS exit_status;
    /* KTHREAD.KernelApcDisable and SpecialApcDisable: 0, or negative while
     * the thread is in a critical (guarded) region; they make up
     * CombinedApcDisable. */
    int16_t kernel_apc_disable, special_apc_disable;
    ke_object *owned_mutexes; /* the KMUTEXes it owns, first acquired first */
    /* A fast mutex acquire it blocks in: the mutex, and the IRQL to store as
     * its OldIrql when the releasing thread hands it over (safe variant). */
    PVOID_VA fast_mutex_wait;
    KIRQL fast_mutex_old_irql;
    bool fast_mutex_safe;
    /* A system worker thread: the work queue it serves (ex/work.h); its
     * execution restarts with each work item it takes. NULL otherwise. */
    struct ex_work_queue *work_queue;
    /* An ERESOURCE acquire it blocks in (0 for none) and how: for the
     * deadlock report. */
    PVOID_VA resource_wait;
    bool resource_wait_exclusive;
    /* KeSetPriorityThread's priority (8 at creation, the System process's
     * base priority; the scheduler explores interleavings regardless), and
     * the system affinity KeSetSystemAffinityThreadEx set: the processors
     * it may run on, 0 for no constraint (processor.c). */
    int32_t priority;
    uint64_t affinity;
    /* A synchronization event of its own, in nonpaged pool, made on first
     * need: what it waits on inside a push lock or a rundown wait, where
     * Windows puts a wait block on the thread's stack (processor.c). */
    struct ke_object *lock_event;
    /* What it waits for on lock_event, for the deadlock report: a push
     * lock (exclusive or shared) or a run-down; 0 for none. */
    PVOID_VA lock_wait;
    uint8_t lock_wait_kind; /* KE_LOCK_WAIT_* */
    uint64_t claim; /* the scheduler's matching of ready threads to processors */
    /* The I/O manager's per-thread fields: IoGetTopLevelIrp's IRP (a file
     * system's recursion marker) and the device IoSetHardErrorOrVerifyDevice
     * named (IoGetDeviceToVerify). */
    PVOID_VA top_level_irp, device_to_verify;
} ke_thread;

/* Marshalled DDI arguments: an array of object pointers (a Lua table). */
typedef struct ke_ptr_array {
    uint32_t count;
    PVOID_VA items[KE_MAX_WAIT_OBJECTS];
} ke_ptr_array;

/* CLIENT_ID: what PsCreateSystemThread returns about the thread. */
typedef struct ke_client_id {
    uint64_t process, thread;
} ke_client_id;

/* ------------------------------------------------------------------------ */
/* Processors                                                               */
/* ------------------------------------------------------------------------ */

#define KE_MAX_CPUS 64

/* Threads one run may create. The kernel keeps every thread's record for
 * the run (its id, its object, the reports), about 8 KB of host memory
 * each: the bound keeps a scenario that creates threads without end (or a
 * million at once) to half a GiB, and ends it as an error naming the limit
 * (ke_thread_limit_reached) rather than an abort when the host runs out. */
#define KE_MAX_THREADS 65536u

typedef struct ke_processor {
    uint32_t number;
    KIRQL irql;
    ke_thread *current;     /* the thread it runs (or preempted), else its idle thread */
    ke_thread *idle_thread; /* belongs to the Idle process */
    struct ke_machine *machine;
    /* Spinning: the lock it waits for (0 for none), and the IRQL it had
     * before the acquire raised it. */
    PVOID_VA spinning_on;
    KIRQL spin_old_irql;
    /* DPCs: its queue, and the one running (interrupting `current`). */
    ke_dpc *dpc_head, *dpc_tail;
    ke_exec dpc_exec;
    bool in_dpc;
    KIRQL irql_before_dpc;
    /* Between two DPCs of one drain (KiRetireDpcList): the queue was not
     * empty when the last one returned, so the processor stayed at
     * DISPATCH_LEVEL for the next. */
    bool dpc_drain;
    uint64_t drain_runs; /* DPCs run in the current drain */
    /* The DPC watchdog: when it went to DISPATCH_LEVEL or above, and the
     * event that fires if it stays there for the watchdog period. */
    uint64_t dispatch_since_100ns;
    des_event watchdog;
    /* The ISR running (interrupting the DPC or the thread), the interrupt it
     * serves, the IRQL it interrupted, and whether it still waits for the
     * interrupt's spin lock. One ISR at a time per processor. */
    ke_exec isr_exec;
    bool in_isr;
    ke_interrupt *isr;
    KIRQL irql_before_isr;
    bool isr_lock_wait;
    /* DPCs and ISRs run so far: the next one's ke_exec.run. */
    uint32_t dpc_runs, isr_runs;
    /* --sched directed: held back (stalled: nothing runs on it), and what
     * was left of its DPC watchdog period when the hold began (0: none
     * armed), which the hold does not count. */
    bool held;
    uint64_t held_watchdog_left_100ns;
    /* KeStallExecutionProcessor: the processor spins, busy, until the
     * event fires; it runs nothing else meanwhile (processor.c). */
    bool stalled;
    des_event stall_end;
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
    /* Runs (or continues) an execution until it yields (a preemption point),
     * blocks, ends or the machine stops. Its thread's state tells which; an
     * execution that ended is reported by ke_exec_ended. */
    void (*resume)(void *ctx, ke_exec *exec);
    /* The scenario line an execution is at (NULL: the one running now), for
     * reports and allocation tracking. */
    ke_site (*site)(void *ctx, const ke_exec *exec);
    /* "scenarios/x.lua:12" for a site; returns buf. */
    const char *(*site_name)(void *ctx, ke_site site, char *buf, size_t len);
    /* The identity of the calling driver routine's stack at a DDI call:
     * a hash of the scenario lines of its frames, innermost first, from the
     * routine's entry to the call (the same lines give the same value, also
     * after the driver was loaded again). NULL: only the innermost line
     * (site) tells stacks apart. */
    uint64_t (*stack_id)(void *ctx, const ke_exec *exec);
    /* What site says for an execution (NULL: the one running now),
     * answered from a cache of the call sites seen where the host keeps
     * one: for what notes the line of every call it sees (the lock graph's
     * acquisitions, the pool's allocations). NULL: site (ke_call_site). */
    ke_site (*call_site)(void *ctx, const ke_exec *exec);
    /* Whether two routine references name the same routine (one function
     * passed twice). NULL: only equal references do. */
    bool (*same_routine)(void *ctx, uint32_t a, uint32_t b);
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
    KE_STOP_DEADLOCK,       /* every thread waits, nothing can wake one (waitgraph.c) */
} ke_stop;

/*
 * How the scheduler chooses among processors with work (--sched).
 * random: uniformly, at every decision. pct:D[:K]: probabilistic concurrency
 * testing (Burckhardt et al., ASPLOS 2010): every execution gets a random
 * priority above D, the highest runs, and at D-1 decisions drawn among the
 * first K the running one drops below all others. A bug that needs D
 * ordering constraints is found on at least 1/(n K^(D-1)) of the seeds.
 * directed:SITE[,SITE...]: random, and an execution that returns from a DDI
 * called at one of the scenario lines SITE ("file:line", as reports print
 * it; the first time per site) is held back, its processor stalled as a
 * host preempting a virtual processor would stall it, while the others run
 * and time goes on; see ke_directed_* in sched.c.
 */
typedef enum ke_sched_kind { KE_SCHED_RANDOM = 0, KE_SCHED_PCT, KE_SCHED_DIRECTED } ke_sched_kind;

#define KE_PCT_MAX_DEPTH     16
#define KE_PCT_DEFAULT_STEPS 10000u /* K: the decisions a typical scenario makes */

/* directed: sites at most, and the longest "file:line" taken. */
#define KE_DIRECTED_MAX_SITES  8
#define KE_DIRECTED_SITE_BYTES 320

/* directed: the longest a held processor stays stalled while something
 * else is still to happen (a later event); shorter than the DPC watchdog
 * period, so that a processor spinning on a lock the held one owns is not
 * timed out by the hold alone. */
#define KE_DIRECTED_MAX_HOLD_100NS (10ull * 10000000ull)

typedef struct ke_sched {
    ke_sched_kind kind;
    /* "+accesses": a driver's own loads and stores through pointers are
     * preemption points too where another execution context has touched
     * the memory (ke_access_point, share.c). */
    bool accesses;
    uint32_t depth; /* PCT: D, 1..KE_PCT_MAX_DEPTH */
    uint64_t steps; /* PCT: K, the decisions the change points are drawn among */
    /* directed: the sites, as given ("file:line"), and each one's line. */
    uint32_t site_count;
    uint32_t site_line[KE_DIRECTED_MAX_SITES];
    char site[KE_DIRECTED_MAX_SITES][KE_DIRECTED_SITE_BYTES];
} ke_sched;

/* Parses "random", "pct" (depth 3), "pct:D", "pct:D:K" or
 * "directed:FILE:LINE[,FILE:LINE...]", each optionally followed by
 * "+accesses"; false if malformed. */
bool ke_sched_parse(const char *text, ke_sched *out);

typedef struct ke_config {
    uint64_t seed;
    ke_sched sched;
    /* Scheduling decisions by meaning (drvsim_options says how). */
    bool record_switches;
    bool replay_switches_given;
    const drvsim_switch *replay_switches;
    size_t replay_switch_count;
    bool kd_attached; /* a kernel debugger is attached (--kd) */
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

/* A deadlock's wait-for graph: its rows (drvsim.h), the cycle found, and
 * the idle worker threads counted aside. */
typedef struct ke_waitgraph {
    drvsim_wait *rows;
    size_t count, capacity;
    char cycle[256];
    uint32_t idle_workers;
    bool built;
} ke_waitgraph;

/* PSP_MAX_CREATE_PROCESS_NOTIFY: process-creation callbacks at most. */
#define KE_MAX_PROCESS_NOTIFY 64

typedef struct ke_machine {
    ke_config config;
    des_sim des;
    ke_host host;

    /* Named PRNG streams; each subsystem draws from its own. */
    des_rng rng_sched;
    des_rng rng_lua;
    des_rng rng_paging; /* the paging model's trims (mm_paging_raise) */

    ke_processor *cpus; /* cpu_count of them */
    uint32_t cpu_count;

    ps_process *system_process;
    ps_process *idle_process;
    ps_process **processes;
    uint32_t process_count;

    ke_thread **threads; /* all threads, in creation order (id - 1) */
    uint32_t thread_count;
    uint32_t thread_capacity; /* slots of threads, grown by doubling */
    ke_thread *ready_head, *ready_tail;
    /* The ready queue's length and, of it, the threads with a system
     * affinity: kept as threads join and leave it (ke_ready_thread,
     * ke_unready_thread, set_affinity), so that a preemption point does not
     * walk the queue (issue 18: it was linear in threads per DDI call). */
    uint32_t ready_count, ready_affine;
    /* Processors by what they have, a bit each, so that a scheduling step
     * visits only those (issue 18: flat in processors). busy_cpus: one runs
     * an ISR, a DPC or a thread (ke_cpu_note_busy, wherever in_isr, in_dpc
     * or current change). dpc_cpus: one may have DPCs to start (set as one
     * is queued; cleared by ke_run once its queue is empty and no drain
     * goes on). */
    uint64_t busy_cpus, dpc_cpus;
    ke_thread *harness; /* the thread running run() */

    int32_t next_cpu; /* the processor a preemption point chose, -1 for none */
    /* PCT: decisions taken among two or more candidates, and the decisions
     * (ascending) at which the running execution's priority drops. */
    uint64_t sched_steps;
    uint64_t pct_change[KE_PCT_MAX_DEPTH];
    uint32_t pct_change_count, pct_change_next;
    /* Decisions by meaning: taken while nothing ran (their count names
     * them); recorded (record_switches); to replay, sorted by name. */
    uint64_t idle_decisions;
    drvsim_switch *switch_log;
    size_t switch_log_count, switch_log_capacity;
    drvsim_switch *switch_replay;
    size_t switch_replay_count;
    ke_exec *last_exec; /* the execution run last, for the trace */
    /* --sched directed: the sites reached (a bit each), the processors
     * held, and when the first of them was. */
    uint32_t directed_reached;
    uint32_t held_count;
    uint64_t held_since_100ns;
    uint64_t claim_epoch; /* candidates(): matching ready threads with an affinity */
    /* --sched ...+accesses: who touched which memory (share.c), lazily. */
    struct ke_share *share;

    des_map objects;    /* dispatcher object address -> ke_object */
    des_map dpcs;       /* KDPC address -> ke_dpc */
    des_map timers;     /* KTIMER address -> ke_timer */
    des_map interrupts; /* KINTERRUPT address -> ke_interrupt */
    des_map resources;  /* ERESOURCE address -> ex_resource (ex/resource.h) */
    des_map rundown_waiters; /* EX_RUNDOWN_REF address -> its waiting ke_thread (ex/rundown.c) */
    des_map push_locks;      /* EX_PUSH_LOCK address -> ex_push_lock, its waiters (ex/pushlock.c) */
    /* PsSetCreateProcessNotifyRoutine: the routines registered, in order. */
    struct ke_notify {
        struct io_driver *driver;
        uint32_t routine; /* io_routine */
        bool ex;          /* PsSetCreateProcessNotifyRoutineEx's (PCREATE_PROCESS_NOTIFY_ROUTINE_EX) */
    } process_notify[KE_MAX_PROCESS_NOTIFY];
    uint32_t process_notify_count;
    struct ps_notify *notify; /* thread and image notify routines (ps/notify.c), lazily */
    struct ob_state *ob;      /* object types, applications' handles, Ob callbacks (ob/) */
    ke_interrupt *interrupts_head, *interrupts_tail;
    ke_timer *timers_head; /* the timers that are set */
    /* How many, and the count of joins, so that ke_timer_in_range can look
     * a small range up in `timers` rather than walk them all (issue 18). */
    uint64_t timers_set_count, timers_set_seq;
    ke_object *flush;      /* what KeFlushQueuedDpcs waits on */
    des_map handles;       /* kernel handle -> ke_object */
    des_map protected_handles; /* kernel handle -> its object: ProtectFromClose set */
    uint64_t next_handle;

    struct mm_space *mm;
    struct ex_pool *pool;
    struct vf_state *vf;
    struct io_named_event *named_events; /* IoCreateNotificationEvent's, newest first */
    struct cm_registry *registry;        /* the registry (cm/registry.c), made at first use */
    struct io_fs *fs;                    /* the file namespace (io/file.c), made at first use */
    struct io_error_log *error_log;      /* entries drivers wrote (io/errorlog.c), lazily */
    struct io_driver **drivers;          /* registered images, in registration order */
    uint32_t driver_count;
    des_map devices;                  /* DEVICE_OBJECT address -> io_device (io/device.c) */
    uint64_t devices_created;         /* device objects made in the run (io_device.serial) */
    des_map irps;                     /* IRP address -> io_irp (io/irp.c) */
    struct io_manager *io;            /* cancel lock, symbolic links (io/irp.c), created lazily */
    struct io_requests *requests;     /* applications' open files and requests (io/request.c) */
    struct io_remove_lock *remove_locks; /* IO_REMOVE_LOCKs initialised (io/removelock.c) */
    struct io_pnp *pnp;
    struct io_wmi *wmi;
    struct po_manager *po;            /* the power manager (po/power.c), created lazily */
    struct hal_dma *dma;              /* DMA adapters (hal/dma.c), created lazily */               /* WMI and ETW registrations (io/wmi.c), created lazily */               /* the PnP manager's devices (io/pnp.c), created lazily */
    des_map work_items;               /* IO_WORKITEM address -> ex_work_item (ex/work.c) */
    struct ex_work *work;             /* the system work queues, created with their first item */
    struct ex_lookasides *lookasides; /* lookaside lists (ex/lookaside.c), created lazily */

    /* What drivers printed (DbgPrint...): one string per call, in order, at
     * most KD_DEBUG_OUTPUT_MAX_CALLS; owned by the machine. */
    char **debug_output;
    uint32_t debug_output_count;
    /* The verifier's warnings (kd_warn): the first
     * DRVSIM_MAX_RECORDED_WARNINGS, and how many there were. */
    drvsim_warning *warnings;
    uint32_t warning_count;
    uint64_t warning_total;

    /* Which ke_event kinds the verifier listens to (ke/hooks.h), one bit
     * per kind, and the listener's entry point for each kind in the mask,
     * both set by vf_hooks_update. */
    uint32_t hook_mask;
    void (*hook_fn[32])(struct ke_machine *m, const struct ke_event *ev);

    /* A deadlock's wait-for graph (waitgraph.c), built when one is found. */
    ke_waitgraph waitgraph;

    ke_stop stop;
    drvsim_bugcheck bugcheck; /* valid when stop == KE_STOP_BUGCHECK */
    char stop_message[1024];  /* for LIMIT and SCENARIO_ERROR */
} ke_machine;

/* Who calls a DDI, from where. Built by the host for every call. */
typedef struct ke_call {
    ke_machine *m;
    ke_exec *exec;            /* what runs the call */
    ke_thread *thread;        /* exec->thread: the context it runs in */
    struct io_driver *driver; /* the calling image; NULL = harness code */
    uint16_t ddi;             /* DDI id (ddi_table.h), for the trace */
    bool blocked;             /* set by a DDI that put the thread to sleep */
    bool spin;                /* set by a DDI that must spin and retry (a held lock) */
    bool again;               /* set by a DDI that did its loads and must be called again
                                 for its stores, after a preemption point: inline code
                                 such as InsertTailList is not atomic */
    bool callout;             /* set by a DDI that pushed a callout: the host runs it */
    bool delayed;             /* set by ke_delay_call: the caller is held back before the
                                 DDI takes effect; the call is made again afterwards */
    NTSTATUS raised;          /* nonzero: the DDI raised this structured exception
                                 (ExRaiseStatus semantics) instead of returning */
} ke_call;

static inline ke_processor *ke_call_cpu(const ke_call *call)
{
    return &call->m->cpus[call->exec->cpu];
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

/* An EPROCESS in nonpaged pool (x64 Windows 10's size; its layout is not
 * modelled): what a process pointer (PsGetCurrentProcess, ProcessBilled)
 * points at. */
#define KE_EPROCESS_SIZE 0x880u
#define KE_MAX_PROCESSES 255

/* Registers a process (without its EPROCESS, which needs the pool). NULL on
 * host OOM or past KE_MAX_PROCESSES. */
ps_process *ke_create_process(ke_machine *m, uint32_t id, const char *image);

/* Creates a thread in a process, READY, that will start with
 * exec.start_routine (set by the caller; 0 = the harness body). NULL on
 * host OOM. */
/* Whether the run has created KE_MAX_THREADS threads; if so, stops the
 * machine with a scenario error naming the limit and the scenario line. */
bool ke_thread_limit_reached(ke_call *call);

ke_thread *ke_create_thread(ke_machine *m, ps_process *process, struct io_driver *creator);

/* Creates the thread that runs the scenario's run() body: a System thread. */
ke_thread *ke_create_harness_thread(ke_machine *m);

/* Stops the machine for a reason other than a bug check (the first stop
 * wins). */
void ke_stop_machine(ke_machine *m, ke_stop why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline bool ke_stopped(const ke_machine *m)
{
    return m->stop != KE_RUNNING;
}

/* The scenario line of the code running now, from the host's cache of call
 * sites where it keeps one (ke_host.call_site). */
static inline ke_site ke_call_site(const ke_machine *m)
{
    return m->host.call_site != NULL ? m->host.call_site(m->host.ctx, NULL)
                                     : m->host.site(m->host.ctx, NULL);
}

/* ------------------------------------------------------------------------ */
/* The scheduler (sched.c)                                                  */
/* ------------------------------------------------------------------------ */

/* Simulated time one DDI call costs. */
#define KE_CALL_COST_100NS 1u

/* Runs until the harness finishes, the machine stops, or nothing can ever
 * happen again. Returns the reason. */
ke_stop ke_run(ke_machine *m);

/* Draws the scheduling strategy's fixed choices (PCT's change points) from
 * the "sched" stream, and prepares decisions to replay; at boot.
 * ke_sched_fini releases what it and the run allocated. */
void ke_sched_init(ke_machine *m);
void ke_sched_fini(ke_machine *m);

/*
 * A DDI's preemption point, after the kernel's work: the call's time passes,
 * and the answer says whether the calling execution must yield now, so that
 * the scheduler runs something else (another processor's code, chosen from
 * the run's "sched" stream, or an event that came due).
 */
bool ke_preempt_point_slow(ke_call *call);

/*
 * Inline for its common outcome, every DDI call's (issue 18 item 5): the
 * call's time passes and, when nothing could be decided, the caller goes on.
 * "Nothing": not --sched directed (whose hold is a decision of its own), no
 * event due, the time limit not reached, no DPC of this processor that could
 * run, no interrupt connected, no ready thread and no other busy processor;
 * decide() in sched.c then answers false on the same tests, in the same
 * order, drawing nothing. Anything else takes the whole decision
 * (ke_preempt_point_slow, the time already passed).
 */
static inline __attribute__((always_inline)) bool ke_preempt_point_running(ke_call *call)
{
    ke_machine *m = call->m;
    call->exec->steps++; /* every point counts, so that decisions keep their names */
    des_advance(&m->des, KE_CALL_COST_100NS);
    const des_event *next = des_peek(&m->des);
    const ke_processor *cpu = ke_call_cpu(call);
    if (m->config.sched.kind != KE_SCHED_DIRECTED &&
        (next == NULL || next->due_100ns > m->des.now_100ns) &&
        m->des.now_100ns < m->des.limits.max_time_100ns &&
        (cpu->dpc_head == NULL || cpu->in_dpc || cpu->irql >= DISPATCH_LEVEL) &&
        m->interrupts_head == NULL && m->ready_count == 0 &&
        (m->busy_cpus & (m->busy_cpus - 1)) == 0)
        return false;
    return ke_preempt_point_slow(call);
}

/* A stopped machine takes no decisions: its executions are suspended for
 * good. ke_preempt_point_running is for a caller that has just seen the
 * machine running, with nothing run since that could stop it. */
static inline __attribute__((always_inline)) bool ke_preempt_point(ke_call *call)
{
    if (ke_stopped(call->m))
        return false;
    return ke_preempt_point_running(call);
}

/*
 * A driver's load or store of len bytes at va, through a pointer, under
 * --sched ...+accesses: a preemption point when another execution context
 * has touched that memory (share.c keeps who did), taken as a DDI's is but
 * without the call's time. Every access counts as a step of the execution,
 * so that decisions keep their names whoever touched the memory first.
 * True when the execution must yield now; it then makes the same access
 * again when resumed, and that one passes (it is the same point).
 */
bool ke_access_point(ke_call *call, PVOID_VA va, size_t len);
/* The scheduler's half of a preemption point, once its step is counted:
 * whether the execution yields. `ddi`: a DDI's point (directed holds). */
bool ke_sched_decide(ke_call *call, bool ddi);
void ke_share_fini(ke_machine *m);

/* Makes a waiting thread READY; its wait returns wait_status. */
void ke_ready_thread(ke_machine *m, ke_thread *t, NTSTATUS wait_status);

/* Keeps m->busy_cpus up to date after a processor's in_isr, in_dpc or
 * current changed. */
static inline void ke_cpu_note_busy(ke_machine *m, const ke_processor *cpu)
{
    uint64_t bit = 1ull << cpu->number;
    if (cpu->in_isr || cpu->in_dpc || !cpu->current->idle)
        m->busy_cpus |= bit;
    else
        m->busy_cpus &= ~bit;
}

/* Takes a thread off the ready queue (the scheduler dispatching it; unit
 * tests running one by hand), keeping the queue's counts. Its state is the
 * caller's to set. */
void ke_unready_thread(ke_machine *m, ke_thread *t);

/* The host reports that an execution's code returned (a thread's start
 * routine, the harness body). */
void ke_exec_ended(ke_machine *m, ke_exec *exec);

/* Ends a thread (PsTerminateSystemThread, its start routine returning): its
 * object is signalled and waiters wake. */
void ke_terminate_thread(ke_machine *m, ke_thread *t, NTSTATUS status);

/* A processor went from below DISPATCH_LEVEL to DISPATCH_LEVEL or above:
 * the paging model draws, and the DPC watchdog is armed. */
void ke_cpu_dispatch_entered(ke_machine *m, ke_processor *cpu);

/* Sets a processor's IRQL, keeping the DPC watchdog's account of time
 * spent at DISPATCH_LEVEL and above. Inline: KeRaiseIrql and KeLowerIrql
 * are the cheapest DDI calls (issue 18 item 5). */
static inline void ke_cpu_set_irql(ke_machine *m, ke_processor *cpu, KIRQL irql)
{
    bool was_high = cpu->irql >= DISPATCH_LEVEL, high = irql >= DISPATCH_LEVEL;
    cpu->irql = irql;
    if (high && !was_high)
        ke_cpu_dispatch_entered(m, cpu);
    else if (!high && was_high)
        des_cancel(&m->des, &cpu->watchdog);
}
static inline void ke_set_irql(ke_call *call, KIRQL irql)
{
    ke_cpu_set_irql(call->m, ke_call_cpu(call), irql);
}

/* DPCs and timers (dpc.c): whether any DPC is queued or running, and
 * starting the next DPC of a processor. */
bool ke_dpcs_pending(const ke_machine *m);
bool ke_cpu_start_dpc(ke_machine *m, ke_processor *cpu);
/* Queues a kernel DPC (d->kernel_routine set, d->va a KDPC of the kernel's)
 * on a processor, as KeInsertQueueDpc does; false if it is queued already. */
bool ke_queue_kernel_dpc(ke_machine *m, ke_dpc *d, uint32_t cpu);
/* The set timer or queued DPC within [start, end), for free and unload
 * checks; NULL if none. */
ke_timer *ke_timer_in_range(const ke_machine *m, PVOID_VA start, PVOID_VA end);
ke_dpc *ke_dpc_in_range(const ke_machine *m, PVOID_VA start, PVOID_VA end);
/* The set timers and queued DPCs whose routine or storage belongs to a
 * driver (unload checks). */
ke_timer *ke_timer_of_driver(const ke_machine *m, const struct io_driver *d);
ke_dpc *ke_dpc_of_driver(const ke_machine *m, const struct io_driver *d);

/* Interrupts (interrupt.c): starting a pending ISR where the IRQL allows,
 * whether one could start on a processor, and the end of an ISR. */
bool ke_cpu_start_isr(ke_machine *m, ke_processor *cpu);
bool ke_cpu_isr_deliverable(const ke_machine *m, const ke_processor *cpu);
void ke_isr_ended(ke_machine *m, ke_exec *e);
/* A processor whose ISR waited for the interrupt's spin lock takes it
 * (the scheduler saw it free). */
void ke_isr_take_lock(ke_machine *m, ke_processor *cpu);
/* Requests an interrupt (the harness' Interrupt()): on a processor of its
 * mask drawn from the "sched" stream. False if it is not connected. */
bool ke_request_interrupt(ke_machine *m, ke_interrupt *i);
ke_interrupt *ke_interrupt_at(const ke_machine *m, PVOID_VA va);
/* The second half of a DDI whose callout returned `result`; returns the
 * DDI's result. */
uint64_t ke_callout_end(ke_call *call, uint64_t result);

/* Prepares a processor's DPC watchdog (at boot). */
void ke_cpu_init_watchdog(ke_machine *m, ke_processor *cpu);
/* Prepares a processor's stall (at boot; processor.c). */
void ke_cpu_init_stall(ke_processor *cpu);
/*
 * Holds the calling execution back for delay_100ns (> 0) of simulated time
 * before its DDI takes effect, then the host makes the call again
 * (call->delayed; the execution's delay_done lets that call through). A
 * thread below DISPATCH_LEVEL waits, as KeDelayExecutionThread would: its
 * processor runs other threads meanwhile. At DISPATCH_LEVEL or above (a
 * DPC, an ISR, a spin lock held) nothing can be descheduled: the processor
 * stalls, as KeStallExecutionProcessor, while the others run. Returns
 * whether the processor stalled. The verifier's kernel synchronization delay
 * fuzzing (sim/vf/delay_fuzz.c) is the caller; processor.c.
 */
bool ke_delay_call(ke_call *call, uint64_t delay_100ns);
#define KE_LOCK_WAIT_PUSH_EXCLUSIVE 1u
#define KE_LOCK_WAIT_PUSH_SHARED    2u
#define KE_LOCK_WAIT_RUNDOWN        3u

/* The thread's own wait event (ke_thread.lock_event), made on first use;
 * NULL when the pool has no room (the machine is stopped then). */
struct ke_object *ke_thread_lock_event(ke_machine *m, ke_thread *t);
/* Whether a ready thread may run on processor `cpu` (its affinity). */
static inline bool ke_thread_allows(const ke_thread *t, uint32_t cpu)
{
    return t->affinity == 0 || ((t->affinity >> cpu) & 1u) != 0;
}

/* The calling processor spins on a held lock: it stops being a candidate
 * until the lock is free, then the call is made again. */
void ke_spin(ke_call *call, PVOID_VA lock);

/* A spin lock's acquire and release without the IRQL change
 * (spinlock.c): take marks the call spinning and returns false when another
 * processor holds the lock; on a uniprocessor both only return. */
bool ke_spinlock_take(ke_call *call, PVOID_VA lock);
void ke_spinlock_give(ke_call *call, PVOID_VA lock);
/* KeAcquireSpinLock and KeReleaseSpinLock reporting the lock to the hook
 * interface as `kind` (ke_lock_kind): the I/O manager's cancel spin lock is
 * one. */
void ke_acquire_spin_lock_as(ke_call *call, PVOID_VA lock, KIRQL *old_irql, uint8_t kind);
void ke_release_spin_lock_as(ke_call *call, PVOID_VA lock, KIRQL new_irql, uint8_t kind);

/* Device queues (devqueue.c), for the I/O manager's StartIo: insert
 * (by key or at the tail) and remove (by key or the head) under the
 * queue's spin lock. False when the processor must spin (the call is made
 * again) or the access faulted; *inserted / *entry give the outcome. */
bool ke_device_queue_insert(ke_call *call, PVOID_VA q, PVOID_VA entry, bool by_key, ULONG key,
                            bool *inserted);
bool ke_device_queue_remove(ke_call *call, PVOID_VA q, bool by_key, ULONG key, PVOID_VA *entry);

/* The DPC watchdog period: cumulative time at DISPATCH_LEVEL and above
 * before 0x133 DPC_WATCHDOG_VIOLATION (P1 = 1). */
#define KE_DPC_WATCHDOG_PERIOD_100NS (120ull * 10000000ull)
#define KE_DPC_WATCHDOG_PERIOD_TICKS 0x1E00u /* in 15.625 ms clock ticks */

/* Simulated time charged to a DPC that runs back-to-back with the one
 * before it, the processor never leaving DISPATCH_LEVEL in between: the
 * ceiling Microsoft gives a DPC routine's run ("a single DPC routine should
 * not execute for more than 100 microseconds", Sharing Processor Resources
 * During Startup...). drvsim does not time driver code, so a drain that
 * never empties (a DPC that queues itself again) reaches the watchdog's
 * 120 s after 1.2 million runs, as a real machine's would at its own pace.
 * A DPC that starts from below DISPATCH_LEVEL is charged nothing. */
#define KE_DPC_BACK_TO_BACK_100NS 1000u

/* Starts an execution afresh for a routine of a driver that interrupts
 * `context`'s code on processor `cpu` (a DPC, an ISR); the caller sets its
 * kind and arguments. */
void ke_exec_prepare(ke_exec *e, ke_thread *context, uint32_t cpu, uint32_t routine,
                     struct io_driver *driver, const char *name);

/* Driver routine frames of an execution. */
/* Whether the calling execution's kernel stack has room for one more
 * callout (a kernel routine and the driver routine it calls); if not, the
 * stack overflows: raises 0x7F (P1 = 8) and returns false. */
bool ke_callout_stack_room(ke_call *call);

void ke_push_frame(ke_exec *e, struct io_driver *driver, const char *routine, uint64_t code,
                   uint8_t role);
/* `result`: what the routine returned (an NTSTATUS, a BOOLEAN as 0 or 1; 0
 * for a routine without a result), for the hook's ROUTINE_EXIT. */
void ke_pop_frame(ke_exec *e, uint64_t result);
/* The role (ke_role, ke/hooks.h) of an execution's start routine, and of a
 * callout's routine. */
uint8_t ke_exec_role(const ke_exec *e);
uint8_t ke_callout_role(const ke_callout *c);
/* The innermost routine running on an execution, NULL if none. Inline: every
 * DDI call asks it (lb_call_begin). */
static inline const ke_frame *ke_top_frame(const ke_exec *e)
{
    return e->frame_count > 0 ? &e->frames[e->frame_count - 1] : NULL;
}
/* The simulated address of the innermost routine of call's driver on its
 * execution (the code that made the call, as a bug check's "address in the
 * driver's code" gives it), or 0 when none of its routines is running. */
uint64_t ke_caller_code(const ke_call *call);

/* ------------------------------------------------------------------------ */
/* Real deadlocks (waitgraph.c)                                             */
/* ------------------------------------------------------------------------ */

/* No processor has work: if nothing queued can make one run again, stops
 * the machine with KE_STOP_DEADLOCK and the wait-for graph; false (and
 * nothing done) otherwise. */
bool ke_deadlock_check(ke_machine *m);

/* For the DPC watchdog of a spinning processor: the graph built, and a
 * line saying which processors spin on whose locks; NULL if cpu does not
 * spin. */
const char *ke_deadlock_spin_text(ke_machine *m, const ke_processor *cpu, char *buf, size_t len);

/* Whether every event still queued is one that cannot make anything run
 * (a timer with neither DPC nor waiter, the lookaside scan over lists that
 * are there); true for an empty queue. */
bool ke_nothing_pending(const ke_machine *m);

void ke_waitgraph_free(ke_machine *m);

/* ------------------------------------------------------------------------ */
/* Waits (dispatcher.c)                                                     */
/* ------------------------------------------------------------------------ */

/* A wait's timeout as the WDK passes it (PLARGE_INTEGER): absent = wait for
 * ever; negative = relative, in 100 ns; positive = absolute system time. */
typedef struct ke_timeout {
    bool given;
    int64_t value_100ns;
} ke_timeout;

/* System time at boot (100 ns since 1601-01-01): 2026-01-01 00:00:00 UTC. */
#define KE_BOOT_SYSTEM_TIME 134116992000000000ll

/* Puts the calling thread to sleep for interval_100ns; marks call blocked. */
void ke_wait_interval(ke_call *call, uint64_t interval_100ns);

/* The calling thread waits for one object, for ever (KeFlushQueuedDpcs). */
void ke_wait_on(ke_call *call, ke_object *o);

/* A DPC routine returned: its processor goes back to what it interrupted. */
void ke_dpc_ended(ke_machine *m, ke_exec *e);

/* Prepares a thread's timeout event (at creation). */
void ke_thread_init_wake(ke_thread *t);

/* The dispatcher object at va, or NULL. */
ke_object *ke_object_at(const ke_machine *m, PVOID_VA va);

/* The thread whose ETHREAD (its dispatcher header) is at va, or NULL: a
 * lookup in the object map, not a walk of the thread table. */
ke_thread *ke_thread_at(const ke_machine *m, PVOID_VA va);

/* Registers a dispatcher object at va (KeInitializeEvent...); an existing
 * one is reinitialised. NULL on host OOM. */
ke_object *ke_object_init(ke_machine *m, PVOID_VA va, ke_object_type type, int32_t signal);

/* Signals an object: wakes the waits it satisfies (all for a notification
 * object, the first for a synchronization one). */
void ke_object_signal(ke_machine *m, ke_object *o);

/* Sets an object's signal state: signalled (> 0) wakes its waiters, as
 * KeSetEvent does; 0 resets it, as KeResetEvent does. */
void ke_object_set_state(ke_machine *m, ke_object *o, int32_t state);

/* CombinedApcDisable: (SpecialApcDisable << 16) | KernelApcDisable, as the
 * bug checks that report it give it. */
static inline uint32_t ke_combined_apc_disable(const ke_thread *t)
{
    return ((uint32_t)(uint16_t)t->special_apc_disable << 16) | (uint16_t)t->kernel_apc_disable;
}

/* A system thread (KTHREAD.SystemThread): every thread but those running
 * an application's code in a user process. Driver Verifier exempts them
 * from some checks: nothing can suspend them from user mode. */
static inline bool ke_system_thread(const ke_thread *t)
{
    return !t->harness || t->process == t->machine->system_process;
}

/* A thread's exit checks (PspExitThread, KeRundownThread): false when one
 * raised a bug check. The call is the exiting thread's own. */
bool ke_thread_exit_checks(ke_call *call, ke_thread *t);

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
    KE_TR_THREAD,   /* thread u32, process u32, creator driver u8: a thread is created */
    KE_TR_EXIT,     /* thread u32, status u32: a thread ends */
    KE_TR_SIGNAL,   /* object u64, signal state i32 (as u32) */
    KE_TR_SPIN,     /* cpu u8, lock u64: a processor starts spinning */
    KE_TR_DPC,      /* cpu u8, dpc u64, start(1)/end(0) u8 */
    KE_TR_TIMER,    /* timer u64: a timer expires */
    KE_TR_PROCESS,  /* process u32, image str: a user process is created */
    KE_TR_DBGPRINT, /* thread u32, driver u8, component u32, level u32, length u32, text hash u64 */
    KE_TR_INTERRUPT,    /* cpu u8, interrupt u64, requested(0)/start(1)/end(2) u8 */
    KE_TR_PROCESS_EXIT, /* process u32: a user process's last thread ended */
    KE_TR_FAULT,        /* ddi u16, thread u32, driver u8, tag u32: an injected failure */
    KE_TR_HOLD,         /* cpu u8, thread u32, held(1)/released(0) u8: --sched directed */
    KE_TR_WARNING,      /* code u32, p1..p4 u64, driver u8: a verifier warning, the run goes on */
    KE_TR_PEND, /* irp u64, location u8, forced(1)/resumed(0) u8, status u32: /flags 0x200 */
    KE_TR_DELAY, /* ddi u16, thread u32, cpu u8, driver u8, delay u64, stalled(1)/waits(0) u8:
                    a call held back by delay fuzzing (/flags 0x800000) */
};

/* The driver index used in trace records: 0xFF for none. */
uint8_t ke_trace_driver(const struct io_driver *d);

/* Starts a record stamped with the current time. */
void ke_trace_begin(ke_machine *m, des_rec *rec, uint16_t type);
void ke_trace_commit(ke_machine *m, const des_rec *rec);

#endif /* DRVSIM_KE_H */
