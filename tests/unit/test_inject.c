/*
 * test_inject.c - low resources simulation's decision (sim/vf/inject.c),
 * driven through a verified driver's import table from C: the boot delay,
 * the probability, the tag and application filters, the must-succeed
 * exemption, the failure semantics of each DDI family, the systematic modes
 * (--fail-nth, replay keys) and the guarantee that a run without the option
 * draws nothing.
 */
#include <criterion/criterion.h>

#include "test_machine.h"

#include "io/io.h"
#include "mm/mdl.h"
#include "mm/mm.h"
#include "ps/ps.h"
#include "vf/inject.h"
#include "vf/vf.h"

#define MINUTE_100NS (60ull * 10000000ull)
#define TAG_SMPL     0x6C706D53u /* "Smpl" */
#define TAG_LEAK     0x6B61654Cu /* "Leak" */
#define TAG_FOOL     0x6C6F6F46u /* "Fool" */

static ke_machine *m;
static io_driver *drv;
static ke_call call;

/* A machine with `verifier`, and unit.sys loaded (verified if the settings
 * name it), its calls made from the harness thread on processor 0. */
static void boot(const char *verifier)
{
    ke_config config = tm_config(1, 1, KE_ARCH_X64);
    ke_host host = tm_passive_host();
    m = tm_boot(&config, &host, verifier, true);
    call = tm_call(m, DDI_ExAllocatePoolWithTag);
    drv = io_register_driver(m, "unit.sys", false, NULL);
    cr_assert_not_null(drv);
    cr_assert_eq(io_load_begin(&call, drv), STATUS_SUCCESS);
    call.driver = drv;
}

static void shutdown(void)
{
    ke_machine_destroy(m);
    m = NULL;
}

static void at_minutes(uint64_t minutes)
{
    m->des.now_100ns = minutes * MINUTE_100NS;
}

static PVOID_VA alloc(ULONG pool_type, ULONG tag)
{
    call.raised = 0;
    call.ddi = DDI_ExAllocatePoolWithTag;
    return drv->imports.ExAllocatePoolWithTag(&call, pool_type, 32, tag);
}

static uint64_t injected(void)
{
    return m->vf->counters[DRVSIM_GC_AllocationsFailedDeliberately];
}

/* ------------------------------------------------------------------------ */

TestSuite(inject, .fini = shutdown);

Test(inject, nothing_fails_before_the_delay)
{
    boot("/faults 10000 \"\" \"\" 7 /driver unit.sys");
    at_minutes(6);
    m->des.now_100ns += MINUTE_100NS - 1;
    cr_assert_neq(alloc(NonPagedPoolNx, TAG_SMPL), 0);
    cr_assert_eq(injected(), 0);
    cr_assert_not(m->vf->inject.rng_drawn, "no draw before the delay");
    at_minutes(7);
    cr_assert_eq(alloc(NonPagedPoolNx, TAG_SMPL), 0);
    cr_assert_eq(call.raised, 0, "a plain request fails with NULL");
    cr_assert_eq(injected(), 1);
    cr_assert_eq(m->vf->inject.injected_count, 1);
    cr_assert_eq(m->vf->inject.injected[0].key.ordinal, 2, "ordinals count from boot");
}

Test(inject, probability_is_in_ten_thousand)
{
    boot("/faults 2500 /driver unit.sys");
    at_minutes(8);
    uint64_t failed = 0;
    for (int i = 0; i < 2000; i++) {
        PVOID_VA va = alloc(NonPagedPoolNx, TAG_SMPL);
        if (va == 0)
            failed++;
        else
            drv->imports.ExFreePool(&call, va);
    }
    /* 25% of 2000 = 500; the bound is 6 standard deviations (~19). */
    cr_assert(failed > 380 && failed < 620, "%llu failed", (unsigned long long)failed);
    cr_assert_eq(injected(), failed);
}

Test(inject, same_seed_same_choices)
{
    uint64_t first[64];
    for (int run = 0; run < 2; run++) {
        boot("/faults 3000 /driver unit.sys");
        at_minutes(8);
        for (int i = 0; i < 64; i++) {
            PVOID_VA va = alloc(NonPagedPoolNx, TAG_SMPL);
            if (run == 0)
                first[i] = va != 0;
            else
                cr_assert_eq(first[i], va != 0, "call %d", i);
        }
        shutdown();
    }
}

