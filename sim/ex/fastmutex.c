/*
 * fastmutex.c - fast mutexes: ExInitializeFastMutex, ExAcquireFastMutex,
 * ExReleaseFastMutex, ExTryToAcquireFastMutex, ExAcquireFastMutexUnsafe,
 * ExReleaseFastMutexUnsafe.
 *
 * The FAST_MUTEX lives in simulated memory with its wdm.h layout and the
 * protocol of the Windows Research Kernel (ex/fmutex.c): Count is 1 when
 * free, 0 when owned, -n when owned with n threads waiting; Owner is the
 * owning thread, Contention counts the acquisitions that had to wait, and
 * Event, a synchronization event, is what they wait on. A release that finds
 * waiters sets the event, which wakes the first one, and the mutex passes to
 * it directly (the woken thread does not compete again). ExAcquireFastMutex
 * raises to APC_LEVEL and keeps the previous IRQL in OldIrql; the Unsafe
 * forms leave the IRQL alone (the caller is in a critical region or at
 * APC_LEVEL already).
 *
 * A thread that acquires a fast mutex it owns waits for itself for ever, as
 * on Windows: when nothing else can run, the scheduler stops the run with
 * its deadlock report instead of hanging.
 */
#include "ddi_table.h"
#include "ke/hooks.h"
#include "ex/fastmutex.h"
#include "ke/ke.h"
#include "mm/mm.h"

/* FAST_MUTEX (wdm.h): LONG Count, PVOID Owner, ULONG Contention, KEVENT
 * Event, ULONG OldIrql. */
#define FM_COUNT          0x00u
#define FM_OWNER_X64      0x08u
#define FM_OWNER_X86      0x04u
#define FM_CONTENTION_X64 0x10u
#define FM_CONTENTION_X86 0x08u
#define FM_EVENT_X64      0x18u
#define FM_EVENT_X86      0x0Cu
#define FM_OLD_IRQL_X64   0x30u
#define FM_OLD_IRQL_X86   0x1Cu

typedef enum fm_field {
    FM_F_COUNT,
    FM_F_OWNER,
    FM_F_CONTENTION,
    FM_F_EVENT,
    FM_F_OLD_IRQL
} fm_field;

static PVOID_VA field_va(const ke_machine *m, PVOID_VA fm, fm_field f)
{
    bool x86 = m->config.arch == KE_ARCH_X86;
    switch (f) {
    case FM_F_COUNT:
        return fm + FM_COUNT;
    case FM_F_OWNER:
        return fm + (x86 ? FM_OWNER_X86 : FM_OWNER_X64);
    case FM_F_CONTENTION:
        return fm + (x86 ? FM_CONTENTION_X86 : FM_CONTENTION_X64);
    case FM_F_EVENT:
        return fm + (x86 ? FM_EVENT_X86 : FM_EVENT_X64);
    case FM_F_OLD_IRQL:
        return fm + (x86 ? FM_OLD_IRQL_X86 : FM_OLD_IRQL_X64);
    }
    return fm;
}

static size_t field_bytes(const ke_machine *m, fm_field f)
{
    return f == FM_F_OWNER && m->config.arch == KE_ARCH_X64 ? 8 : 4;
}

/* Reads and writes a field as the caller's own access: a bad pointer faults
 * as it would in the driver. False when it faulted. */
static bool get(ke_call *call, PVOID_VA fm, fm_field f, uint64_t *v)
{
    *v = 0;
    return mm_access(call, field_va(call->m, fm, f), v, field_bytes(call->m, f), false);
}

static bool set(ke_call *call, PVOID_VA fm, fm_field f, uint64_t v)
{
    return mm_access(call, field_va(call->m, fm, f), &v, field_bytes(call->m, f), true);
}

/* The structure is one for both (a KGUARDED_MUTEX is a FAST_MUTEX since
 * Windows 8): `kind` says which API family the hook events name. */
