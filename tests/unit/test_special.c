/*
 * test_special.c - special pool (sim/mm/special.c): placement, the pattern
 * checks at free, guard and freed pages, GFlags size classes and tags,
 * exhaustion and the FIFO of freed pages, and the host memory a live block
 * costs.
 *
 * The harness thread is the caller (no driver), so special pool comes from
 * GFlags, which applies to every caller; faults are then 0xCC / 0xCD.
 */
#include "test_machine.h"

#include "kd/kd.h"
#include "mm/mm.h"
#include "mm/special.h"
#include "vf/vf.h"

static ke_machine *m;

/* A running machine with GFlags set as `gflags` says. */
static void boot(ke_arch arch, uint64_t memory_bytes, const char *gflags)
{
    ke_config c = tm_config(1, 1, arch);
    c.memory_bytes = memory_bytes;
    ke_host host = tm_passive_host();
    vf_settings settings;
    vf_gflags g;
    vf_settings_init(&settings);
    char err[256];
    cr_assert(vf_gflags_parse(&g, gflags, err, sizeof err), "%s", err);
    m = ke_machine_create(&c, &settings, &g, &host);
    vf_settings_free(&settings);
    cr_assert_not_null(m);
    ke_thread *t = ke_create_harness_thread(m);
    cr_assert_not_null(t);
    tm_dispatch(m, t, 0);
}

static void shutdown(void)
{
    ke_machine_destroy(m);
    m = NULL;
}

static PVOID_VA alloc_tag(uint64_t size, ULONG tag)
{
    ke_call c = tm_call(m, DDI_ExAllocatePoolWithTag);
    return ExAllocatePoolWithTag(&c, NonPagedPoolNx, size, tag);
}

static PVOID_VA alloc(uint64_t size)
{
    return alloc_tag(size, 0x74736554u /* "Test" */);
}

static void free_block(PVOID_VA va)
{
    ke_call c = tm_call(m, DDI_ExFreePool);
    ExFreePool(&c, va);
}

static bool touch(PVOID_VA va, bool write)
{
    ke_call c = tm_call(m, DDI_ExAllocatePoolWithTag);
    uint8_t byte = 0x11;
    return mm_access(&c, va, &byte, 1, write);
}

static void expect_c1(uint64_t p4, PVOID_VA p1)
{
    cr_assert(ke_stopped(m));
    cr_assert_eq(m->bugcheck.code, 0xC1, "code 0x%X", m->bugcheck.code);
    cr_assert_eq(m->bugcheck.params[3], p4, "P4 0x%llx", (unsigned long long)m->bugcheck.params[3]);
    cr_assert_eq(m->bugcheck.params[0], p1);
}

/* ------------------------------------------------------------------------ */
/* Placement                                                                */
/* ------------------------------------------------------------------------ */

Test(special, verify_end_rounds_the_start_down_x64, .fini = shutdown)
{
    boot(KE_ARCH_X64, 64ull << 20, "+spp *");
    PVOID_VA a = alloc(0x3C), b = alloc(64), c = alloc(1), d = alloc(0xFE0);
    cr_assert(mm_special_contains(m, a));
    cr_assert_eq(a % PAGE_SIZE, 0xFC0, "a 0x3C-byte block at ...FC0, as debuggers show");
    cr_assert_eq(b % PAGE_SIZE, 0xFC0, "64 bytes end exactly at the page's end");
    cr_assert_eq(c % PAGE_SIZE, 0xFF0);
    cr_assert_eq(d % PAGE_SIZE, 0x020);
    cr_assert_neq(a / PAGE_SIZE, b / PAGE_SIZE, "a page of its own each");
    cr_assert_eq(mm_lookup(m->mm, a - PAGE_SIZE), NULL, "a guard page before");
    cr_assert_eq(mm_lookup(m->mm, a + PAGE_SIZE), NULL, "and after");
}

Test(special, verify_end_rounds_the_start_down_x86, .fini = shutdown)
{
    boot(KE_ARCH_X86, 64ull << 20, "+spp *");
    cr_assert_eq(alloc(0x3C) % PAGE_SIZE, 0xFC0);
    cr_assert_eq(alloc(13) % PAGE_SIZE, 0xFF0, "8-byte granularity");
    cr_assert_eq(alloc(8) % PAGE_SIZE, 0xFF8);
}

