/*
 * hooks.h - what the kernel tells the layers above it, through one door.
 *
 * The verifier's subsystems that watch the kernel as a whole rather than one
 * DDI call (the lock graph of deadlock detection, the DDI compliance rule
 * engine, the race detector) hear it through this interface and nothing
 * else: where something happens, the kernel fills a ke_event and calls
 * ke_hook(). The kernel knows the listener only by this header; the
 * listener (sim/vf/hooks.c) dispatches each kind to the subsystems that
 * asked for it.
 *
 * Cost when nobody listens: ke_hook is inline and tests one bit of
 * m->hook_mask, which the verifier sets from its settings (vf_hooks_update)
 * when the machine is created and on a /volatile change. A kind nobody
 * listens to costs a load and a branch, and nothing reaches the trace. A
 * kind someone listens to is passed to the entry point the verifier set
 * for it with the mask (m->hook_fn): vf_kernel_event, or the one subsystem
 * entry that its routing would reach.
 *
 * Adding a kind: append it to its group below (never renumber: masks are
 * bits), emit it where the kernel does the thing, and route it in
 * vf_kernel_event.
 */
#ifndef DRVSIM_KE_HOOKS_H
#define DRVSIM_KE_HOOKS_H

#include "ke/ke.h"

typedef enum ke_event_kind {
    /* A driver routine starts or returns on an execution: the start
     * routine of a thread, DPC, ISR or work item, and each callout
     * (dispatch, completion, cancel, synchronize). `role` says which. */
    KE_EVENT_ROUTINE_ENTER = 0,
    KE_EVENT_ROUTINE_EXIT,
    /* Locks: initialised, acquired (the acquisition took effect: a spin
     * lock held, a wait satisfied), released. `lock` says which kind;
     * `address` is the lock's simulated address. */
    KE_EVENT_LOCK_INITIALIZED,
    KE_EVENT_LOCK_ACQUIRED,
    KE_EVENT_LOCK_RELEASED,
    /* A thread ends (PsTerminateSystemThread, or its start routine
     * returned), still owning whatever it owns. */
    KE_EVENT_THREAD_TERMINATED,
    /* Pool memory returns to the pool: [address, address + size). */
    KE_EVENT_POOL_FREED,
    /* A lock's object is deleted (ExDeleteResourceLite): `address` is no
     * longer a lock until initialised again. */
    KE_EVENT_LOCK_DELETED,
    /* Memory and ordering, for the race detector (vf/race.c). A driver's
     * own load or store of [address, address + size): through a pointer
     * (ddi KE_DDI_POINTER), or by a DDI that touches the driver's memory
     * on its behalf (RtlCopyMemory, RtlFillMemory, ...); `write` says
     * which. Reported after the access took effect (not when it faulted). */
    KE_EVENT_MEMORY_ACCESS,
    /* Happens-before edges that are not locks. SYNC_RELEASE: what `exec`
     * did so far is published to the synchronisation object at `address`
     * (an event set, a DPC queued, a timer set, a work item queued, a
     * thread created or ended). SYNC_ACQUIRE: `exec` sees what was
     * published there (a satisfied wait, a DPC run, a work item run, a
     * thread's start); `role` other than KE_ROLE_NONE says a new run of
     * that kind begins on `exec` (a DPC, an ISR, a work item), `address`
     * its KDPC, KINTERRUPT or work item. A SYNC_RELEASE with role
     * KE_ROLE_DPC is a DPC's run ending. */
    KE_EVENT_SYNC_RELEASE,
    KE_EVENT_SYNC_ACQUIRE,
    /* An interlocked operation on `address` (a locked instruction: both an
     * acquire and a release of that location), or with `address` 0 a full
     * memory barrier (KeMemoryBarrier). */
    KE_EVENT_ATOMIC,
    /* I/O requests, for invariant MDL checking (vf/invariant_mdl.c).
     * IRP_CALL: IoCallDriver sends the IRP at `address` to the device
     * object `device`, its location already set (before the dispatch
     * routine runs). IRP_COMPLETE: IoCompleteRequest begins on the IRP at
     * `address` (before any completion routine), `device` the device of
     * its current location. */
    KE_EVENT_IRP_CALL,
    KE_EVENT_IRP_COMPLETE,
    KE_EVENT_KIND_COUNT
} ke_event_kind;

_Static_assert(KE_EVENT_KIND_COUNT <= 32, "hook_mask is 32 bits, hook_fn 32 entries");