static void init(ke_call *call, PVOID_VA FastMutex, ke_lock_kind kind)
{
    if (!set(call, FastMutex, FM_F_COUNT, 1) || !set(call, FastMutex, FM_F_OWNER, 0) ||
        !set(call, FastMutex, FM_F_CONTENTION, 0) || !set(call, FastMutex, FM_F_OLD_IRQL, 0))
        return;
    KeInitializeEvent(call, field_va(call->m, FastMutex, FM_F_EVENT), 1 /* Synchronization */,
                      false);
    ke_hook_lock(call, KE_EVENT_LOCK_INITIALIZED, kind, FastMutex);
}

void ExInitializeFastMutex(ke_call *call, PVOID_VA FastMutex)
{
    init(call, FastMutex, KE_LOCK_FAST_MUTEX);
}

/* Makes the calling thread the owner; the safe form records old_irql. */
static void take(ke_call *call, PVOID_VA fm, bool safe, KIRQL old_irql, ke_lock_kind kind)
{
    if (set(call, fm, FM_F_OWNER, call->thread->object->va) && safe)
        set(call, fm, FM_F_OLD_IRQL, old_irql);
    ke_hook_lock(call, KE_EVENT_LOCK_ACQUIRED, kind, fm);
}

/* Count down; owned already, the caller waits on the event until a release
 * hands the mutex over. Precondition: IRQL <= APC_LEVEL (a wait). */
static void acquire(ke_call *call, PVOID_VA fm, bool safe, KIRQL old_irql, ke_lock_kind kind)
{
    uint64_t raw;
    if (!get(call, fm, FM_F_COUNT, &raw))
        return;
    int32_t count = (int32_t)(uint32_t)raw - 1;
    if (!set(call, fm, FM_F_COUNT, (uint32_t)count))
        return;
    if (count == 0) {
        take(call, fm, safe, old_irql, kind);
        return;
    }
    uint64_t contention;
    if (!get(call, fm, FM_F_CONTENTION, &contention) ||
        !set(call, fm, FM_F_CONTENTION, (uint32_t)(contention + 1)))
        return;
    ke_object *event = ke_object_at(call->m, field_va(call->m, fm, FM_F_EVENT));
    if (event == NULL) {
        /* Never initialised: Windows would wait on a zeroed event and link
         * into its NULL list head. */
        PVOID_VA null_flink = 0;
        mm_access(call, 0, &null_flink, sizeof null_flink, true);
        return;
    }
    ke_thread *t = call->thread;
    t->fast_mutex_wait = fm;
    t->fast_mutex_old_irql = old_irql;
    t->fast_mutex_safe = safe;
    ke_wait_on(call, event);
    if (!call->blocked) {
        /* The event was left set by a release that found nobody waiting. */
        t->fast_mutex_wait = 0;
        take(call, fm, safe, old_irql, kind);
    }
}

/* Count up; if threads wait, the first one becomes the owner and its wait
 * ends. Returns that thread, NULL if none. */
