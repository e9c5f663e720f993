/*
 * test_sync.c - semaphores, mutexes, critical and guarded regions, fast
 * mutexes and a thread's exit checks, driven through the kernel's own DDIs
 * from C: counts and the semaphore limit, mutex ownership and recursion,
 * fast mutex IRQL and contention between two threads, APC-disable counts.
 *
 * The test plays the scheduler: it dispatches threads onto processors by hand
 * (one thread per processor, so their IRQLs stay apart) and checks what the
 * kernel did to their states.
 */
#include "test_machine.h"
#include <stdio.h>
#include <string.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "mm/mm.h"

#define STATUS_MUTANT_NOT_OWNED         ((NTSTATUS)0xC0000046u)
#define STATUS_SEMAPHORE_LIMIT_EXCEEDED ((NTSTATUS)0xC0000047u)

static ke_machine *m;
static ke_thread *ta, *tb; /* two system threads, on processors 0 and 1 */
static ke_call a, b;

static ke_call call_of(ke_thread *t)
{
    return (ke_call){.m = m, .exec = &t->exec, .thread = t};
}

static void boot(ke_arch arch)
{
    ke_config config = tm_config(3, 2, arch);
    ke_host host = tm_passive_host();
    m = tm_create(&config, &host, NULL);
    ta = ke_create_thread(m, m->system_process, NULL);
    tb = ke_create_thread(m, m->system_process, NULL);
    cr_assert(ta != NULL && tb != NULL);
    tm_dispatch(m, ta, 0);
    tm_dispatch(m, tb, 1);
    a = call_of(ta);
    b = call_of(tb);
}

static void boot_x64(void)
{
    boot(KE_ARCH_X64);
}

static void boot_x86(void)
{
    boot(KE_ARCH_X86);
}

static void shutdown(void)
{
    ke_machine_destroy(m);
    m = NULL;
}

/* Nonpaged storage for an object, as a driver's global would be. */
static PVOID_VA storage(uint64_t size)
{
    PVOID_VA va = ExAllocatePoolWithTag(&a, NonPagedPoolNx, size, 0x636e7953u /* "Sync" */);
    cr_assert_neq(va, 0);
    return va;
}

static uint64_t peek(PVOID_VA va, size_t len)
{
    uint64_t v = 0;
    cr_assert(mm_peek(m->mm, va, &v, len));
    return v;
}

static const ke_timeout forever = {.given = false};

static NTSTATUS wait(ke_call *c, PVOID_VA object)
{
    c->blocked = false;
    return KeWaitForSingleObject(c, object, 0, 0, false, forever);
}

/* ------------------------------------------------------------------------ */
/* Semaphores                                                               */
/* ------------------------------------------------------------------------ */

TestSuite(semaphore, .init = boot_x64, .fini = shutdown);

Test(semaphore, header_and_limit_in_memory)
{
    PVOID_VA s = storage(0x20);
    KeInitializeSemaphore(&a, s, 2, 3);
    cr_expect_eq(peek(s, 1), 5, "Type is SemaphoreObject");
    cr_expect_eq(peek(s + 4, 4), 2, "SignalState is the count");
    cr_expect_eq(peek(s + 0x18, 4), 3, "Limit follows the header");
    cr_expect_eq(KeReadStateSemaphore(&a, s), 2);
}

Test(semaphore, waits_take_counts_and_block_at_zero)
{
    PVOID_VA s = storage(0x20);
    KeInitializeSemaphore(&a, s, 2, 3);
    cr_expect_eq(wait(&a, s), STATUS_SUCCESS);
    cr_expect_eq(wait(&a, s), STATUS_SUCCESS);
    cr_expect_eq(KeReadStateSemaphore(&a, s), 0);
    cr_expect_eq(wait(&b, s), STATUS_PENDING);
    cr_expect(b.blocked);
    cr_expect_eq(tb->state, KE_THREAD_WAITING);

    /* One count: the waiter takes it, the count stays at zero. */
    cr_expect_eq(KeReleaseSemaphore(&a, s, 0, 1, false), 0);
    cr_expect_eq(tb->state, KE_THREAD_READY);
    cr_expect_eq(tb->wait_status, STATUS_SUCCESS);
    cr_expect_eq(KeReadStateSemaphore(&a, s), 0);
    cr_expect_eq(peek(s + 4, 4), 0);
}

