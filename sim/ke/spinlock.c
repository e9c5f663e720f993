/*
 * spinlock.c - spin locks: KeInitializeSpinLock, KeAcquireSpinLock,
 * KeReleaseSpinLock, KeAcquireSpinLockAtDpcLevel,
 * KeReleaseSpinLockFromDpcLevel, KeTryToAcquireSpinLockAtDpcLevel,
 * KeAcquireInStackQueuedSpinLock(AtDpcLevel),
 * KeReleaseInStackQueuedSpinLock(FromDpcLevel).
 *
 * The lock is its KSPIN_LOCK in simulated memory: 0 when free, the owning
 * processor's number + 1 when held. On a multiprocessor a processor that
 * finds it held spins: it stops being a scheduling candidate until the lock
 * is released, then retries. A processor that stays at DISPATCH_LEVEL past
 * the DPC watchdog period (a deadlock, a lock never released) stops the
 * machine with 0x133, so a deadlock is a finding, not a hang. On one
 * processor, acquiring only raises the IRQL, as Windows' uniprocessor HAL
 * does.
 */
#include "ddi_table.h"
#include "kd/kd.h"
#include "ke/hooks.h"
#include "ke/ke.h"
#include "mm/mm.h"

/* KLOCK_QUEUE_HANDLE: LockQueue { Next, Lock } then OldIrql. */
#define LOCK_HANDLE_LOCK_X64 8u
#define LOCK_HANDLE_IRQL_X64 16u
#define LOCK_HANDLE_LOCK_X86 4u
#define LOCK_HANDLE_IRQL_X86 8u

static size_t lock_bytes(const ke_machine *m)
{
    return m->config.arch == KE_ARCH_X86 ? 4 : 8;
}

/* Reads the lock as the caller's own access; false if it faulted. */
static bool read_lock(ke_call *call, PVOID_VA lock, uint64_t *owner)
{
    *owner = 0;
    return mm_access(call, lock, owner, lock_bytes(call->m), false);
}

static bool write_lock(ke_call *call, PVOID_VA lock, uint64_t owner)
{
    return mm_access(call, lock, &owner, lock_bytes(call->m), true);
}

void KeInitializeSpinLock(ke_call *call, PVOID_VA SpinLock)
{
    if (write_lock(call, SpinLock, 0))
        ke_hook_lock(call, KE_EVENT_LOCK_INITIALIZED, KE_LOCK_SPIN, SpinLock);
}

/* Whether the kernel writes the lock: on a multiprocessor, and in a checked
 * build (whose kernel records the owner even on one processor, to catch a
 * recursive acquire). A free uniprocessor kernel only raises the IRQL. */
static bool lock_tracked(const ke_machine *m)
{
    return m->cpu_count > 1 || m->config.build == KE_BUILD_CHECKED;
}

/* Takes the lock at DISPATCH_LEVEL or spins. Returns false when the caller
 * must spin (call->spin is set), faulted, or bug checked. */
bool ke_spinlock_take(ke_call *call, PVOID_VA lock)
{
    ke_machine *m = call->m;
    ke_processor *cpu = ke_call_cpu(call);
    if (!lock_tracked(m)) {
        /* A uniprocessor kernel never touches the lock. */
        ke_hook_sync(call, KE_EVENT_SYNC_ACQUIRE, lock);
        return true;
    }
    uint64_t owner;
    if (!read_lock(call, lock, &owner))
        return false;
    if (owner == cpu->number + 1u && m->config.build == KE_BUILD_CHECKED) {
        /* A checked kernel looks at the owner before spinning: this
         * processor holds the lock already, and spinning would never end.
         * SPIN_LOCK_ALREADY_OWNED documents no parameters; P1 is the lock,
         * as ReactOS's checked KxAcquireSpinLock passes it. */
        const uint64_t p[4] = {lock, 0, 0, 0};
        kd_raise_full(call, RULE_kspin_lock_already_owned, 0x0F, p, NULL, NULL);
        return false;
    }
    if (owner != 0) {
        /* Held, by another processor or (a deadlock) this one. */
        ke_spin(call, lock);
        return false;
    }
    cpu->spinning_on = 0;
    if (!write_lock(call, lock, cpu->number + 1u))
        return false;
    /* For the race detector, whatever API took it (ExInterlocked... take
     * it without a lock event). */
    ke_hook_sync(call, KE_EVENT_SYNC_ACQUIRE, lock);
    return true;
}

/* Releasing frees the lock; a processor spinning on it becomes a
 * candidate again (the scheduler reads the lock). */
void ke_spinlock_give(ke_call *call, PVOID_VA lock)
{
    ke_hook_sync(call, KE_EVENT_SYNC_RELEASE, lock);
    if (lock_tracked(call->m))
        write_lock(call, lock, 0);
}

/* The IRQL to return as the old one: on a retry after spinning, the one
 * before the first attempt raised it. */
static KIRQL old_irql(const ke_call *call, PVOID_VA lock)
{
    const ke_processor *cpu = ke_call_cpu(call);
    return cpu->spinning_on == lock ? cpu->spin_old_irql : cpu->irql;
}

void ke_acquire_spin_lock_as(ke_call *call, PVOID_VA SpinLock, KIRQL *OldIrql, uint8_t kind)
{
    KIRQL old = old_irql(call, SpinLock);
    *OldIrql = old;
    ke_set_irql(call, DISPATCH_LEVEL); /* it spins at DISPATCH_LEVEL, as Windows does */
    if (!ke_spinlock_take(call, SpinLock)) {
        ke_call_cpu(call)->spin_old_irql = old;
        return;
    }
    ke_hook_lock(call, KE_EVENT_LOCK_ACQUIRED, (ke_lock_kind)kind, SpinLock);
}