static ke_thread *release(ke_call *call, PVOID_VA fm, ke_lock_kind kind)
{
    ke_hook_lock(call, KE_EVENT_LOCK_RELEASED, kind, fm);
    uint64_t raw;
    if (!set(call, fm, FM_F_OWNER, 0) || !get(call, fm, FM_F_COUNT, &raw))
        return NULL;
    int32_t count = (int32_t)(uint32_t)raw + 1;
    if (!set(call, fm, FM_F_COUNT, (uint32_t)count) || count > 0)
        return NULL;
    PVOID_VA event_va = field_va(call->m, fm, FM_F_EVENT);
    ke_object *event = ke_object_at(call->m, event_va);
    if (event == NULL)
        return NULL;
    ke_thread *next = NULL;
    if (event->waiters_head != NULL) {
        next = event->waiters_head->thread;
        KE_CHECK(call->m, next->fast_mutex_wait == fm);
        next->fast_mutex_wait = 0;
        /* The new owner's fields are written on its behalf, as it will find
         * them when its wait returns. */
        uint64_t owner = next->object->va;
        mm_poke(call->m->mm, field_va(call->m, fm, FM_F_OWNER), &owner,
                field_bytes(call->m, FM_F_OWNER));
        if (next->fast_mutex_safe) {
            uint32_t old = next->fast_mutex_old_irql;
            mm_poke(call->m->mm, field_va(call->m, fm, FM_F_OLD_IRQL), &old, 4);
        }
        const ke_frame *f = ke_top_frame(&next->exec);
        ke_hook_lock_exec(call->m, KE_EVENT_LOCK_ACQUIRED, kind, fm, &next->exec,
                          f != NULL ? f->driver : NULL, next->wait_irql);
    }
    KeSetEvent(call, event_va, 0, false);
    return next;
}

void ExAcquireFastMutex(ke_call *call, PVOID_VA FastMutex)
{
    KIRQL old;
    KeRaiseIrql(call, APC_LEVEL, &old);
    acquire(call, FastMutex, true, old, KE_LOCK_FAST_MUTEX);
}

void ExReleaseFastMutex(ke_call *call, PVOID_VA FastMutex)
{
    uint64_t old;
    if (!get(call, FastMutex, FM_F_OLD_IRQL, &old))
        return;
    release(call, FastMutex, KE_LOCK_FAST_MUTEX);
    KeLowerIrql(call, (KIRQL)old);
}

bool ExTryToAcquireFastMutex(ke_call *call, PVOID_VA FastMutex)
{
    KIRQL old;
    KeRaiseIrql(call, APC_LEVEL, &old);
    uint64_t count;
    if (!get(call, FastMutex, FM_F_COUNT, &count))
        return false;
    if ((int32_t)(uint32_t)count != 1) {
        KeLowerIrql(call, old);
        return false;
    }
    if (!set(call, FastMutex, FM_F_COUNT, 0))
        return false;
    take(call, FastMutex, true, old, KE_LOCK_FAST_MUTEX);
    return true;
}

void ExAcquireFastMutexUnsafe(ke_call *call, PVOID_VA FastMutex)
{
    acquire(call, FastMutex, false, 0, KE_LOCK_FAST_MUTEX);
}

void ExReleaseFastMutexUnsafe(ke_call *call, PVOID_VA FastMutex)
{
    release(call, FastMutex, KE_LOCK_FAST_MUTEX);
}

/* ------------------------------------------------------------------------ */
/* For the guarded mutex (fastmutex.h)                                      */
/* ------------------------------------------------------------------------ */

void ex_fast_mutex_init(ke_call *call, PVOID_VA fm)
{
    init(call, fm, KE_LOCK_GUARDED_MUTEX);
}

void ex_fast_mutex_acquire(ke_call *call, PVOID_VA fm)
{
    acquire(call, fm, false, 0, KE_LOCK_GUARDED_MUTEX);
}

bool ex_fast_mutex_try(ke_call *call, PVOID_VA fm)
{
    uint64_t count;
    if (!get(call, fm, FM_F_COUNT, &count) || (int32_t)(uint32_t)count != 1 ||
        !set(call, fm, FM_F_COUNT, 0))
        return false;
    take(call, fm, false, 0, KE_LOCK_GUARDED_MUTEX);
    return true;
}

ke_thread *ex_fast_mutex_release(ke_call *call, PVOID_VA fm)
{
    return release(call, fm, KE_LOCK_GUARDED_MUTEX);
}

PVOID_VA ex_fast_mutex_owner(ke_call *call, PVOID_VA fm)
{
    uint64_t owner = 0;
    mm_peek(call->m->mm, field_va(call->m, fm, FM_F_OWNER), &owner,
            field_bytes(call->m, FM_F_OWNER));
    return owner;
}