Test(semaphore, release_past_the_limit_raises_and_changes_nothing)
{
    PVOID_VA s = storage(0x20);
    KeInitializeSemaphore(&a, s, 1, 3);
    cr_expect_eq(KeReleaseSemaphore(&a, s, 0, 2, false), 1);
    cr_expect_eq(a.raised, 0);
    cr_expect_eq(KeReadStateSemaphore(&a, s), 3);
    cr_expect_eq(KeReleaseSemaphore(&a, s, 0, 1, false), 3);
    cr_expect_eq(a.raised, STATUS_SEMAPHORE_LIMIT_EXCEEDED);
    cr_expect_eq(KeReadStateSemaphore(&a, s), 3);
    /* A negative adjustment is refused the same way (the count would
     * shrink). */
    a.raised = 0;
    KeReleaseSemaphore(&a, s, 0, -1, false);
    cr_expect_eq(a.raised, STATUS_SEMAPHORE_LIMIT_EXCEEDED);
}

Test(semaphore, one_release_wakes_as_many_waiters_as_it_adds)
{
    PVOID_VA s = storage(0x20);
    KeInitializeSemaphore(&a, s, 0, 10);
    cr_expect_eq(wait(&a, s), STATUS_PENDING);
    cr_expect_eq(wait(&b, s), STATUS_PENDING);
    ke_thread *tc = ke_create_thread(m, m->system_process, NULL);
    tm_dispatch(m, tc, 0); /* processor 0's thread waits: it may take another */
    ke_call c = call_of(tc);
    cr_expect_eq(KeReleaseSemaphore(&c, s, 0, 3, false), 0);
    cr_expect_eq(ta->state, KE_THREAD_READY);
    cr_expect_eq(tb->state, KE_THREAD_READY);
    cr_expect_eq(KeReadStateSemaphore(&c, s), 1);
}

Test(semaphore, x86_layout, .init = boot_x86)
{
    PVOID_VA s = storage(0x14);
    KeInitializeSemaphore(&a, s, 0, 7);
    cr_expect_eq(peek(s, 1), 5);
    cr_expect_eq(peek(s + 0x10, 4), 7);
}

/* ------------------------------------------------------------------------ */
/* Mutexes                                                                  */
/* ------------------------------------------------------------------------ */

TestSuite(mutex, .init = boot_x64, .fini = shutdown);

Test(mutex, initialised_free)
{
    PVOID_VA mx = storage(0x38);
    KeInitializeMutex(&a, mx, 0);
    cr_expect_eq(peek(mx, 1), 2, "Type is MutantObject");
    cr_expect_eq(KeReadStateMutex(&a, mx), 1);
    cr_expect_eq(peek(mx + 0x28, 8), 0, "no OwnerThread");
    cr_expect_eq(peek(mx + 0x31, 1), 1, "ApcDisable");
}

Test(mutex, acquisition_owns_and_enters_a_critical_region)
{
    PVOID_VA mx = storage(0x38);
    KeInitializeMutex(&a, mx, 0);
    cr_expect_eq(wait(&a, mx), STATUS_SUCCESS);
    cr_expect_eq(KeReadStateMutex(&a, mx), 0);
    cr_expect_eq(peek(mx + 0x28, 8), ta->object->va);
    cr_expect_eq(ta->kernel_apc_disable, -1);
    cr_expect(KeAreApcsDisabled(&a));
    cr_expect_eq(KeReleaseMutex(&a, mx, false), 0);
    cr_expect_eq(KeReadStateMutex(&a, mx), 1);
    cr_expect_eq(ta->kernel_apc_disable, 0);
    cr_expect_not(KeAreApcsDisabled(&a));
    cr_expect_eq(peek(mx + 0x28, 8), 0);
}