Test(special, verify_start_and_the_priority_bits, .fini = shutdown)
{
    boot(KE_ARCH_X64, 64ull << 20, "+spp * underruns");
    cr_assert_eq(alloc(0x3C) % PAGE_SIZE, 0, "Verify Start: the block starts its page");
    ke_call c = tm_call(m, DDI_ExAllocatePoolWithTagPriority);
    PVOID_VA end = ExAllocatePoolWithTagPriority(&c, NonPagedPoolNx, 0x3C, 0x74736554u, 24);
    PVOID_VA start = ExAllocatePoolWithTagPriority(&c, NonPagedPoolNx, 0x3C, 0x74736554u, 41);
    cr_assert_eq(end % PAGE_SIZE, 0xFC0, "...SpecialPoolOverrun: at the end");
    cr_assert_eq(start % PAGE_SIZE, 0, "...SpecialPoolUnderrun: at the start");
}

Test(special, a_page_or_more_is_never_special, .fini = shutdown)
{
    boot(KE_ARCH_X64, 64ull << 20, "+spp *");
    cr_assert(mm_special_contains(m, alloc(0xFE0)));
    cr_assert_not(mm_special_contains(m, alloc(0xFE1)));
    cr_assert_not(mm_special_contains(m, alloc(PAGE_SIZE)));
}

/* ------------------------------------------------------------------------ */
/* Faults                                                                   */
/* ------------------------------------------------------------------------ */

Test(special, past_the_end_faults_at_once, .fini = shutdown)
{
    boot(KE_ARCH_X64, 64ull << 20, "+spp *");
    PVOID_VA a = alloc(64);
    cr_assert(touch(a + 63, true));
    cr_assert_not(touch(a + 64, false));
    cr_assert_eq(m->bugcheck.code, 0xCD, "no driver made the access");
    cr_assert_eq(m->bugcheck.params[0], a + 64);
    cr_assert_eq(m->bugcheck.params[1], 0, "a read");
}

Test(special, freed_pages_fault, .fini = shutdown)
{
    boot(KE_ARCH_X64, 64ull << 20, "+spp *");
    PVOID_VA a = alloc(100);
    free_block(a);
    cr_assert_not(ke_stopped(m));
    cr_assert_not(touch(a + 4, true));
    cr_assert_eq(m->bugcheck.code, 0xCC);
    cr_assert_eq(m->bugcheck.params[0], a + 4);
    cr_assert_eq(m->bugcheck.params[1], 1, "a write");
}

/* ------------------------------------------------------------------------ */
/* Pattern checks at free                                                   */
/* ------------------------------------------------------------------------ */

Test(special, a_clean_block_frees_clean, .fini = shutdown)
{
    boot(KE_ARCH_X64, 64ull << 20, "+spp *");
    PVOID_VA a = alloc(13);
    for (int i = 0; i < 13; i++)
        cr_assert(touch(a + i, true));
    free_block(a);
    cr_assert_not(ke_stopped(m));
}

Test(special, an_underrun_is_found_at_free, .fini = shutdown)
{
    boot(KE_ARCH_X64, 64ull << 20, "+spp *");
    PVOID_VA a = alloc(64);
    cr_assert(touch(a - 3, true), "the pattern before the block is writable");
    cr_assert(touch(a - 2, true));
    free_block(a);
    expect_c1(0x23, a);
    cr_assert_eq(m->bugcheck.params[1], a - 3, "the first damaged byte");
}

Test(special, a_slack_overrun_is_found_at_free, .fini = shutdown)
{
    boot(KE_ARCH_X64, 64ull << 20, "+spp *");
    PVOID_VA a = alloc(13);
    cr_assert(touch(a + 13, true), "the slack does not fault");
    free_block(a);
    expect_c1(0x24, a);
    cr_assert_eq(m->bugcheck.params[1], a + 13);
}

Test(special, verify_start_overrun_is_found_at_free, .fini = shutdown)
{
    boot(KE_ARCH_X64, 64ull << 20, "+spp * underruns");
    PVOID_VA a = alloc(64);
    cr_assert(touch(a + 100, true), "past the block is the page's pattern");
    free_block(a);
    expect_c1(0x24, a);
    cr_assert_eq(m->bugcheck.params[1], a + 100);
}

