/*
 * test_resource.c - executive resources (ERESOURCE) driven from C: the
 * layout in memory, shared and exclusive ownership, recursion, the order in
 * which waiters get the resource (writers behind readers, readers behind a
 * waiting writer, the Starve and WaitForExclusive variants), Wait FALSE,
 * waiter counts, conversion, the kernel's RESOURCE_NOT_OWNED and, through a
 * verified driver's import table, Driver Verifier's checks.
 *
 * As in test_sync.c the test plays the scheduler: three system threads on
 * three processors, dispatched by hand after a wait readies them.
 */
#include "test_machine.h"
#include <stdio.h>
#include <string.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "ex/resource.h"
#include "io/io.h"
#include "mm/mm.h"
#include "ps/ps.h"
#include "vf/vf.h"

static ke_machine *m;
static ke_thread *ta, *tb, *tc;
static ke_call a, b, c;

static ke_call call_of(ke_thread *t)
{
    return (ke_call){.m = m, .exec = &t->exec, .thread = t};
}

static void boot_with(ke_arch arch, ke_build build, const char *verifier)
{
    ke_config config = tm_config(5, 4, arch);
    config.build = build;
    ke_host host = tm_passive_host();
    m = tm_create(&config, &host, verifier);
    ta = ke_create_thread(m, m->system_process, NULL);
    tb = ke_create_thread(m, m->system_process, NULL);
    tc = ke_create_thread(m, m->system_process, NULL);
    cr_assert(ta != NULL && tb != NULL && tc != NULL);
    tm_dispatch(m, ta, 0);
    tm_dispatch(m, tb, 1);
    tm_dispatch(m, tc, 2);
    a = call_of(ta);
    b = call_of(tb);
    c = call_of(tc);
}

static void boot_x64(void)
{
    boot_with(KE_ARCH_X64, KE_BUILD_FREE, NULL);
}

static void shutdown(void)
{
    ke_machine_destroy(m);
    m = NULL;
}

static PVOID_VA storage(uint64_t size)
{
    PVOID_VA va = ExAllocatePoolWithTag(&a, NonPagedPoolNx, size, 0x20736552u /* "Res " */);
    cr_assert_neq(va, 0);
    return va;
}

static uint64_t peek(PVOID_VA va, size_t len)
{
    uint64_t v = 0;
    cr_assert(mm_peek(m->mm, va, &v, len));
    return v;
}

static PVOID_VA new_resource(void)
{
    PVOID_VA r = storage(ERESOURCE_SIZE_X64);
    cr_assert_eq(ExInitializeResourceLite(&a, r), STATUS_SUCCESS);
    return r;
}

/* An acquire as a thread makes it; *blocked says whether it now waits. */
static bool excl(ke_call *k, PVOID_VA r, bool wait, bool *blocked)
{
    k->blocked = false;
    bool granted = ExAcquireResourceExclusiveLite(k, r, wait);
    if (blocked != NULL)
        *blocked = k->blocked;
    return granted;
}

static bool shared(ke_call *k, PVOID_VA r, bool wait, bool *blocked)
{
    k->blocked = false;
    bool granted = ExAcquireResourceSharedLite(k, r, wait);
    if (blocked != NULL)
        *blocked = k->blocked;
    return granted;
}

/* ------------------------------------------------------------------------ */
/* Layout and ownership                                                     */
/* ------------------------------------------------------------------------ */

TestSuite(resource, .init = boot_x64, .fini = shutdown);

Test(resource, initialised_free_and_zeroed)
{
    PVOID_VA r = storage(ERESOURCE_SIZE_X64);
    mm_poke(m->mm, r + 0x40, "\xFF\xFF\xFF\xFF", 4);
    ExInitializeResourceLite(&a, r);
    cr_expect_eq(peek(r + 0x40, 4), 0, "initialisation zeroes the structure");
    cr_expect_not(ExIsResourceAcquiredExclusiveLite(&a, r));
    cr_expect_eq(ExIsResourceAcquiredSharedLite(&a, r), 0);
    cr_expect_eq(ExGetExclusiveWaiterCount(&a, r), 0);
    cr_expect_eq(ExGetSharedWaiterCount(&a, r), 0);
    cr_expect(ex_resource_at(m, r)->listed);
}