Test(mutex, recursive_for_its_owner)
{
    PVOID_VA mx = storage(0x38);
    KeInitializeMutex(&a, mx, 0);
    cr_expect_eq(wait(&a, mx), STATUS_SUCCESS);
    cr_expect_eq(wait(&a, mx), STATUS_SUCCESS);
    cr_expect_eq(wait(&a, mx), STATUS_SUCCESS);
    cr_expect_eq(KeReadStateMutex(&a, mx), -2);
    cr_expect_eq(ta->kernel_apc_disable, -1, "one critical region, however deep");
    cr_expect_eq(KeReleaseMutex(&a, mx, false), -2);
    cr_expect_eq(KeReleaseMutex(&a, mx, false), -1);
    cr_expect_eq(ta->kernel_apc_disable, -1);
    cr_expect_eq(KeReleaseMutex(&a, mx, false), 0);
    cr_expect_eq(ta->kernel_apc_disable, 0);
    cr_expect_eq(KeReadStateMutex(&a, mx), 1);
}

Test(mutex, other_threads_wait_and_ownership_passes_at_the_last_release)
{
    PVOID_VA mx = storage(0x38);
    KeInitializeMutex(&a, mx, 0);
    wait(&a, mx);
    wait(&a, mx);
    cr_expect_eq(wait(&b, mx), STATUS_PENDING);
    cr_expect_eq(tb->state, KE_THREAD_WAITING);
    KeReleaseMutex(&a, mx, false);
    cr_expect_eq(tb->state, KE_THREAD_WAITING, "still owned once");
    KeReleaseMutex(&a, mx, false);
    cr_expect_eq(tb->state, KE_THREAD_READY);
    cr_expect_eq(peek(mx + 0x28, 8), tb->object->va);
    cr_expect_eq(tb->kernel_apc_disable, -1);
    cr_expect_eq(ta->kernel_apc_disable, 0);
    cr_expect_eq(KeReadStateMutex(&a, mx), 0);
}

Test(mutex, release_by_another_thread_raises)
{
    PVOID_VA mx = storage(0x38);
    KeInitializeMutex(&a, mx, 0);
    wait(&a, mx);
    cr_expect_eq(KeReleaseMutex(&b, mx, false), 0);
    cr_expect_eq(b.raised, STATUS_MUTANT_NOT_OWNED);
    cr_expect_eq(KeReadStateMutex(&a, mx), 0, "unchanged");
    /* A free mutex is owned by nobody either. */
    KeReleaseMutex(&a, mx, false);
    b.raised = 0;
    KeReleaseMutex(&b, mx, false);
    cr_expect_eq(b.raised, STATUS_MUTANT_NOT_OWNED);
}

Test(mutex, wait_all_with_an_owned_mutex)
{
    PVOID_VA mx = storage(0x38), ev = storage(0x18);
    KeInitializeMutex(&a, mx, 0);
    KeInitializeEvent(&a, ev, 0, false);
    wait(&a, mx);
    ke_ptr_array objects = {.count = 2, .items = {mx, ev}};
    a.blocked = false;
    cr_expect_eq(
        KeWaitForMultipleObjects(&a, 2, &objects, 0 /* WaitAll */, 0, 0, false, forever, 0),
        STATUS_PENDING);
    KeSetEvent(&b, ev, 0, false);
    cr_expect_eq(ta->state, KE_THREAD_READY, "its own mutex counts as signalled for it");
    cr_expect_eq(KeReadStateMutex(&b, mx), -1);
}

/* ------------------------------------------------------------------------ */
/* Critical and guarded regions, thread exit                                */
/* ------------------------------------------------------------------------ */

TestSuite(regions, .init = boot_x64, .fini = shutdown);

Test(regions, counts_nest)
{
    KeEnterCriticalRegion(&a);
    KeEnterCriticalRegion(&a);
    cr_expect_eq(ta->kernel_apc_disable, -2);
    cr_expect(KeAreApcsDisabled(&a));
    cr_expect_not(KeAreAllApcsDisabled(&a), "normal APCs only");
    KeLeaveCriticalRegion(&a);
    KeLeaveCriticalRegion(&a);
    cr_expect_not(KeAreApcsDisabled(&a));
    KeEnterGuardedRegion(&a);
    cr_expect_eq(ta->special_apc_disable, -1);
    cr_expect(KeAreApcsDisabled(&a));
    cr_expect(KeAreAllApcsDisabled(&a));
    cr_expect_eq(ke_combined_apc_disable(ta), 0xFFFF0000u);
    KeLeaveGuardedRegion(&a);
    cr_expect_eq(ke_combined_apc_disable(ta), 0);
}