/* What kind of routine an execution or callout runs, as the DDI compliance
 * rules name them (SLIC's entry points by role). */
typedef enum ke_role {
    KE_ROLE_NONE = 0,     /* harness code */
    KE_ROLE_DRIVER_ENTRY, /* DriverEntry */
    KE_ROLE_UNLOAD,       /* DriverUnload */
    KE_ROLE_THREAD,       /* a system thread's start routine */
    KE_ROLE_DPC,          /* a DPC's DeferredRoutine (a timer's too) */
    KE_ROLE_ISR,          /* an interrupt service routine */
    KE_ROLE_WORK_ITEM,    /* a work item's routine */
    KE_ROLE_DISPATCH,     /* DRIVER_DISPATCH, from IoCallDriver */
    KE_ROLE_COMPLETION,   /* IO_COMPLETION_ROUTINE, from IoCompleteRequest */
    KE_ROLE_CANCEL,       /* DRIVER_CANCEL, from IoCancelIrp */
    KE_ROLE_SYNCHRONIZE,  /* KSYNCHRONIZE_ROUTINE, from KeSynchronizeExecution */
    KE_ROLE_OTHER,        /* any other callback (notify routines, cancel-safe queue
                             callbacks, ...) */
    KE_ROLE_STARTIO,      /* DRIVER_STARTIO, from IoStartPacket / IoStartNextPacket */
    KE_ROLE_ADD_DEVICE,   /* DRIVER_ADD_DEVICE, from the PnP manager */
} ke_role;

/* The kinds of lock the kernel reports, by the API family that takes it. */
typedef enum ke_lock_kind {
    KE_LOCK_SPIN = 0,           /* KSPIN_LOCK: KeAcquireSpinLock(AtDpcLevel), ... */
    KE_LOCK_QUEUED_SPIN,        /* KSPIN_LOCK through KeAcquireInStackQueuedSpinLock* */
    KE_LOCK_INTERRUPT_SPIN,     /* a KINTERRUPT's lock: the ISR, KeSynchronizeExecution,
                                   KeAcquireInterruptSpinLock */
    KE_LOCK_CANCEL_SPIN,        /* the I/O manager's cancel spin lock */
    KE_LOCK_FAST_MUTEX,         /* FAST_MUTEX */
    KE_LOCK_GUARDED_MUTEX,      /* KGUARDED_MUTEX */
    KE_LOCK_MUTEX,              /* KMUTEX, acquired by a satisfied wait */
    KE_LOCK_RESOURCE_EXCLUSIVE, /* ERESOURCE held exclusive */
    KE_LOCK_RESOURCE_SHARED,    /* ERESOURCE held shared */
    KE_LOCK_PUSH_EXCLUSIVE,     /* EX_PUSH_LOCK exclusive */
    KE_LOCK_PUSH_SHARED,        /* EX_PUSH_LOCK shared */
} ke_lock_kind;

typedef struct ke_event {
    uint8_t kind;  /* ke_event_kind */
    uint8_t role;  /* ke_role: ROUTINE_ENTER / EXIT */
    uint8_t lock;  /* ke_lock_kind: LOCK_* */
    KIRQL irql;    /* the processor's IRQL when it happened */
    uint16_t ddi;  /* the DDI that did it (ddi_table.h), 0 if the kernel itself */
    bool write;    /* MEMORY_ACCESS: a store */
    ke_call *call; /* the call that did it; NULL when the kernel acted alone */
    ke_exec *exec; /* the execution it happened on (call->exec when call is set) */
    ke_thread *thread;
    struct io_driver *driver; /* whose code: the caller, or the routine's driver */
    PVOID_VA address;         /* the lock, the object, the memory, the routine's code */
    uint64_t size;            /* POOL_FREED: bytes */
    const char *name;         /* ROUTINE_*: the frame name ("DispatchRead") */
    uint64_t result;          /* ROUTINE_EXIT: what the routine returned */
    PVOID_VA device;          /* IRP_CALL, IRP_COMPLETE: the device object */
} ke_event;

/* Ten words or more, and the compiler zeroes an event field by field no
 * longer but with a string store (each of whose iterations counts as an
 * instruction in callgrind's figures): `write` sits in the first word's
 * padding. */
_Static_assert(sizeof(ke_event) <= 80, "ke_event within ten words");

/* ke_call.ddi of a driver's own access through a pointer (lua/pointer.c):
 * no DDI made it. */
