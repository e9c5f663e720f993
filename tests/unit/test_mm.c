/*
 * test_mm.c - the memory manager's models, driven from C: the seeded paging
 * model and pageable code, the standard pool condition events' thresholds,
 * and pages left locked when a process ends.
 */
#include "test_machine.h"
#include <stdio.h>
#include <string.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "mm/mdl.h"
#include "mm/mm.h"
#include "ps/ps.h"
#include "vf/vf.h"

static ke_machine *m;
static ke_call call;

static void boot_seeded(uint64_t seed, uint64_t memory_bytes)
{
    ke_config config = tm_config(seed, 1, KE_ARCH_X64);
    config.memory_bytes = memory_bytes;
    ke_host host = tm_passive_host();
    m = tm_create(&config, &host, NULL);
    ke_thread *t = ke_create_harness_thread(m);
    cr_assert_not_null(t);
    t->state = KE_THREAD_RUNNING;
    memset(&call, 0, sizeof call);
    call.m = m;
    call.exec = &t->exec;
    call.thread = t;
}

static void boot(void)
{
    boot_seeded(7, 1ull << 20); /* 256 pages */
}

static void shutdown(void)
{
    ke_machine_destroy(m);
    m = NULL;
}

TestSuite(mm, .init = boot, .fini = shutdown);

/* Raises and lowers processor 0 n times; returns the model's trims. */
static uint64_t raise_many(uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        ke_cpu_set_irql(m, &m->cpus[0], DISPATCH_LEVEL);
        ke_cpu_set_irql(m, &m->cpus[0], PASSIVE_LEVEL);
    }
    return m->mm->model_trims;
}

Test(mm, paging_model_trims_about_one_raise_in_fifty)
{
    uint64_t trims = raise_many(5000);
    /* 100 expected; a binomial's spread is about 10. */
    cr_assert(trims >= 60 && trims <= 140, "trims: %llu", (unsigned long long)trims);
    cr_assert_eq(m->vf->counters[DRVSIM_GC_Trims], 0, "the model's trims are not the verifier's");
}

Test(mm, paging_model_is_seeded)
{
    uint64_t first = raise_many(2000);
    shutdown();
    boot_seeded(7, 1ull << 20);
    cr_assert_eq(raise_many(2000), first, "the same seed trims at the same raises");
}

Test(mm, only_raises_from_below_dispatch_draw)
{
    ke_cpu_set_irql(m, &m->cpus[0], DISPATCH_LEVEL);
    des_rng before = m->rng_paging;
    for (int i = 0; i < 100; i++) {
        ke_cpu_set_irql(m, &m->cpus[0], 5);
        ke_cpu_set_irql(m, &m->cpus[0], DISPATCH_LEVEL);
    }
    cr_assert(memcmp(&before, &m->rng_paging, sizeof before) == 0, "no draw above DISPATCH");
    ke_cpu_set_irql(m, &m->cpus[0], PASSIVE_LEVEL);
}

Test(mm, paged_pool_trimmed_faults_at_dispatch)
{
    PVOID_VA p = ExAllocatePoolWithTag(&call, PagedPool, 64, 0x74736554u);
    cr_assert_neq(p, 0);
    uint8_t byte = 0;
    mm_trim(m->mm);
    cr_assert(mm_access(&call, p, &byte, 1, false), "paged back in at PASSIVE_LEVEL");
    mm_trim(m->mm);
    ke_cpu_set_irql(m, &m->cpus[0], DISPATCH_LEVEL);
    cr_assert_not(mm_access(&call, p, &byte, 1, false));
    cr_assert_eq(m->bugcheck.code, 0x0A, "harness code: IRQL_NOT_LESS_OR_EQUAL");
}

Test(mm, pageable_code_faults_at_dispatch_when_out)
{
    io_driver *d = io_register_driver(m, "pg.sys", false, NULL);
    cr_assert_not_null(d);
    cr_assert_eq(io_load_begin(&call, d), STATUS_SUCCESS);
    call.driver = d;
    PVOID_VA page = io_page_section(m, d);
    cr_assert_eq(page, d->image_base + IO_IMAGE_STRIDE - PAGE_SIZE);
    cr_assert(mm_lookup(m->mm, page)->pageable);
    ke_cpu_set_irql(m, &m->cpus[0], DISPATCH_LEVEL);
    cr_assert(mm_execute(&call, page + 0x40), "resident: runs at DISPATCH_LEVEL");
    ke_cpu_set_irql(m, &m->cpus[0], PASSIVE_LEVEL);
    mm_trim(m->mm);
    cr_assert(mm_execute(&call, page + 0x40), "out, but paged in at PASSIVE_LEVEL");
    mm_trim(m->mm);
    ke_cpu_set_irql(m, &m->cpus[0], DISPATCH_LEVEL);
    cr_assert_not(mm_execute(&call, page + 0x50));
    cr_assert_eq(m->bugcheck.code, 0xD1);
    cr_assert_eq(m->bugcheck.params[0], page + 0x50);
    cr_assert_eq(m->bugcheck.params[1], DISPATCH_LEVEL);
    cr_assert_eq(m->bugcheck.params[2], 8, "execute");
    cr_assert_eq(m->bugcheck.params[3], page + 0x50);
}