Test(regions, apc_level_disables_all_apcs)
{
    KIRQL old;
    KeRaiseIrql(&a, APC_LEVEL, &old);
    cr_expect(KeAreAllApcsDisabled(&a));
    cr_expect_not(KeAreApcsDisabled(&a), "the counts say nothing of the IRQL");
    KeLowerIrql(&a, old);
}

Test(regions, exit_inside_a_critical_region)
{
    KeEnterCriticalRegion(&a);
    cr_expect_not(ke_thread_exit_checks(&a, ta));
    cr_expect_eq(m->stop, KE_STOP_BUGCHECK);
    cr_expect_eq(m->bugcheck.code, 0x20);
    cr_expect_eq(m->bugcheck.params[0], 0);
    cr_expect_eq(m->bugcheck.params[1], 0xFFFF);
    cr_expect_eq(m->bugcheck.params[3], 1);
}

Test(regions, exit_owning_a_mutex)
{
    PVOID_VA mx = storage(0x38);
    KeInitializeMutex(&a, mx, 0);
    wait(&a, mx);
    cr_expect_not(ke_thread_exit_checks(&a, ta));
    cr_expect_eq(m->bugcheck.code, 0x20, "its critical region is found first");
}

Test(regions, exit_owning_a_mutex_with_the_count_rebalanced)
{
    PVOID_VA mx = storage(0x38);
    KeInitializeMutex(&a, mx, 0);
    wait(&a, mx);
    KeLeaveCriticalRegion(&a);
    cr_expect_not(ke_thread_exit_checks(&a, ta));
    cr_expect_eq(m->bugcheck.code, 0x4000008Au);
    cr_expect_eq(m->bugcheck.params[0], ta->object->va);
    cr_expect_eq(m->bugcheck.params[1], mx);
}

Test(regions, clean_exit)
{
    PVOID_VA mx = storage(0x38);
    KeInitializeMutex(&a, mx, 0);
    wait(&a, mx);
    KeReleaseMutex(&a, mx, false);
    cr_expect(ke_thread_exit_checks(&a, ta));
    cr_expect_eq(m->stop, KE_RUNNING);
}

/* ------------------------------------------------------------------------ */
/* Fast mutexes                                                             */
/* ------------------------------------------------------------------------ */

TestSuite(fast_mutex, .init = boot_x64, .fini = shutdown);

/* x64 FAST_MUTEX: Count 0, Owner 8, Contention 0x10, Event 0x18, OldIrql
 * 0x30. */
static int32_t fm_count(PVOID_VA fm)
{
    return (int32_t)peek(fm, 4);
}

Test(fast_mutex, initialised_free)
{
    PVOID_VA fm = storage(0x38);
    ExInitializeFastMutex(&a, fm);
    cr_expect_eq(fm_count(fm), 1);
    cr_expect_eq(peek(fm + 8, 8), 0);
    cr_expect_eq(peek(fm + 0x10, 4), 0);
    cr_expect_eq(peek(fm + 0x18, 1), 1, "a synchronization event");
}

Test(fast_mutex, acquire_raises_to_apc_and_release_restores)
{
    PVOID_VA fm = storage(0x38);
    ExInitializeFastMutex(&a, fm);
    ExAcquireFastMutex(&a, fm);
    cr_expect_not(a.blocked);
    cr_expect_eq(ke_call_irql(&a), APC_LEVEL);
    cr_expect_eq(fm_count(fm), 0);
    cr_expect_eq(peek(fm + 8, 8), ta->object->va);
    cr_expect_eq(peek(fm + 0x30, 4), PASSIVE_LEVEL);
    ExReleaseFastMutex(&a, fm);
    cr_expect_eq(ke_call_irql(&a), PASSIVE_LEVEL);
    cr_expect_eq(fm_count(fm), 1);
    cr_expect_eq(peek(fm + 8, 8), 0);
}