Test(resource, exclusive_owner_in_memory)
{
    PVOID_VA r = new_resource();
    cr_expect(excl(&a, r, true, NULL));
    cr_expect_eq(peek(r + 0x18, 2), 1, "ActiveCount");
    cr_expect_eq(peek(r + 0x1A, 2), 0x80, "Flag: ResourceOwnedExclusive");
    cr_expect_eq(peek(r + 0x30, 8), ta->object->va, "OwnerEntry.OwnerThread");
    cr_expect_eq(peek(r + 0x38, 4), 1u << 3, "OwnerEntry.OwnerCount");
    cr_expect_eq(ExGetCurrentResourceThread(&a), ta->object->va);
}

Test(resource, exclusive_is_recursive_and_shared_by_its_owner_deepens_it)
{
    PVOID_VA r = new_resource();
    cr_expect(excl(&a, r, true, NULL));
    cr_expect(excl(&a, r, true, NULL));
    cr_expect(shared(&a, r, true, NULL), "the exclusive owner gets shared access at once");
    cr_expect(ExIsResourceAcquiredExclusiveLite(&a, r));
    cr_expect_eq(ExIsResourceAcquiredSharedLite(&a, r), 3);
    cr_expect_not(ExIsResourceAcquiredExclusiveLite(&b, r), "queries answer for the caller");
    cr_expect_eq(ExIsResourceAcquiredSharedLite(&b, r), 0);
    ExReleaseResourceLite(&a, r);
    ExReleaseResourceLite(&a, r);
    cr_expect(ExIsResourceAcquiredExclusiveLite(&a, r));
    ExReleaseResourceLite(&a, r);
    cr_expect_not(ExIsResourceAcquiredExclusiveLite(&a, r));
    cr_expect_eq(peek(r + 0x18, 2), 0);
    cr_expect(excl(&b, r, false, NULL), "free again");
}

Test(resource, readers_share_it)
{
    PVOID_VA r = new_resource();
    cr_expect(shared(&a, r, true, NULL));
    cr_expect(shared(&b, r, true, NULL));
    cr_expect(shared(&a, r, true, NULL));
    cr_expect_eq(ExIsResourceAcquiredSharedLite(&a, r), 2);
    cr_expect_eq(ExIsResourceAcquiredSharedLite(&b, r), 1);
    cr_expect_eq(peek(r + 0x18, 2), 2, "ActiveCount: two owners");
    cr_expect_not(ExIsResourceAcquiredExclusiveLite(&a, r));
}

Test(resource, wait_false_returns_false_without_waiting)
{
    PVOID_VA r = new_resource();
    bool blocked;
    cr_expect(shared(&a, r, true, NULL));
    cr_expect_not(excl(&b, r, false, &blocked));
    cr_expect_not(blocked);
    cr_expect_not(ExTryToAcquireResourceExclusiveLite(&b, r));
    cr_expect_eq(ExGetExclusiveWaiterCount(&a, r), 0);
    ExReleaseResourceLite(&a, r);
    cr_expect(ExTryToAcquireResourceExclusiveLite(&b, r));
    cr_expect(ExTryToAcquireResourceExclusiveLite(&b, r), "recursively for its owner");
    cr_expect_not(shared(&a, r, false, &blocked));
    cr_expect_not(blocked);
}

/* ------------------------------------------------------------------------ */
/* Waiters                                                                  */
/* ------------------------------------------------------------------------ */

Test(resource, writer_waits_for_every_reader)
{
    PVOID_VA r = new_resource();
    bool blocked;
    shared(&a, r, true, NULL);
    shared(&c, r, true, NULL);
    cr_expect(excl(&b, r, true, &blocked), "TRUE once the wait is over");
    cr_expect(blocked);
    cr_expect_eq(tb->state, KE_THREAD_WAITING);
    cr_expect_eq(ExGetExclusiveWaiterCount(&a, r), 1);
    cr_expect_eq(peek(r + 0x4C, 4), 1, "NumberOfExclusiveWaiters");
    cr_expect_eq(peek(r + 0x44, 4), 1, "ContentionCount");
    ExReleaseResourceLite(&a, r);
    cr_expect_eq(tb->state, KE_THREAD_WAITING, "one reader is left");
    ExReleaseResourceLite(&c, r);
    cr_expect_eq(tb->state, KE_THREAD_READY);
    tm_dispatch(m, tb, 1);
    cr_expect(ExIsResourceAcquiredExclusiveLite(&b, r), "handed over by the last reader");
    cr_expect_eq(ExGetExclusiveWaiterCount(&b, r), 0);
}