Test(inject, tag_filter_with_wildcards)
{
    boot("/faults 10000 \"Sm?l Fo*\" \"\" 0 /driver unit.sys");
    cr_assert_eq(alloc(NonPagedPoolNx, TAG_SMPL), 0);
    cr_assert_eq(alloc(NonPagedPoolNx, TAG_FOOL), 0);
    cr_assert_neq(alloc(NonPagedPoolNx, TAG_LEAK), 0);
    cr_assert_eq(injected(), 2);
    /* Short patterns name space-padded tags; a call without a tag is not
     * selected by a tag list. */
    cr_assert(vf_tag_matches("Mdl", 0x206C644Du));
    cr_assert(vf_tag_matches("*", TAG_LEAK));
    cr_assert_not(vf_tag_matches("leak", TAG_LEAK), "tags are case-sensitive");
    cr_assert_not(vf_tag_matches("*", 0));
}

Test(inject, application_filter)
{
    boot("/faults 10000 \"\" \"app.exe other.exe\" 0 /driver unit.sys");
    cr_assert_neq(alloc(NonPagedPoolNx, TAG_SMPL), 0, "the System process is not listed");
    ps_process *app = ps_create_process(m, "App.exe");
    cr_assert_not_null(app);
    ps_process *system = call.thread->process;
    call.thread->process = app;
    cr_assert_eq(alloc(NonPagedPoolNx, TAG_SMPL), 0, "image names compare without case");
    call.thread->process = system;
    cr_assert(vf_app_matches("*.EXE", "app.exe"));
}

Test(inject, must_succeed_is_exempt)
{
    boot("/faults 10000 \"\" \"\" 0 /driver unit.sys");
    cr_assert_not(vf_inject_fault(&call, TAG_SMPL, NonPagedPoolMustSucceed, true, true));
    cr_assert(vf_inject_fault(&call, TAG_SMPL, NonPagedPoolNx, true, false));
}

Test(inject, unverified_driver_is_never_failed)
{
    boot("/faults 10000 \"\" \"\" 0 /driver other.sys");
    cr_assert_not(drv->verified);
    cr_assert_neq(alloc(NonPagedPoolNx, TAG_SMPL), 0);
    cr_assert_eq(injected(), 0);
}

Test(inject, option_off_draws_nothing)
{
    boot("/flags 0x8 /driver unit.sys");
    des_rng before = m->vf->inject.rng;
    at_minutes(30);
    for (int i = 0; i < 100; i++)
        cr_assert_neq(alloc(NonPagedPoolNx, TAG_SMPL), 0);
    cr_assert_eq(memcmp(&before, &m->vf->inject.rng, sizeof before), 0);
    cr_assert_not(m->vf->inject.rng_drawn);
    cr_assert_eq(injected(), 0);
}

Test(inject, volatile_change_turns_it_on)
{
    boot("/flags 0x8 /driver unit.sys");
    at_minutes(10);
    cr_assert_neq(alloc(NonPagedPoolNx, TAG_SMPL), 0);
    char err[256];
    cr_assert(vf_apply_volatile(m, "/volatile /faults 10000", err, sizeof err), "%s", err);
    cr_assert_eq(alloc(NonPagedPoolNx, TAG_SMPL), 0);
    cr_assert_eq(m->vf->inject.injected[0].key.ordinal, 2);
}

Test(inject, failure_semantics_of_the_pool_family)
{
    boot("/faults 10000 \"\" \"\" 0 /driver unit.sys");
    cr_assert_eq(alloc(NonPagedPoolNx | POOL_RAISE_IF_ALLOCATION_FAILURE, TAG_SMPL), 0);
    cr_assert_eq(call.raised, STATUS_INSUFFICIENT_RESOURCES);
    call.raised = 0;
    cr_assert_eq(drv->imports.ExAllocatePoolWithQuotaTag(&call, NonPagedPoolNx, 32, TAG_SMPL), 0);
    cr_assert_eq(call.raised, STATUS_INSUFFICIENT_RESOURCES, "quota raises by default");
    call.raised = 0;
    cr_assert_eq(drv->imports.ExAllocatePoolWithQuotaTag(
                     &call, NonPagedPoolNx | POOL_QUOTA_FAIL_INSTEAD_OF_RAISE, 32, TAG_SMPL),
                 0);
    cr_assert_eq(call.raised, 0);
    cr_assert_eq(drv->imports.ExAllocatePool2(&call, POOL_FLAG_NON_PAGED, 32, TAG_SMPL), 0);
    cr_assert_eq(call.raised, 0);
    cr_assert_eq(drv->imports.ExAllocatePool2(
                     &call, POOL_FLAG_NON_PAGED | POOL_FLAG_RAISE_ON_FAILURE, 32, TAG_SMPL),
                 0);
    cr_assert_eq(call.raised, STATUS_INSUFFICIENT_RESOURCES);
    call.raised = 0;
    cr_assert_eq(drv->imports.IoAllocateMdl(&call, 0x1000, 64, false, false, 0), 0);
    cr_assert_eq(injected(), 6);
}