Test(fast_mutex, contention_between_two_threads)
{
    PVOID_VA fm = storage(0x38);
    ExInitializeFastMutex(&a, fm);
    ExAcquireFastMutex(&a, fm);
    b.blocked = false;
    ExAcquireFastMutex(&b, fm);
    cr_expect(b.blocked);
    cr_expect_eq(tb->state, KE_THREAD_WAITING);
    cr_expect_eq(tb->wait_irql, APC_LEVEL, "it waits at APC_LEVEL");
    cr_expect_eq(fm_count(fm), -1);
    cr_expect_eq(peek(fm + 0x10, 4), 1, "one contention");

    /* The release hands the mutex to the waiter. */
    ExReleaseFastMutex(&a, fm);
    cr_expect_eq(ke_call_irql(&a), PASSIVE_LEVEL);
    cr_expect_eq(tb->state, KE_THREAD_READY);
    cr_expect_eq(fm_count(fm), 0);
    cr_expect_eq(peek(fm + 8, 8), tb->object->va);
    cr_expect_eq(peek(fm + 0x30, 4), PASSIVE_LEVEL, "the new owner's old IRQL");

    /* A third acquirer now finds it owned by b. */
    cr_expect_not(ExTryToAcquireFastMutex(&a, fm));
    cr_expect_eq(ke_call_irql(&a), PASSIVE_LEVEL, "a failed try restores the IRQL");

    tm_dispatch(m, tb, 1);
    cr_expect_eq(ke_call_irql(&b), APC_LEVEL);
    ExReleaseFastMutex(&b, fm);
    cr_expect_eq(ke_call_irql(&b), PASSIVE_LEVEL);
    cr_expect_eq(fm_count(fm), 1);
    cr_expect(ExTryToAcquireFastMutex(&a, fm));
    cr_expect_eq(ke_call_irql(&a), APC_LEVEL);
    ExReleaseFastMutex(&a, fm);
}

Test(fast_mutex, waiters_are_served_in_arrival_order)
{
    PVOID_VA fm = storage(0x38);
    ExInitializeFastMutex(&a, fm);
    ExAcquireFastMutex(&a, fm);
    ExAcquireFastMutex(&b, fm);
    ke_thread *tc = ke_create_thread(m, m->system_process, NULL);
    tm_dispatch(m, tc, 1);
    ke_call c = call_of(tc);
    ExAcquireFastMutex(&c, fm);
    cr_expect_eq(fm_count(fm), -2);
    ExReleaseFastMutex(&a, fm);
    cr_expect_eq(tb->state, KE_THREAD_READY);
    cr_expect_eq(tc->state, KE_THREAD_WAITING);
    cr_expect_eq(peek(fm + 8, 8), tb->object->va);
}

Test(fast_mutex, unsafe_forms_leave_the_irql)
{
    PVOID_VA fm = storage(0x38);
    ExInitializeFastMutex(&a, fm);
    KeEnterCriticalRegion(&a);
    ExAcquireFastMutexUnsafe(&a, fm);
    cr_expect_eq(ke_call_irql(&a), PASSIVE_LEVEL);
    cr_expect_eq(fm_count(fm), 0);
    cr_expect_eq(peek(fm + 8, 8), ta->object->va);
    ExReleaseFastMutexUnsafe(&a, fm);
    KeLeaveCriticalRegion(&a);
    cr_expect_eq(fm_count(fm), 1);
}

Test(fast_mutex, acquiring_it_twice_waits_for_ever)
{
    PVOID_VA fm = storage(0x38);
    ExInitializeFastMutex(&a, fm);
    ExAcquireFastMutex(&a, fm);
    a.blocked = false;
    ExAcquireFastMutex(&a, fm);
    cr_expect(a.blocked, "its own mutex: a self-deadlock, as on Windows");
    cr_expect_eq(ta->state, KE_THREAD_WAITING);
    cr_expect_eq(fm_count(fm), -1);
}