Test(resource, new_readers_queue_behind_a_waiting_writer)
{
    PVOID_VA r = new_resource();
    bool blocked;
    shared(&a, r, true, NULL);
    excl(&b, r, true, &blocked);
    cr_expect(blocked);
    cr_expect(shared(&a, r, true, &blocked), "an owner's recursive shared acquire is granted");
    cr_expect_not(blocked);
    cr_expect_not(shared(&c, r, false, NULL), "a new reader would wait");
    cr_expect(ExAcquireSharedStarveExclusive(&c, r, false), "StarveExclusive does not");
    cr_expect_eq(ExIsResourceAcquiredSharedLite(&c, r), 1);
}

Test(resource, wait_for_exclusive_waits_even_for_a_shared_owner)
{
    PVOID_VA r = new_resource();
    bool blocked;
    shared(&a, r, true, NULL);
    excl(&b, r, true, &blocked);
    cr_expect_not(ExAcquireSharedWaitForExclusive(&a, r, false));
    cr_expect(ExAcquireSharedWaitForExclusive(&c, r, false) == false);
    /* With no writer waiting it is a plain shared acquire. */
    PVOID_VA q = new_resource();
    cr_expect(ExAcquireSharedWaitForExclusive(&c, q, false));
    cr_expect(ExAcquireSharedWaitForExclusive(&c, q, false));
    cr_expect_eq(ExIsResourceAcquiredSharedLite(&c, q), 2);
}

Test(resource, exclusive_release_lets_waiting_readers_in_first)
{
    PVOID_VA r = new_resource();
    bool blocked_b, blocked_c;
    excl(&a, r, true, NULL);
    excl(&b, r, true, &blocked_b);
    shared(&c, r, true, &blocked_c);
    cr_expect(blocked_b && blocked_c);
    cr_expect_eq(ExGetSharedWaiterCount(&a, r), 1);
    cr_expect_eq(ExGetExclusiveWaiterCount(&a, r), 1);
    ExReleaseResourceLite(&a, r);
    cr_expect_eq(tc->state, KE_THREAD_READY, "the reader got it");
    cr_expect_eq(tb->state, KE_THREAD_WAITING, "the writer still waits");
    tm_dispatch(m, tc, 2);
    cr_expect_eq(ExIsResourceAcquiredSharedLite(&c, r), 1);
    ExReleaseResourceLite(&c, r);
    cr_expect_eq(tb->state, KE_THREAD_READY);
    tm_dispatch(m, tb, 1);
    cr_expect(ExIsResourceAcquiredExclusiveLite(&b, r));
}

Test(resource, convert_exclusive_to_shared_admits_waiting_readers)
{
    PVOID_VA r = new_resource();
    bool blocked;
    excl(&a, r, true, NULL);
    excl(&a, r, true, NULL);
    shared(&c, r, true, &blocked);
    cr_expect(blocked);
    ExConvertExclusiveToSharedLite(&a, r);
    cr_expect_not(ExIsResourceAcquiredExclusiveLite(&a, r));
    cr_expect_eq(ExIsResourceAcquiredSharedLite(&a, r), 2, "its levels stay, shared");
    cr_expect_eq(tc->state, KE_THREAD_READY);
    cr_expect_eq(peek(r + 0x1A, 2), 0, "Flag: no longer exclusive");
}

Test(resource, shared_owner_asking_exclusive_waits_for_itself)
{
    PVOID_VA r = new_resource();
    bool blocked;
    shared(&a, r, true, NULL);
    excl(&a, r, true, &blocked);
    cr_expect(blocked, "a writer waits until every reader has gone, itself included");
    /* What the wait-for graph of the deadlock reads (ke/waitgraph.c). */
    cr_expect_eq(ta->resource_wait, r);
    cr_expect(ta->resource_wait_exclusive);
    cr_expect_eq(ex_resource_held(ex_resource_at(m, r), ta), 1, "it owns it shared itself");
}