/* ------------------------------------------------------------------------ */
/* Condition events                                                         */
/* ------------------------------------------------------------------------ */

/* With used pages set so that `free_pages` of the 256 are free. */
static bool holds_with_free(ex_condition c, uint64_t free_pages)
{
    uint64_t saved = m->pool->used_pages;
    m->pool->used_pages = m->pool->limit_pages - free_pages;
    bool holds = ex_condition_holds(m->pool, c);
    m->pool->used_pages = saved;
    return holds;
}

Test(mm, condition_thresholds)
{
    cr_assert_eq(m->pool->limit_pages, 256);
    cr_assert(holds_with_free(EX_LOW_NONPAGED_POOL, 31), "below 1/8 free");
    cr_assert_not(holds_with_free(EX_LOW_NONPAGED_POOL, 32));
    cr_assert(holds_with_free(EX_LOW_PAGED_POOL, 31));
    cr_assert(holds_with_free(EX_HIGH_NONPAGED_POOL, 128), "half free");
    cr_assert_not(holds_with_free(EX_HIGH_NONPAGED_POOL, 127));
    cr_assert(holds_with_free(EX_HIGH_PAGED_POOL, 128));
    cr_assert(holds_with_free(EX_LOW_MEMORY, 15), "below 1/16 free");
    cr_assert_not(holds_with_free(EX_LOW_MEMORY, 16));
    cr_assert(holds_with_free(EX_HIGH_MEMORY, 64), "a quarter free");
    cr_assert_not(holds_with_free(EX_HIGH_MEMORY, 63));
}

/* A UNICODE_STRING for an ASCII name, in pool. */
static PVOID_VA unicode_string(const char *text)
{
    size_t n = strlen(text);
    PVOID_VA s = ExAllocatePoolWithTag(&call, NonPagedPoolNx, 16 + 2 * n, 0x74736554u);
    cr_assert_neq(s, 0);
    uint16_t lengths[2] = {(uint16_t)(2 * n), (uint16_t)(2 * n)};
    PVOID_VA buffer = s + 16;
    mm_poke(m->mm, s, lengths, sizeof lengths);
    mm_poke(m->mm, s + 8, &buffer, 8);
    for (size_t i = 0; i < n; i++) {
        uint16_t ch = (uint8_t)text[i];
        mm_poke(m->mm, buffer + 2 * i, &ch, 2);
    }
    return s;
}

Test(mm, low_nonpaged_condition_follows_the_pool)
{
    uint64_t handle = 0;
    PVOID_VA low = IoCreateNotificationEvent(
        &call, unicode_string("\\KernelObjects\\LowNonPagedPoolCondition"), &handle);
    cr_assert_neq(low, 0);
    cr_assert_neq(handle, 0);
    ke_object *o = ke_object_at(m, low);
    cr_assert_eq(o->signal_state, 0, "a fresh machine has memory to spare");
    uint64_t again = 0;
    cr_assert_eq(IoCreateNotificationEvent(
                     &call, unicode_string("\\kernelobjects\\lownonpagedpoolcondition"), &again),
                 low, "one object; names compare without case");
    cr_assert_neq(again, handle, "a handle per open");
    /* Take pages until fewer than 1/8 are free. */
    PVOID_VA pages[256];
    int n = 0;
    while (!ex_condition_holds(m->pool, EX_LOW_NONPAGED_POOL)) {
        pages[n] = ExAllocatePoolWithTag(&call, NonPagedPoolNx, PAGE_SIZE, 0x74736554u);
        cr_assert_neq(pages[n], 0);
        n++;
        cr_assert_eq(o->signal_state, ex_condition_holds(m->pool, EX_LOW_NONPAGED_POOL));
    }
    cr_assert_eq(o->signal_state, 1);
    ExFreePool(&call, pages[--n]);
    ExFreePool(&call, pages[--n]);
    cr_assert_eq(o->signal_state, 0, "freed back above the threshold");
    cr_assert_eq(ZwClose(&call, handle), STATUS_SUCCESS);
    cr_assert_eq(ZwClose(&call, again), STATUS_SUCCESS);
    cr_assert_not_null(ke_object_at(m, low), "a permanent object");
}