Test(fast_mutex, x86_layout, .init = boot_x86)
{
    PVOID_VA fm = storage(0x20);
    ExInitializeFastMutex(&a, fm);
    ExAcquireFastMutex(&a, fm);
    cr_expect_eq(peek(fm, 4), 0);
    cr_expect_eq(peek(fm + 4, 4), (uint32_t)ta->object->va);
    cr_expect_eq(peek(fm + 0xC, 1), 1, "the event at 0xC");
    ExReleaseFastMutex(&a, fm);
    cr_expect_eq(peek(fm, 4), 1);
}

/* ------------------------------------------------------------------------ */
/* Guarded mutexes, run-down protection, push locks, SLists, time fields    */
/* ------------------------------------------------------------------------ */

TestSuite(guarded_mutex, .init = boot_x64, .fini = shutdown);

Test(guarded_mutex, owner_is_in_a_guarded_region_at_its_irql)
{
    PVOID_VA gm = storage(0x38);
    KeInitializeGuardedMutex(&a, gm);
    KeAcquireGuardedMutex(&a, gm);
    cr_expect_eq(ke_call_irql(&a), PASSIVE_LEVEL, "the IRQL is left alone");
    cr_expect_eq(ta->special_apc_disable, -1, "a guarded region");
    cr_expect_eq(peek(gm + 8, 8), ta->object->va, "Owner");
    cr_expect_not(KeTryToAcquireGuardedMutex(&b, gm));
    cr_expect_eq(tb->special_apc_disable, 0, "a failed try leaves the region again");
    KeAcquireGuardedMutex(&b, gm);
    cr_expect(b.blocked);
    KeReleaseGuardedMutex(&a, gm);
    cr_expect_eq(ta->special_apc_disable, 0);
    cr_expect_eq(tb->state, KE_THREAD_READY, "handed to the waiter");
    cr_expect_eq(peek(gm + 8, 8), tb->object->va);
}

TestSuite(rundown, .init = boot_x64, .fini = shutdown);

Test(rundown, wait_refuses_new_references_and_wakes_at_the_last_release)
{
    PVOID_VA ref = storage(8);
    ExInitializeRundownProtection(&a, ref);
    cr_expect(ExAcquireRundownProtection(&a, ref));
    cr_expect(ExAcquireRundownProtectionEx(&a, ref, 2));
    cr_expect_eq(peek(ref, 8), 6, "three references, two each");
    b.blocked = false;
    ExWaitForRundownProtectionRelease(&b, ref);
    cr_expect(b.blocked);
    cr_expect_eq(peek(ref, 8), 7, "EX_RUNDOWN_ACTIVE set");
    cr_expect_not(ExAcquireRundownProtection(&a, ref));
    ExReleaseRundownProtectionEx(&a, ref, 2);
    cr_expect_eq(tb->state, KE_THREAD_WAITING);
    ExReleaseRundownProtection(&a, ref);
    cr_expect_eq(tb->state, KE_THREAD_READY);
    cr_expect_eq(peek(ref, 8), 1);
    ExReInitializeRundownProtection(&a, ref);
    cr_expect(ExAcquireRundownProtection(&a, ref));
}

Test(rundown, wait_with_no_reference_returns_at_once)
{
    PVOID_VA ref = storage(8);
    ExInitializeRundownProtection(&a, ref);
    a.blocked = false;
    ExWaitForRundownProtectionRelease(&a, ref);
    cr_expect_not(a.blocked);
    ExWaitForRundownProtectionRelease(&a, ref);
    cr_expect_not(a.blocked, "run down already");
    cr_expect_eq(peek(ref, 8), 1);
}

TestSuite(push_lock, .init = boot_x64, .fini = shutdown);

Test(push_lock, readers_share_a_writer_waits_and_gets_it_alone)
{
    PVOID_VA pl = storage(8);
    ExInitializePushLock(&a, pl);
    ExAcquirePushLockSharedEx(&a, pl, 0);
    ExAcquirePushLockSharedEx(&a, pl, 0);
    cr_expect_eq(peek(pl, 8), 0x21, "two readers, Locked");
    b.blocked = false;
    ExAcquirePushLockExclusiveEx(&b, pl, 0);
    cr_expect(b.blocked);
    cr_expect_eq(peek(pl, 8), 0x23, "Waiting set");
    ExReleasePushLockSharedEx(&a, pl, 0);
    cr_expect_eq(tb->state, KE_THREAD_WAITING);
    ExReleasePushLockSharedEx(&a, pl, 0);
    cr_expect_eq(tb->state, KE_THREAD_READY);
    cr_expect_eq(peek(pl, 8), 0x1, "the writer owns it");
    ExReleasePushLockExclusiveEx(&b, pl, 0);
    cr_expect_eq(peek(pl, 8), 0);
}

