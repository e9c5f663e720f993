/*
 * rundown.c - run-down protection: ExInitializeRundownProtection,
 * ExReInitializeRundownProtection, ExAcquireRundownProtection(Ex),
 * ExReleaseRundownProtection(Ex), ExWaitForRundownProtectionRelease,
 * ExRundownCompleted, and their CacheAware forms (at the end).
 *
 * An EX_RUNDOWN_REF is one pointer-sized Count in simulated memory, as in
 * the Windows Research Kernel (ex/rundown.c): the references held, times
 * two (EX_RUNDOWN_COUNT_INC), and bit 0, EX_RUNDOWN_ACTIVE, set once the
 * run-down has begun, after which every acquire fails. Every operation is
 * one atomic step (an interlocked compare-exchange loop on Windows), its
 * accesses the caller's own: a freed or unmapped reference faults.
 *
 * ExWaitForRundownProtectionRelease sets EX_RUNDOWN_ACTIVE and, while
 * references remain, waits until the last release. Windows moves the count
 * into a wait block on the waiter's stack and stores the block's address
 * (with bit 0) in Count meanwhile; drvsim keeps the count in place with
 * bit 0 set and remembers the waiter, so a driver reading the field sees
 * "active" either way. The waiter wakes when the last reference goes, and
 * Count is then EX_RUNDOWN_ACTIVE, as ExRundownCompleted also sets it; a
 * reference can be taken again only after ExReInitializeRundownProtection.
 * A wait that finds the run-down complete returns at once.
 *
 * Misuse Windows does not check, and neither does drvsim, beyond what
 * follows from the protocol: a release without an acquire corrupts the
 * count (the next wait waits for ever); a second wait while one is waiting
 * (each thinks it owns the run-down) leaves both waiting for ever, as the
 * second replaces the first's wait block with one whose count is an
 * address; both show in the deadlock report.
 */
#include "ddi_table.h"
#include "io/io.h"
#include "ke/hooks.h"
#include "ke/ke.h"
#include "mm/mm.h"

#define EX_RUNDOWN_ACTIVE    0x1u
#define EX_RUNDOWN_COUNT_INC 0x2u

static size_t count_bytes(const ke_call *call)
{
    return call->m->config.arch == KE_ARCH_X86 ? 4 : 8;
}

/* Every operation starts here: an interlocked one on Windows, so for the
 * race detector an ATOMIC on the reference (its releases are seen by its
 * later acquisitions and by the wait). */
static bool get(ke_call *call, PVOID_VA ref, uint64_t *v)
{
    *v = 0;
    if (!mm_access(call, ref, v, count_bytes(call), false))
        return false;
    ke_hook_sync(call, KE_EVENT_ATOMIC, ref);
    return true;
}

static bool set(ke_call *call, PVOID_VA ref, uint64_t v)
{
    if (count_bytes(call) == 4)
        v &= UINT32_MAX;
    return mm_access(call, ref, &v, count_bytes(call), true);
}

void ExInitializeRundownProtection(ke_call *call, PVOID_VA RunRef)
{
    set(call, RunRef, 0);
}

void ExReInitializeRundownProtection(ke_call *call, PVOID_VA RunRef)
{
    set(call, RunRef, 0);
}

void ExRundownCompleted(ke_call *call, PVOID_VA RunRef)
{
    set(call, RunRef, EX_RUNDOWN_ACTIVE);
}

bool ExAcquireRundownProtectionEx(ke_call *call, PVOID_VA RunRef, ULONG Count)
{
    uint64_t v;
    if (!get(call, RunRef, &v) || (v & EX_RUNDOWN_ACTIVE) != 0)
        return false;
    return set(call, RunRef, v + (uint64_t)Count * EX_RUNDOWN_COUNT_INC);
}

bool ExAcquireRundownProtection(ke_call *call, PVOID_VA RunRef)
{
    return ExAcquireRundownProtectionEx(call, RunRef, 1);
}

void ExReleaseRundownProtectionEx(ke_call *call, PVOID_VA RunRef, ULONG Count)
{
    uint64_t v;
    if (!get(call, RunRef, &v))
        return;
    uint64_t next = v - (uint64_t)Count * EX_RUNDOWN_COUNT_INC;
    if (count_bytes(call) == 4)
        next &= UINT32_MAX;
    if (!set(call, RunRef, next))
        return;
    if ((v & EX_RUNDOWN_ACTIVE) != 0 && next == EX_RUNDOWN_ACTIVE) {
        /* The last reference: the waiter, if any, wakes. */
        ke_thread *waiter = des_map_remove(&call->m->rundown_waiters, RunRef);
        if (waiter != NULL && waiter->lock_event != NULL) {
            waiter->lock_wait = 0;
            waiter->lock_wait_kind = 0;
            ke_hook_sync(call, KE_EVENT_SYNC_RELEASE, waiter->lock_event->va);
            ke_object_set_state(call->m, waiter->lock_event, 1);
        }
    }
}

void ExReleaseRundownProtection(ke_call *call, PVOID_VA RunRef)
{
    ExReleaseRundownProtectionEx(call, RunRef, 1);
}