Test(special, verify_start_underrun_faults, .fini = shutdown)
{
    boot(KE_ARCH_X64, 64ull << 20, "+spp * underruns");
    PVOID_VA a = alloc(64);
    cr_assert_not(touch(a - 1, true));
    cr_assert_eq(m->bugcheck.code, 0xCD);
}

Test(special, one_flipped_bit_is_its_own_case, .fini = shutdown)
{
    boot(KE_ARCH_X64, 64ull << 20, "+spp *");
    PVOID_VA a = alloc(32);
    ke_call c = tm_call(m, DDI_ExAllocatePoolWithTag);
    uint8_t byte;
    cr_assert(mm_access(&c, a - 8, &byte, 1, false));
    byte ^= 0x10;
    cr_assert(mm_access(&c, a - 8, &byte, 1, true));
    free_block(a);
    expect_c1(0x32, a);
    cr_assert_eq(m->bugcheck.params[1], a - 8);
}

/* ------------------------------------------------------------------------ */
/* Bad frees                                                                */
/* ------------------------------------------------------------------------ */

Test(special, free_inside_the_block, .fini = shutdown)
{
    boot(KE_ARCH_X64, 64ull << 20, "+spp *");
    PVOID_VA a = alloc(80);
    free_block(a + 16);
    expect_c1(0x21, a + 16);
    cr_assert_eq(m->bugcheck.params[1], 80, "the bytes asked for");
}

Test(special, free_before_the_block, .fini = shutdown)
{
    boot(KE_ARCH_X64, 64ull << 20, "+spp *");
    PVOID_VA a = alloc(80);
    free_block(a - 16);
    expect_c1(0x22, a - 16);
}

Test(special, double_free, .fini = shutdown)
{
    boot(KE_ARCH_X64, 64ull << 20, "+spp *");
    PVOID_VA a = alloc(80);
    free_block(a);
    free_block(a);
    expect_c1(0x20, a);
}

/* ------------------------------------------------------------------------ */
/* GFlags selection                                                         */
/* ------------------------------------------------------------------------ */

static bool matches(const char *spp, uint32_t tag, uint64_t size, uint32_t gran)
{
    vf_gflags g;
    char err[128];
    cr_assert(vf_gflags_parse(&g, spp, err, sizeof err), "%s", err);
    return vf_gflags_spp_matches(&g, tag, size, gran);
}

Test(special, size_classes_x64)
{
    cr_assert(matches("+spp 0x20", 0x74736554u, 1, 16));
    cr_assert(matches("+spp 0x20", 0x74736554u, 16, 16));
    cr_assert_not(matches("+spp 0x20", 0x74736554u, 17, 16));
    cr_assert_not(matches("+spp 0x30", 0x74736554u, 16, 16));
    cr_assert(matches("+spp 0x30", 0x74736554u, 17, 16));
    cr_assert(matches("+spp 0x30", 0x74736554u, 32, 16));
    cr_assert_not(matches("+spp 0x30", 0x74736554u, 33, 16));
    cr_assert(matches("+spp 0x30", 0x30, 500, 16), "and the tag of equal value");
    cr_assert(matches("+spp 0xFF0", 0x74736554u, 0xFD1, 16));
    cr_assert(matches("+spp 0xFF0", 0x74736554u, 0xFE0, 16));
    cr_assert_not(matches("+spp 0xFF0", 0x74736554u, 0xFD0, 16));
}

Test(special, size_classes_x86)
{
    cr_assert(matches("+spp 0x10", 0x74736554u, 1, 8));
    cr_assert(matches("+spp 0x10", 0x74736554u, 8, 8));
    cr_assert_not(matches("+spp 0x10", 0x74736554u, 9, 8));
    cr_assert(matches("+spp 0x18", 0x74736554u, 9, 8));
    cr_assert(matches("+spp 0x18", 0x74736554u, 16, 8));
    cr_assert(matches("+spp 0xFF8", 0x74736554u, 0xFE9, 8));
    cr_assert(matches("+spp 0xFF8", 0x74736554u, 0xFF0, 8));
    cr_assert_not(matches("+spp 0xFF8", 0x74736554u, 0xFE8, 8));
    cr_assert(matches("+spp 42", 0x74736554u, 3000, 8), "0x2A is *");
}