Test(inject, probe_raises_working_set_quota)
{
    boot("/driver unit.sys");
    PVOID_VA buffer = alloc(NonPagedPoolNx, TAG_SMPL);
    PVOID_VA mdl = drv->imports.IoAllocateMdl(&call, buffer, 32, false, false, 0);
    cr_assert_neq(mdl, 0);
    /* The mode counts from when it is on: the probe is its first call. */
    m->vf->inject.mode.fail_nth = 1;
    drv->imports.MmProbeAndLockPages(&call, mdl, 0 /* KernelMode */, 1 /* IoWriteAccess */);
    cr_assert_eq(call.raised, STATUS_WORKING_SET_QUOTA);
    mdl_view v;
    cr_assert(mdl_read(m, mdl, &v));
    cr_assert_eq(v.flags & MDL_PAGES_LOCKED, 0, "the pages are not locked");
}

Test(inject, fail_nth_fails_exactly_one_call)
{
    boot("/flags 0x8 /driver unit.sys"); /* the option off: the mode alone */
    m->vf->inject.mode.fail_nth = 3;
    for (int i = 1; i <= 6; i++) {
        PVOID_VA va = alloc(NonPagedPoolNx, i % 2 ? TAG_SMPL : TAG_LEAK);
        cr_assert_eq(va == 0, i == 3, "call %d", i);
    }
    cr_assert_eq(injected(), 1);
    cr_assert_eq(m->vf->inject.injected[0].nth, 3);
    cr_assert_eq(m->vf->inject.injected[0].key.ordinal, 2, "the second Smpl call");
    cr_assert_not(m->vf->inject.rng_drawn);
}

Test(inject, replay_keys_select_by_ddi_tag_and_ordinal)
{
    boot("/faults 10000 /driver unit.sys"); /* replay replaces the random mode */
    static const vf_fault_key keys[] = {{DDI_ExAllocatePoolWithTag, TAG_LEAK, 2}};
    m->vf->inject.mode.replay = true;
    m->vf->inject.mode.keys = keys;
    m->vf->inject.mode.key_count = 1;
    at_minutes(20);
    cr_assert_neq(alloc(NonPagedPoolNx, TAG_LEAK), 0);
    cr_assert_neq(alloc(NonPagedPoolNx, TAG_SMPL), 0);
    cr_assert_eq(alloc(NonPagedPoolNx, TAG_LEAK), 0);
    cr_assert_neq(alloc(NonPagedPoolNx, TAG_LEAK), 0);
    cr_assert_eq(injected(), 1);
    cr_assert_not(m->vf->inject.rng_drawn);
}

Test(inject, lookaside_miss_fails_through_the_imports)
{
    boot("/faults 10000 \"Look\" \"\" 0 /driver unit.sys");
    PVOID_VA list = io_image_storage(m, drv, 0x80, 64);
    call.ddi = DDI_ExInitializeNPagedLookasideList;
    drv->imports.ExInitializeNPagedLookasideList(&call, list, 0, 0, 0, 48, 0x6B6F6F4Cu /* "Look" */,
                                                 0);
    call.ddi = DDI_ExAllocateFromNPagedLookasideList;
    cr_assert_eq(drv->imports.ExAllocateFromNPagedLookasideList(&call, list), 0,
                 "the miss's pool allocation is failed");
    cr_assert_eq(injected(), 1);
    cr_assert_eq(m->vf->inject.injected[0].key.ddi, DDI_ExAllocateFromNPagedLookasideList,
                 "keyed by the DDI the driver called");
    call.ddi = DDI_ExDeleteNPagedLookasideList;
    drv->imports.ExDeleteNPagedLookasideList(&call, list);
}

Test(inject, rtl_strings_fail_with_no_memory)
{
    boot("/faults 10000 \"\" \"\" 0 /driver unit.sys");
    PVOID_VA ansi = io_image_storage(m, drv, 16, 8);
    PVOID_VA unicode = io_image_storage(m, drv, 16, 8);
    PVOID_VA text = io_image_storage(m, drv, 8, 8);
    cr_assert(mm_poke(m->mm, text, "abc", 4));
    call.ddi = DDI_RtlInitAnsiString;
    drv->imports.RtlInitAnsiString(&call, ansi, text);
    call.ddi = DDI_RtlAnsiStringToUnicodeString;
    cr_assert_eq(drv->imports.RtlAnsiStringToUnicodeString(&call, unicode, ansi, true),
                 STATUS_NO_MEMORY);
    cr_assert_eq(m->vf->inject.injected[0].key.tag, RTL_STRING_POOL_TAG_UNICODE);
    m->vf->settings.flags &= ~VF_FLAG_LOW_RESOURCES; /* a /volatile change, in effect */
    cr_assert_eq(drv->imports.RtlAnsiStringToUnicodeString(&call, unicode, ansi, true),
                 STATUS_SUCCESS);
}