void ke_release_spin_lock_as(ke_call *call, PVOID_VA SpinLock, KIRQL NewIrql, uint8_t kind)
{
    ke_hook_lock(call, KE_EVENT_LOCK_RELEASED, (ke_lock_kind)kind, SpinLock);
    ke_spinlock_give(call, SpinLock);
    ke_set_irql(call, NewIrql);
}

void KeAcquireSpinLock(ke_call *call, PVOID_VA SpinLock, KIRQL *OldIrql)
{
    ke_acquire_spin_lock_as(call, SpinLock, OldIrql, KE_LOCK_SPIN);
}

void KeReleaseSpinLock(ke_call *call, PVOID_VA SpinLock, KIRQL NewIrql)
{
    ke_release_spin_lock_as(call, SpinLock, NewIrql, KE_LOCK_SPIN);
}

void KeAcquireSpinLockAtDpcLevel(ke_call *call, PVOID_VA SpinLock)
{
    if (ke_spinlock_take(call, SpinLock))
        ke_hook_lock(call, KE_EVENT_LOCK_ACQUIRED, KE_LOCK_SPIN, SpinLock);
}

void KeReleaseSpinLockFromDpcLevel(ke_call *call, PVOID_VA SpinLock)
{
    ke_hook_lock(call, KE_EVENT_LOCK_RELEASED, KE_LOCK_SPIN, SpinLock);
    ke_spinlock_give(call, SpinLock);
}

bool KeTryToAcquireSpinLockAtDpcLevel(ke_call *call, PVOID_VA SpinLock)
{
    ke_machine *m = call->m;
    if (lock_tracked(m)) {
        uint64_t owner;
        if (!read_lock(call, SpinLock, &owner) || owner != 0 ||
            !write_lock(call, SpinLock, ke_call_cpu(call)->number + 1u))
            return false;
    }
    ke_hook_lock(call, KE_EVENT_LOCK_ACQUIRED, KE_LOCK_SPIN, SpinLock);
    return true;
}

/* The lock and the saved IRQL live in the caller's KLOCK_QUEUE_HANDLE. */
static bool handle_set(ke_call *call, PVOID_VA handle, PVOID_VA lock, KIRQL irql)
{
    bool x86 = call->m->config.arch == KE_ARCH_X86;
    return mm_access(call, handle + (x86 ? LOCK_HANDLE_LOCK_X86 : LOCK_HANDLE_LOCK_X64), &lock,
                     lock_bytes(call->m), true) &&
           mm_access(call, handle + (x86 ? LOCK_HANDLE_IRQL_X86 : LOCK_HANDLE_IRQL_X64), &irql, 1,
                     true);
}

static bool handle_get(ke_call *call, PVOID_VA handle, PVOID_VA *lock, KIRQL *irql)
{
    bool x86 = call->m->config.arch == KE_ARCH_X86;
    *lock = 0;
    return mm_access(call, handle + (x86 ? LOCK_HANDLE_LOCK_X86 : LOCK_HANDLE_LOCK_X64), lock,
                     lock_bytes(call->m), false) &&
           mm_access(call, handle + (x86 ? LOCK_HANDLE_IRQL_X86 : LOCK_HANDLE_IRQL_X64), irql, 1,
                     false);
}

void KeAcquireInStackQueuedSpinLock(ke_call *call, PVOID_VA SpinLock, PVOID_VA LockHandle)
{
    KIRQL old = old_irql(call, SpinLock);
    ke_set_irql(call, DISPATCH_LEVEL);
    if (!ke_spinlock_take(call, SpinLock)) {
        ke_call_cpu(call)->spin_old_irql = old;
        return;
    }
    if (handle_set(call, LockHandle, SpinLock, old))
        ke_hook_lock(call, KE_EVENT_LOCK_ACQUIRED, KE_LOCK_QUEUED_SPIN, SpinLock);
}

void KeReleaseInStackQueuedSpinLock(ke_call *call, PVOID_VA LockHandle)
{
    PVOID_VA lock;
    KIRQL old = PASSIVE_LEVEL;
    if (!handle_get(call, LockHandle, &lock, &old))
        return;
    ke_hook_lock(call, KE_EVENT_LOCK_RELEASED, KE_LOCK_QUEUED_SPIN, lock);
    ke_spinlock_give(call, lock);
    ke_set_irql(call, old);
}

void KeAcquireInStackQueuedSpinLockAtDpcLevel(ke_call *call, PVOID_VA SpinLock, PVOID_VA LockHandle)
{
    if (ke_spinlock_take(call, SpinLock) &&
        handle_set(call, LockHandle, SpinLock, ke_call_irql(call)))
        ke_hook_lock(call, KE_EVENT_LOCK_ACQUIRED, KE_LOCK_QUEUED_SPIN, SpinLock);
}

void KeReleaseInStackQueuedSpinLockFromDpcLevel(ke_call *call, PVOID_VA LockHandle)
{
    PVOID_VA lock;
    KIRQL irql;
    if (handle_get(call, LockHandle, &lock, &irql)) {
        ke_hook_lock(call, KE_EVENT_LOCK_RELEASED, KE_LOCK_QUEUED_SPIN, lock);
        ke_spinlock_give(call, lock);
    }
}
