/*
 * guarded.c - guarded mutexes: KeInitializeGuardedMutex,
 * KeAcquireGuardedMutex, KeReleaseGuardedMutex, KeTryToAcquireGuardedMutex,
 * KeAcquireGuardedMutexUnsafe, KeReleaseGuardedMutexUnsafe.
 *
 * Since Windows 8 a KGUARDED_MUTEX is a FAST_MUTEX (wdm.h declares them as
 * one structure), with the fast mutex's protocol (ex/fastmutex.c: Count 1
 * free, 0 owned, -n with n waiters; the release hands the mutex to the
 * first waiter). What differs is how the owner is protected from APCs:
 * KeAcquireGuardedMutex enters a guarded region (SpecialApcDisable - 1,
 * which disables all APCs) and leaves the IRQL alone, and
 * KeReleaseGuardedMutex leaves the region after the release. The Unsafe
 * forms do neither: the caller is inside a guarded region or at APC_LEVEL
 * already. KeTryToAcquireGuardedMutex leaves the region again when the
 * mutex is owned.
 *
 * Consequences Windows has and so does drvsim: a thread that ends holding
 * a guarded mutex ends inside its guarded region, KERNEL_APC_PENDING_DURING_EXIT
 * (0x20); a thread that acquires a guarded mutex it owns waits for itself
 * (the deadlock report names the mutex); releasing a mutex nobody owns
 * corrupts its count, and the next acquire waits for ever. The routines'
 * IRQL requirement (<= APC_LEVEL) is a DDI compliance rule (IrqlKeApcLte1,
 * 0x2000F).
 *
 * The shared fast mutex code reports the initialisation, each acquisition
 * and release through the kernel's hook interface as KE_LOCK_GUARDED_MUTEX,
 * including the acquisition a release hands to a waiting thread.
 */
#include "ddi_table.h"
#include "ex/fastmutex.h"

void KeInitializeGuardedMutex(ke_call *call, PVOID_VA Mutex)
{
    ex_fast_mutex_init(call, Mutex);
}

static void acquire(ke_call *call, PVOID_VA mutex)
{
    ex_fast_mutex_acquire(call, mutex);
}

static void release(ke_call *call, PVOID_VA mutex)
{
    ex_fast_mutex_release(call, mutex);
}

void KeAcquireGuardedMutex(ke_call *call, PVOID_VA Mutex)
{
    KeEnterGuardedRegion(call);
    acquire(call, Mutex);
}

void KeReleaseGuardedMutex(ke_call *call, PVOID_VA Mutex)
{
    release(call, Mutex);
    if (!ke_stopped(call->m))
        KeLeaveGuardedRegion(call);
}

bool KeTryToAcquireGuardedMutex(ke_call *call, PVOID_VA Mutex)
{
    KeEnterGuardedRegion(call);
    if (!ex_fast_mutex_try(call, Mutex)) {
        if (!ke_stopped(call->m))
            KeLeaveGuardedRegion(call);
        return false;
    }
    return true;
}

void KeAcquireGuardedMutexUnsafe(ke_call *call, PVOID_VA FastMutex)
{
    acquire(call, FastMutex);
}

void KeReleaseGuardedMutexUnsafe(ke_call *call, PVOID_VA FastMutex)
{
    release(call, FastMutex);
}