#define KE_DDI_POINTER 0xFFFFu

/* The listener (sim/vf/hooks.c). */
void vf_kernel_event(ke_machine *m, const ke_event *ev);

static inline bool ke_hook_wanted(const ke_machine *m, ke_event_kind kind)
{
    return (m->hook_mask >> kind) & 1u;
}

/* Passes ev, of a kind someone listens to, to the listener. */
static inline void ke_hook_send(ke_machine *m, const ke_event *ev)
{
    m->hook_fn[ev->kind](m, ev);
}

/* Reports ev if someone listens to its kind. */
static inline void ke_hook(ke_machine *m, const ke_event *ev)
{
    if (ke_hook_wanted(m, (ke_event_kind)ev->kind))
        ke_hook_send(m, ev);
}

/* A lock event of the calling execution: `kind` LOCK_*, after the thing
 * took effect (an acquire that spins and will be retried reports nothing). */
static inline void ke_hook_lock(ke_call *call, ke_event_kind kind, ke_lock_kind lock,
                                PVOID_VA address)
{
    if (!ke_hook_wanted(call->m, kind))
        return;
    const ke_event ev = {.kind = (uint8_t)kind,
                         .lock = (uint8_t)lock,
                         .irql = ke_call_irql(call),
                         .ddi = call->ddi,
                         .call = call,
                         .exec = call->exec,
                         .thread = call->thread,
                         .driver = call->driver,
                         .address = address};
    ke_hook_send(call->m, &ev);
}

/* The same for an execution other than a DDI's caller: the waiter a lock is
 * handed to (at its wait's IRQL), an ISR whose interrupt lock the kernel
 * takes around it. `driver` is whose code holds it. */
static inline void ke_hook_lock_exec(ke_machine *m, ke_event_kind kind, ke_lock_kind lock,
                                     PVOID_VA address, ke_exec *exec, struct io_driver *driver,
                                     KIRQL irql)
{
    if (!ke_hook_wanted(m, kind))
        return;
    const ke_event ev = {.kind = (uint8_t)kind,
                         .lock = (uint8_t)lock,
                         .irql = irql,
                         .exec = exec,
                         .thread = exec->thread,
                         .driver = driver,
                         .address = address};
    ke_hook_send(m, &ev);
}

/* A driver's own access of size bytes at va (MEMORY_ACCESS), by the
 * calling execution. */
static inline void ke_hook_access(ke_call *call, PVOID_VA va, uint64_t size, bool write)
{
    if (!ke_hook_wanted(call->m, KE_EVENT_MEMORY_ACCESS) || call->driver == NULL || size == 0)
        return;
    const ke_event ev = {.kind = KE_EVENT_MEMORY_ACCESS,
                         .irql = ke_call_irql(call),
                         .ddi = call->ddi,
                         .call = call,
                         .exec = call->exec,
                         .thread = call->thread,
                         .driver = call->driver,
                         .address = va,
                         .size = size,
                         .write = write};
    ke_hook_send(call->m, &ev);
}

/* A SYNC_RELEASE, SYNC_ACQUIRE or ATOMIC of the calling execution on the
 * object at address. */
static inline void ke_hook_sync(ke_call *call, ke_event_kind kind, PVOID_VA address)
{
    if (!ke_hook_wanted(call->m, kind))
        return;
    const ke_event ev = {.kind = (uint8_t)kind,
                         .irql = ke_call_irql(call),
                         .ddi = call->ddi,
                         .call = call,
                         .exec = call->exec,
                         .thread = call->thread,
                         .driver = call->driver,
                         .address = address};
    ke_hook_send(call->m, &ev);
}

/* The same for an execution the kernel acts for (a waiter whose wait a
 * signal satisfies, a DPC or work item it starts: `role` the kind of run
 * that begins, KE_ROLE_NONE for none). */
static inline void ke_hook_sync_exec(ke_machine *m, ke_event_kind kind, PVOID_VA address,
                                     ke_exec *exec, uint8_t role)
{
    if (!ke_hook_wanted(m, kind))
        return;
    const ke_event ev = {.kind = (uint8_t)kind,
                         .role = role,
                         .irql = m->cpus[exec->cpu].irql,
                         .exec = exec,
                         .thread = exec->thread,
                         .address = address};
    ke_hook_send(m, &ev);
}

#endif /* DRVSIM_KE_HOOKS_H */