Test(special, tag_patterns)
{
    cr_assert(matches("+spp Test", 0x74736554u, 10, 16));
    cr_assert_not(matches("+spp test", 0x74736554u, 10, 16), "case-sensitive");
    cr_assert(matches("+spp Te?t", 0x74736554u, 10, 16));
    cr_assert(matches("+spp T*", 0x74736554u, 10, 16));
    cr_assert(matches("+spp *st", 0x74736554u, 10, 16));
    cr_assert_not(matches("+spp Fred", 0x74736554u, 10, 16));
    cr_assert(matches("+spp Ab", 0x6241u, 10, 16), "a short tag");
    cr_assert_not(matches("-spp", 0x74736554u, 10, 16));
}

Test(special, only_the_selected_tag_is_special, .fini = shutdown)
{
    boot(KE_ARCH_X64, 64ull << 20, "+spp Fred");
    cr_assert(mm_special_contains(m, alloc_tag(40, 0x64657246u /* "Fred" */)));
    cr_assert_not(mm_special_contains(m, alloc_tag(40, 0x74736554u)));
}

/* ------------------------------------------------------------------------ */
/* Capacity, reuse and host memory                                          */
/* ------------------------------------------------------------------------ */

Test(special, exhaustion_falls_back_to_normal_pool, .fini = shutdown)
{
    boot(KE_ARCH_X64, 1ull << 20, "+spp *"); /* a quarter: 64 pages */
    cr_assert_eq(m->pool->special->slot_count, 64);
    PVOID_VA first = 0;
    for (int i = 0; i < 70; i++) {
        PVOID_VA va = alloc(100);
        cr_assert_neq(va, 0, "every request succeeds");
        cr_assert_eq(mm_special_contains(m, va), i < 64, "allocation %d", i);
        if (i == 0)
            first = va;
    }
    free_block(first);
    PVOID_VA again = alloc(100);
    cr_assert_eq(again / PAGE_SIZE, first / PAGE_SIZE,
                 "the freed page serves once the pool is full");
    cr_assert_not(ke_stopped(m));
}

Test(special, freed_pages_wait_in_a_fifo, .fini = shutdown)
{
    boot(KE_ARCH_X64, 64ull << 20, "+spp *");
    PVOID_VA a = alloc(50), b = alloc(50);
    free_block(a);
    free_block(b);
    PVOID_VA c = alloc(50);
    cr_assert_neq(c / PAGE_SIZE, a / PAGE_SIZE, "never-used pages go first");
    cr_assert_neq(c / PAGE_SIZE, b / PAGE_SIZE);
    cr_assert_eq(m->pool->special->fifo_count, 2);
}

Test(special, a_live_block_costs_its_bytes_not_its_page, .fini = shutdown)
{
    boot(KE_ARCH_X64, 64ull << 20, "+spp *");
    uint64_t touched = m->mm->touched_pages;
    for (int i = 0; i < 100; i++) {
        PVOID_VA a = alloc(40);
        for (int j = 0; j < 40; j++)
            cr_assert(touch(a + j, true));
    }
    cr_assert_eq(m->mm->touched_pages, touched, "written windows are not whole pages");
    cr_assert_eq(sizeof(mm_page), 24, "a page-table entry stays small");
}

Test(special, zeroed_requests_are_zero_and_the_slack_is_pattern, .fini = shutdown)
{
    boot(KE_ARCH_X64, 64ull << 20, "+spp *");
    ke_call c = tm_call(m, DDI_ExAllocatePool2);
    PVOID_VA a = ExAllocatePool2(&c, POOL_FLAG_NON_PAGED, 13, 0x74736554u);
    cr_assert(mm_special_contains(m, a));
    uint8_t bytes[16];
    cr_assert(mm_peek(m->mm, a, bytes, 16));
    for (int i = 0; i < 13; i++)
        cr_assert_eq(bytes[i], 0);
    cr_assert_neq(bytes[13], 0, "the slack holds the pattern, never zero");
    free_block(a);
    cr_assert_not(ke_stopped(m));
}