Test(resource, critical_region_variants)
{
    PVOID_VA r = new_resource();
    cr_expect_eq(ExEnterCriticalRegionAndAcquireResourceExclusive(&a, r), 0, "no Win32Thread");
    cr_expect_eq(ta->kernel_apc_disable, -1);
    cr_expect(ExIsResourceAcquiredExclusiveLite(&a, r));
    ExReleaseResourceAndLeaveCriticalRegion(&a, r);
    cr_expect_eq(ta->kernel_apc_disable, 0);
    ExEnterCriticalRegionAndAcquireResourceShared(&b, r);
    cr_expect_eq(ExIsResourceAcquiredSharedLite(&b, r), 1);
    ExReleaseResourceAndLeaveCriticalRegion(&b, r);
    cr_expect_eq(tb->kernel_apc_disable, 0);
}

Test(resource, release_for_another_thread)
{
    PVOID_VA r = new_resource();
    shared(&a, r, true, NULL);
    ExReleaseResourceForThreadLite(&b, r, ta->object->va);
    cr_expect_eq(ExIsResourceAcquiredSharedLite(&a, r), 0);
    cr_expect_eq(m->stop, KE_RUNNING);
}

Test(resource, delete_and_reinitialise)
{
    PVOID_VA r = new_resource();
    bool blocked;
    excl(&a, r, true, NULL);
    excl(&b, r, true, &blocked); /* the waiter event gets allocated */
    PVOID_VA event = peek(r + 0x28, 8);
    cr_expect_neq(event, 0, "ExclusiveWaiters allocated at the first contention");
    ExReinitializeResourceLite(&c, r);
    cr_expect_eq(peek(r + 0x28, 8), event, "reinitialised in place");
    cr_expect_not(ExIsResourceAcquiredExclusiveLite(&a, r));
    cr_expect(ex_resource_at(m, r)->listed);
    PVOID_VA q = new_resource();
    excl(&a, q, true, NULL);
    cr_expect_eq(ExDeleteResourceLite(&a, q), STATUS_SUCCESS, "owned: Windows does not check");
    cr_expect_null(ex_resource_at(m, q));
}

Test(resource, zeroed_memory_behaves_as_a_free_resource)
{
    PVOID_VA r = storage(ERESOURCE_SIZE_X64);
    uint8_t zero[ERESOURCE_SIZE_X64] = {0};
    mm_poke(m->mm, r, zero, sizeof zero);
    cr_expect(excl(&a, r, true, NULL));
    cr_expect_not(ex_resource_at(m, r)->listed, "never initialised");
}

Test(resource, x86_layout)
{
    shutdown();
    boot_with(KE_ARCH_X86, KE_BUILD_FREE, NULL);
    PVOID_VA r = storage(ERESOURCE_SIZE_X86);
    ExInitializeResourceLite(&a, r);
    excl(&a, r, true, NULL);
    cr_expect_eq(peek(r + 0x0C, 2), 1, "ActiveCount");
    cr_expect_eq(peek(r + 0x0E, 2), 0x80, "Flag");
    cr_expect_eq(peek(r + 0x18, 4), ta->object->va, "OwnerEntry.OwnerThread");
}

/* ------------------------------------------------------------------------ */
/* RESOURCE_NOT_OWNED                                                       */
/* ------------------------------------------------------------------------ */

Test(resource, release_of_a_free_resource_is_not_owned)
{
    PVOID_VA r = new_resource();
    ExReleaseResourceLite(&a, r);
    cr_expect_eq(m->stop, KE_STOP_BUGCHECK);
    cr_expect_eq(m->bugcheck.code, 0xE3);
    cr_expect_eq(m->bugcheck.params[0], r);
    cr_expect_eq(m->bugcheck.params[1], ta->object->va);
    cr_expect_eq(m->bugcheck.params[3], 2);
}

Test(resource, release_by_a_thread_that_is_no_shared_owner)
{
    PVOID_VA r = new_resource();
    shared(&a, r, true, NULL);
    ExReleaseResourceLite(&b, r);
    cr_expect_eq(m->bugcheck.code, 0xE3);
    cr_expect_eq(m->bugcheck.params[1], tb->object->va);
}

Test(resource, exclusive_release_by_another_thread_passes_on_a_free_build)
{
    PVOID_VA r = new_resource();
    excl(&a, r, true, NULL);
    ExReleaseResourceLite(&b, r);
    cr_expect_eq(m->stop, KE_RUNNING);
    cr_expect_not(ExIsResourceAcquiredExclusiveLite(&a, r));
}