void ExWaitForRundownProtectionRelease(ke_call *call, PVOID_VA RunRef)
{
    uint64_t v;
    if (!get(call, RunRef, &v))
        return;
    if (v == 0) {
        set(call, RunRef, EX_RUNDOWN_ACTIVE);
        return;
    }
    if (v == EX_RUNDOWN_ACTIVE)
        return; /* run down already */
    ke_machine *m = call->m;
    ke_object *event = ke_thread_lock_event(m, call->thread);
    if (event == NULL)
        return;
    if ((v & EX_RUNDOWN_ACTIVE) != 0) {
        /* Another thread waits already: see the comment at the top. */
        des_map_remove(&m->rundown_waiters, RunRef);
    } else {
        if (!set(call, RunRef, v | EX_RUNDOWN_ACTIVE))
            return;
        if (!des_map_put(&m->rundown_waiters, RunRef, call->thread))
            ke_panic(m, __FILE__, __LINE__, "out of host memory for a rundown wait");
    }
    call->thread->lock_wait = RunRef;
    call->thread->lock_wait_kind = KE_LOCK_WAIT_RUNDOWN;
    ke_wait_on(call, event);
}

/* ------------------------------------------------------------------------ */
/* Cache-aware run-down protection                                          */
/* ------------------------------------------------------------------------ */

/*
 * EX_RUNDOWN_REF_CACHE_AWARE (ntddk.h, opaque): PEX_RUNDOWN_REF RunRefs,
 * PVOID PoolToFree, ULONG RunRefSize, ULONG Number, then the references.
 * Windows keeps one reference count per processor, each in a cache line of
 * its own, so that acquires on different processors do not share a line;
 * the wait sums them. drvsim has no caches to spare, so it keeps one count
 * for all processors, in the cache line after the header (Number 1): the
 * same semantics, one count. ExSizeOfRundownProtectionCacheAware gives the
 * header's line and that one.
 */
#define CACHE_LINE 64u

static uint64_t cache_aware_size(const ke_call *call)
{
    (void)call;
    return 2u * CACHE_LINE;
}

/* The shared EX_RUNDOWN_REF, read from RunRefs as Windows reads it. */
static PVOID_VA ref_of(ke_call *call, PVOID_VA cache_aware)
{
    uint64_t refs = 0;
    if (!mm_access(call, cache_aware, &refs, count_bytes(call), false))
        return 0;
    return refs;
}

uint64_t ExSizeOfRundownProtectionCacheAware(ke_call *call)
{
    return cache_aware_size(call);
}

static void init_cache_aware(ke_call *call, PVOID_VA ra, PVOID_VA pool_to_free)
{
    size_t p = count_bytes(call);
    uint64_t refs = ra + CACHE_LINE, size = p, number = 1;
    if (mm_access(call, ra, &refs, p, true) && mm_access(call, ra + p, &pool_to_free, p, true) &&
        mm_access(call, ra + 2 * p, &size, 4, true) &&
        mm_access(call, ra + 2 * p + 4, &number, 4, true))
        set(call, refs, 0);
}

void ExInitializeRundownProtectionCacheAware(ke_call *call, PVOID_VA RunRefCacheAware,
                                             uint64_t RunRefSize)
{
    /* The caller's storage must hold what the size routine said. */
    (void)RunRefSize;
    init_cache_aware(call, RunRefCacheAware, 0);
}

PVOID_VA ExAllocateCacheAwareRundownProtection(ke_call *call, ULONG PoolType, ULONG PoolTag)
{
    const ddi_imports *imports =
        call->driver != NULL ? &call->driver->imports : &ddi_kernel_exports;
    PVOID_VA ra = imports->ExAllocatePoolWithTag(call, PoolType, cache_aware_size(call), PoolTag);
    if (ra != 0 && !ke_stopped(call->m))
        init_cache_aware(call, ra, ra);
    return ra;
}

void ExFreeCacheAwareRundownProtection(ke_call *call, PVOID_VA RunRefCacheAware)
{
    const ddi_imports *imports =
        call->driver != NULL ? &call->driver->imports : &ddi_kernel_exports;
    uint64_t pool = 0;
    if (!mm_access(call, RunRefCacheAware + count_bytes(call), &pool, count_bytes(call), false))
        return;
    imports->ExFreePool(call, pool);
}

bool ExAcquireRundownProtectionCacheAware(ke_call *call, PVOID_VA RunRefCacheAware)
{
    PVOID_VA ref = ref_of(call, RunRefCacheAware);
    return ref != 0 && ExAcquireRundownProtectionEx(call, ref, 1);
}

bool ExAcquireRundownProtectionCacheAwareEx(ke_call *call, PVOID_VA RunRefCacheAware, ULONG Count)
{
    PVOID_VA ref = ref_of(call, RunRefCacheAware);
    return ref != 0 && ExAcquireRundownProtectionEx(call, ref, Count);
}

void ExReleaseRundownProtectionCacheAware(ke_call *call, PVOID_VA RunRefCacheAware)
{
    PVOID_VA ref = ref_of(call, RunRefCacheAware);
    if (ref != 0)
        ExReleaseRundownProtectionEx(call, ref, 1);
}

void ExReleaseRundownProtectionCacheAwareEx(ke_call *call, PVOID_VA RunRef, ULONG Count)
{
    PVOID_VA ref = ref_of(call, RunRef);
    if (ref != 0)
        ExReleaseRundownProtectionEx(call, ref, Count);
}

void ExWaitForRundownProtectionReleaseCacheAware(ke_call *call, PVOID_VA RunRef)
{
    PVOID_VA ref = ref_of(call, RunRef);
    if (ref != 0)
        ExWaitForRundownProtectionRelease(call, ref);
}

void ExRundownCompletedCacheAware(ke_call *call, PVOID_VA RunRefCacheAware)
{
    PVOID_VA ref = ref_of(call, RunRefCacheAware);
    if (ref != 0)
        ExRundownCompleted(call, ref);
}

void ExReInitializeRundownProtectionCacheAware(ke_call *call, PVOID_VA RunRefCacheAware)
{
    PVOID_VA ref = ref_of(call, RunRefCacheAware);
    if (ref != 0)
        ExReInitializeRundownProtection(call, ref);
}