Test(mm, named_event_in_base_named_objects)
{
    uint64_t handle = 0, again = 0;
    PVOID_VA name = unicode_string("\\BaseNamedObjects\\Mine");
    PVOID_VA event = IoCreateNotificationEvent(&call, name, &handle);
    cr_assert_neq(event, 0);
    ke_object *o = ke_object_at(m, event);
    cr_assert_eq(o->signal_state, 1, "created signalled, as the WDK says");
    KeClearEvent(&call, event);
    cr_assert_eq(
        IoCreateNotificationEvent(&call, unicode_string("\\basenamedobjects\\MINE"), &again), event,
        "opened, not created again");
    cr_assert_eq(o->signal_state, 0, "opening leaves the state alone");
    cr_assert_eq(ZwClose(&call, handle), STATUS_SUCCESS);
    cr_assert_eq(ZwClose(&call, again), STATUS_SUCCESS);
    cr_assert(ex_pool_find(m->pool, event)->freed, "the last handle deletes it");
    uint64_t fresh = 0;
    PVOID_VA recreated = IoCreateNotificationEvent(&call, name, &fresh);
    cr_assert_neq(recreated, 0);
    cr_assert_eq(ke_object_at(m, recreated)->signal_state, 1, "a new event, signalled");
}

Test(mm, event_outside_known_directories_fails)
{
    uint64_t handle = 1;
    cr_assert_eq(IoCreateNotificationEvent(&call, unicode_string("\\Nowhere\\Mine"), &handle), 0);
    cr_assert_eq(handle, 0);
    cr_assert_eq(IoCreateNotificationEvent(&call, unicode_string("\\KernelObjects\\Mine"), &handle),
                 0, "only the standard events live in \\KernelObjects");
    cr_assert_eq(IoCreateNotificationEvent(&call, unicode_string("Relative"), &handle), 0);
}

/* ------------------------------------------------------------------------ */
/* Locked pages at process exit                                             */
/* ------------------------------------------------------------------------ */

/* A thread of a new process app.exe, for the call to run in. */
static ke_thread *app_thread(ps_process **out)
{
    ps_process *p = ps_create_process(m, "app.exe");
    cr_assert_not_null(p);
    ke_thread *t = ke_create_thread(m, p, NULL);
    cr_assert_not_null(t);
    cr_assert_eq(p->live_threads, 1);
    call.thread = t;
    call.exec = &t->exec;
    *out = p;
    return t;
}

static PVOID_VA locked_mdl(uint32_t bytes)
{
    PVOID_VA buffer = ExAllocatePoolWithTag(&call, NonPagedPoolNx, bytes, 0x74736554u);
    PVOID_VA mdl = IoAllocateMdl(&call, buffer, bytes, false, false, 0);
    cr_assert_neq(mdl, 0);
    MmProbeAndLockPages(&call, mdl, 0, IoWriteAccess);
    return mdl;
}

Test(mm, process_ends_with_locked_pages)
{
    ps_process *p;
    ke_thread *t = app_thread(&p);
    locked_mdl(3 * PAGE_SIZE);
    locked_mdl(64);
    ke_terminate_thread(m, t, STATUS_SUCCESS);
    cr_assert(p->exited);
    cr_assert_eq(m->stop, KE_STOP_BUGCHECK);
    cr_assert_eq(m->bugcheck.code, 0x76);
    cr_assert_eq(m->bugcheck.params[0], 0);
    cr_assert_eq(m->bugcheck.params[1], p->eprocess);
    cr_assert_eq(m->bugcheck.params[2], 4, "3 pages and 1, in the process's context");
}

Test(mm, process_ends_clean_after_unlock)
{
    ps_process *p;
    ke_thread *t = app_thread(&p);
    PVOID_VA mdl = locked_mdl(64);
    MmUnlockPages(&call, mdl);
    ke_terminate_thread(m, t, STATUS_SUCCESS);
    cr_assert(p->exited);
    cr_assert_eq(m->stop, KE_RUNNING);
    cr_assert_eq(m->mm->lock_count, 0);
}

Test(mm, locks_in_another_process_do_not_count)
{
    ps_process *p;
    ke_thread *harness = call.thread;
    ke_thread *t = app_thread(&p);
    call.thread = harness; /* the System process locks, not app.exe */
    call.exec = &harness->exec;
    locked_mdl(64);
    ke_terminate_thread(m, t, STATUS_SUCCESS);
    cr_assert(p->exited);
    cr_assert_eq(m->stop, KE_RUNNING);
}