Test(resource, exclusive_release_by_another_thread_stops_a_checked_build)
{
    shutdown();
    boot_with(KE_ARCH_X64, KE_BUILD_CHECKED, NULL);
    PVOID_VA r = new_resource();
    excl(&a, r, true, NULL);
    ExReleaseResourceLite(&b, r);
    cr_expect_eq(m->bugcheck.code, 0xE3);
    cr_expect_eq(m->bugcheck.params[3], 1);
}

/* ------------------------------------------------------------------------ */
/* Driver Verifier, through a verified driver's imports                     */
/* ------------------------------------------------------------------------ */

static io_driver *drv;
static ke_thread *tu; /* a thread of an application: not a system thread */
static ke_call v, u;  /* a and tu calling from the verified driver */

static void boot_verified(void)
{
    boot_with(KE_ARCH_X64, KE_BUILD_FREE, "/standard /driver res.sys");
    drv = io_register_driver(m, "res.sys", false, NULL);
    cr_assert_not_null(drv);
    cr_assert_eq(io_load_begin(&a, drv), STATUS_SUCCESS);
    cr_assert(drv->verified);
    ps_process *app = ps_create_process(m, "app.exe");
    cr_assert_not_null(app);
    tu = ps_create_harness_thread(m, app, 0, a.exec); /* created by thread ta */
    cr_assert_not_null(tu);
    tm_dispatch(m, tu, 3);
    v = a;
    v.driver = drv;
    u = call_of(tu);
    u.driver = drv;
}

TestSuite(resource_verifier, .init = boot_verified, .fini = shutdown);

Test(resource_verifier, system_threads_are_exempt_from_the_apc_checks)
{
    PVOID_VA r = new_resource();
    cr_expect(ke_system_thread(ta));
    cr_expect(drv->imports.ExAcquireResourceExclusiveLite(&v, r, true));
    drv->imports.ExReleaseResourceLite(&v, r);
    cr_expect_eq(m->stop, KE_RUNNING);
}

Test(resource_verifier, acquire_with_apcs_enabled)
{
    PVOID_VA r = new_resource();
    cr_expect_not(ke_system_thread(tu));
    drv->imports.ExAcquireResourceSharedLite(&u, r, true);
    cr_expect_eq(m->bugcheck.code, 0xC4);
    cr_expect_eq(m->bugcheck.params[0], 0x37);
    cr_expect_eq(m->bugcheck.params[1], PASSIVE_LEVEL);
    cr_expect_eq(m->bugcheck.params[2], 0);
    cr_expect_eq(m->bugcheck.params[3], r);
}

Test(resource_verifier, acquire_in_a_critical_region_or_at_apc_level)
{
    PVOID_VA r = new_resource();
    KeEnterCriticalRegion(&u);
    cr_expect(drv->imports.ExAcquireResourceExclusiveLite(&u, r, true));
    drv->imports.ExReleaseResourceLite(&u, r);
    KeLeaveCriticalRegion(&u);
    KIRQL old;
    KeRaiseIrql(&u, APC_LEVEL, &old);
    cr_expect(drv->imports.ExAcquireResourceExclusiveLite(&u, r, true));
    drv->imports.ExReleaseResourceLite(&u, r);
    KeLowerIrql(&u, old);
    cr_expect_eq(m->stop, KE_RUNNING);
}

Test(resource_verifier, release_with_apcs_enabled)
{
    PVOID_VA r = new_resource();
    KeEnterCriticalRegion(&u);
    drv->imports.ExAcquireResourceExclusiveLite(&u, r, true);
    KeLeaveCriticalRegion(&u);
    drv->imports.ExReleaseResourceLite(&u, r);
    cr_expect_eq(m->bugcheck.code, 0xC4);
    cr_expect_eq(m->bugcheck.params[0], 0x38);
    cr_expect_eq(m->bugcheck.params[3], r);
}

Test(resource_verifier, unaligned)
{
    PVOID_VA block = storage(8 + ERESOURCE_SIZE_X64);
    PVOID_VA r = block + 4;
    ExInitializeResourceLite(&a, r);
    drv->imports.ExAcquireResourceExclusiveLite(&v, r, true);
    cr_expect_eq(m->bugcheck.params[0], 0x3D);
    cr_expect_eq(m->bugcheck.params[1], 0);
    cr_expect_eq(m->bugcheck.params[3], r);
}