Test(push_lock, a_reader_waits_behind_a_waiting_writer)
{
    PVOID_VA pl = storage(8);
    ExInitializePushLock(&a, pl);
    ExAcquirePushLockExclusiveEx(&a, pl, 0);
    ExAcquirePushLockSharedEx(&b, pl, 0);
    cr_expect(b.blocked);
    ExReleasePushLockExclusiveEx(&a, pl, 0);
    cr_expect_eq(tb->state, KE_THREAD_READY);
    cr_expect_eq(peek(pl, 8), 0x11, "the reader got it");
}

TestSuite(slist, .fini = shutdown);

Test(slist, x64_layout_depth_and_sequence, .init = boot_x64)
{
    PVOID_VA head = storage(16), e1 = storage(16), e2 = storage(16);
    ExInitializeSListHead(&a, head);
    cr_expect_eq(InterlockedPushEntrySList(&a, head, e1), 0);
    cr_expect_eq(InterlockedPushEntrySList(&a, head, e2), e1);
    cr_expect_eq(peek(head, 8), 2u | 2u << 16, "Depth 2, Sequence 2");
    cr_expect_eq(peek(head + 8, 8), e2, "NextEntry");
    cr_expect_eq(peek(e2, 8), e1, "the entry's Next");
    cr_expect_eq(ExQueryDepthSList(&a, head), 2);
    cr_expect_eq(InterlockedPopEntrySList(&a, head), e2);
    cr_expect_eq(InterlockedFlushSList(&a, head), e1);
    cr_expect_eq(ExQueryDepthSList(&a, head), 0);
    cr_expect_eq(InterlockedPopEntrySList(&a, head), 0);
}

Test(slist, x86_layout, .init = boot_x86)
{
    PVOID_VA head = storage(8), e1 = storage(8);
    InitializeSListHead(&a, head);
    InterlockedPushEntrySList(&a, head, e1);
    cr_expect_eq(peek(head, 4), (uint32_t)e1, "Next at 0");
    cr_expect_eq(peek(head + 4, 2), 1, "Depth at 4");
    cr_expect_eq(peek(head + 6, 2), 1, "Sequence at 6");
}

TestSuite(time_fields, .init = boot_x64, .fini = shutdown);

static uint16_t field(PVOID_VA tf, int i)
{
    return (uint16_t)peek(tf + 2u * (unsigned)i, 2);
}

Test(time_fields, known_dates)
{
    PVOID_VA tf = storage(16);
    RtlTimeToTimeFields(&a, 0, tf);
    cr_expect(field(tf, 0) == 1601 && field(tf, 1) == 1 && field(tf, 2) == 1);
    cr_expect_eq(field(tf, 7), 1, "1601-01-01 was a Monday");
    /* 2000-02-29 12:34:56.789, a Tuesday. */
    int64_t t = 0;
    uint16_t in[8] = {2000, 2, 29, 12, 34, 56, 789, 0};
    cr_assert(mm_poke(m->mm, tf, in, sizeof in));
    cr_expect(RtlTimeFieldsToTime(&a, tf, &t));
    RtlTimeToTimeFields(&a, t, tf);
    for (int i = 0; i < 7; i++)
        cr_expect_eq(field(tf, i), in[i], "field %d", i);
    cr_expect_eq(field(tf, 7), 2);
    in[0] = 1900; /* no leap year: February 29 does not exist */
    cr_assert(mm_poke(m->mm, tf, in, sizeof in));
    cr_expect_not(RtlTimeFieldsToTime(&a, tf, &t));
    in[0] = 1600;
    cr_assert(mm_poke(m->mm, tf, in, sizeof in));
    cr_expect_not(RtlTimeFieldsToTime(&a, tf, &t), "before 1601");
}