Test(resource_verifier, initialised_twice)
{
    PVOID_VA r = storage(ERESOURCE_SIZE_X64);
    drv->imports.ExInitializeResourceLite(&v, r);
    cr_expect(ex_resource_at(m, r)->vf_tracked);
    drv->imports.ExDeleteResourceLite(&v, r);
    drv->imports.ExInitializeResourceLite(&v, r);
    cr_expect_eq(m->stop, KE_RUNNING, "deleted in between: fine");
    drv->imports.ExInitializeResourceLite(&v, r);
    cr_expect_eq(m->bugcheck.params[0], 0xD0);
    cr_expect_eq(m->bugcheck.params[1], r);
}

Test(resource_verifier, delete_uninitialised)
{
    PVOID_VA r = storage(ERESOURCE_SIZE_X64);
    drv->imports.ExInitializeResourceLite(&v, r);
    drv->imports.ExDeleteResourceLite(&v, r);
    drv->imports.ExDeleteResourceLite(&v, r);
    cr_expect_eq(m->bugcheck.params[0], 0xD1);
    cr_expect_eq(m->bugcheck.params[1], r);
}

Test(resource_verifier, free_with_an_active_resource)
{
    PVOID_VA block = storage(0x100);
    PVOID_VA r = block + 0x20;
    drv->imports.ExInitializeResourceLite(&v, r);
    drv->imports.ExFreePool(&v, block);
    cr_expect_eq(m->bugcheck.params[0], 0xD2);
    cr_expect_eq(m->bugcheck.params[1], r);
    cr_expect_eq(m->bugcheck.params[2], block - 16, "the block's POOL_HEADER");
    cr_expect_eq(m->bugcheck.params[3], 0x110, "the block's size, header included");
}

Test(resource_verifier, free_after_delete)
{
    PVOID_VA block = storage(0x100);
    drv->imports.ExInitializeResourceLite(&v, block);
    drv->imports.ExDeleteResourceLite(&v, block);
    drv->imports.ExFreePool(&v, block);
    cr_expect_eq(m->stop, KE_RUNNING);
}

Test(resource_verifier, misc_checks_off, .init = NULL)
{
    boot_with(KE_ARCH_X64, KE_BUILD_FREE, "/flags 0x8 /driver res.sys");
    drv = io_register_driver(m, "res.sys", false, NULL);
    cr_assert_eq(io_load_begin(&a, drv), STATUS_SUCCESS);
    v = a;
    v.driver = drv;
    PVOID_VA block = storage(0x100);
    drv->imports.ExInitializeResourceLite(&v, block);
    drv->imports.ExInitializeResourceLite(&v, block);
    drv->imports.ExFreePool(&v, block);
    cr_expect_eq(m->stop, KE_RUNNING, "0xD0 and 0xD2 are miscellaneous checks (0x800)");
}

/* ------------------------------------------------------------------------ */
/* PsSetCreateProcessNotifyRoutine                                          */
/* ------------------------------------------------------------------------ */

Test(resource, process_notify_registration)
{
    io_driver *d = io_register_driver(m, "notify.sys", false, NULL);
    cr_assert_not_null(d);
    ke_call k = a;
    k.driver = d;
    cr_expect_eq(PsSetCreateProcessNotifyRoutine(&k, 7, true), STATUS_INVALID_PARAMETER,
                 "removing a routine that is not registered");
    cr_expect_eq(PsSetCreateProcessNotifyRoutine(&k, 7, false), STATUS_SUCCESS);
    cr_expect_eq(PsSetCreateProcessNotifyRoutine(&k, 7, false), STATUS_INVALID_PARAMETER,
                 "registered already");
    cr_expect_eq(m->process_notify_count, 1);
    cr_expect_eq(m->process_notify[0].driver, d);
    for (uint32_t r = 8; m->process_notify_count < KE_MAX_PROCESS_NOTIFY; r++)
        cr_assert_eq(PsSetCreateProcessNotifyRoutine(&k, r, false), STATUS_SUCCESS);
    cr_expect_eq(PsSetCreateProcessNotifyRoutine(&k, 1000, false), STATUS_INVALID_PARAMETER,
                 "no slot left");
    cr_expect_eq(PsSetCreateProcessNotifyRoutine(&k, 7, true), STATUS_SUCCESS);
    cr_expect_eq(m->process_notify_count, KE_MAX_PROCESS_NOTIFY - 1);
    cr_expect_eq(m->process_notify[0].routine, 8, "the others keep their order");
}
