/*
 * test_pool.c - the pools' layout rules and the page table, driven through
 * the kernel's own DDIs from C (no Lua): alignment, no page crossing, page
 * alignment of big blocks, headers as Windows writes them, reuse, header
 * damage found at free, exhaustion, sparse pages and trimming.
 */
#include "test_machine.h"
#include <stdio.h>
#include <string.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "mm/mdl.h"
#include "mm/mm.h"

/* A machine with no host: the tests are the harness. */
static ke_machine *m;
static ke_call call;

static void boot(ke_arch arch, uint64_t memory_bytes)
{
    ke_config config = tm_config(7, 1, arch);
    config.memory_bytes = memory_bytes;
    ke_host host = tm_passive_host();
    m = tm_create(&config, &host, NULL);
    ke_thread *t = ke_create_harness_thread(m);
    cr_assert_not_null(t);
    t->state = KE_THREAD_RUNNING; /* as if dispatched */
    memset(&call, 0, sizeof call);
    call.m = m;
    call.exec = &t->exec;
    call.thread = t;
}

static void boot_x64(void)
{
    boot(KE_ARCH_X64, 64ull << 20);
}

static void boot_x86(void)
{
    boot(KE_ARCH_X86, 64ull << 20);
}

static void shutdown(void)
{
    ke_machine_destroy(m);
    m = NULL;
}

static PVOID_VA alloc(ULONG type, uint64_t size)
{
    return ExAllocatePoolWithTag(&call, type, size, 0x74736554u /* "Test" */);
}

static void check_layout(uint32_t gran)
{
    des_rng rng;
    des_rng_seed(&rng, 99);
    for (int i = 0; i < 5000; i++) {
        /* Up to the largest small block (POOL_BUDDY_MAX). */
        uint64_t size = 1 + des_rng_below(&rng, PAGE_SIZE - 2 * gran);
        ULONG type = des_rng_below(&rng, 2) ? PagedPool : NonPagedPoolNx;
        PVOID_VA va = alloc(type, size);
        cr_assert_neq(va, 0);
        cr_assert_eq(va % gran, 0, "a block is aligned to the granularity");
        PVOID_VA header = va - gran;
        cr_assert_eq(header / PAGE_SIZE, (va + size - 1) / PAGE_SIZE,
                     "a block and its header never cross a page (size %llu at 0x%llx)",
                     (unsigned long long)size, (unsigned long long)va);
        cr_assert_eq(ex_pool_type_paged(type),
                     va >= mm_region_base(m->config.arch, MM_REGION_PAGED_POOL),
                     "paged and nonpaged pool are separate regions");
    }
}

Test(pool, x64_blocks_are_16_byte_aligned_within_a_page, .init = boot_x64, .fini = shutdown)
{
    check_layout(16);
}

Test(pool, x86_blocks_are_8_byte_aligned_within_a_page, .init = boot_x86, .fini = shutdown)
{
    check_layout(8);
}

Test(pool, a_page_or_more_is_page_aligned, .init = boot_x64, .fini = shutdown)
{
    /* POOL_BUDDY_MAX on x64 is 0xFE0 bytes: one byte more is a big block
     * (256 granules would not fit x64's 8-bit BlockSize). */
    PVOID_VA small = alloc(NonPagedPoolNx, PAGE_SIZE - 32);
    PVOID_VA big = alloc(NonPagedPoolNx, PAGE_SIZE - 31);
    PVOID_VA huge = alloc(PagedPool, 3 * PAGE_SIZE + 1);
    cr_assert_neq(small % PAGE_SIZE, 0, "the largest small block still has a header");
    cr_assert_eq(big % PAGE_SIZE, 0);
    cr_assert_eq(huge % PAGE_SIZE, 0);
    cr_assert_eq(ex_pool_find(m->pool, big)->granules, 0, "big blocks have no header");
}

Test(pool, headers_are_written_as_windows_does, .init = boot_x64, .fini = shutdown)
{
    /* Paged pool: the kernel's own objects are in nonpaged pool. */
    PVOID_VA a = alloc(PagedPool, 40); /* 3 granules of data + header = 4 */
    PVOID_VA b = alloc(PagedPool, 1);  /* 2 granules */
    ex_header h;
    cr_assert(ex_header_read(m, a - 16, &h));
    cr_assert_eq(h.previous_size, 0, "the first block of a page");
    cr_assert_eq(h.block_size, 4);
    cr_assert_eq(h.pool_type, 2, "paged (1) + 1; 0 means free");
    cr_assert_eq(h.tag, 0x74736554u);
    cr_assert_eq(b, a + 4 * 16 - 16 + 16, "blocks are packed: b's header follows a");
    cr_assert(ex_header_read(m, b - 16, &h));
    cr_assert_eq(h.previous_size, 4);
    cr_assert_eq(h.block_size, 2);
}

Test(pool, x86_header_packs_sizes_in_bitfields, .init = boot_x86, .fini = shutdown)
{
    PVOID_VA a = alloc(PagedPool, 100); /* 13 granules of 8 + header = 14 */
    uint32_t word;
    cr_assert(mm_peek(m->mm, a - 8, &word, 4));
    cr_assert_eq(word & 0x1FF, 0, "PreviousSize:9");
    cr_assert_eq((word >> 16) & 0x1FF, 14, "BlockSize:9");
    cr_assert_eq((word >> 25) & 0x7F, 2, "PoolType:7 = paged (1) + 1");
}

Test(pool, freed_blocks_are_reused_last_in_first_out, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA a = alloc(NonPagedPoolNx, 100);
    PVOID_VA b = alloc(NonPagedPoolNx, 100);
    ExFreePool(&call, a);
    ExFreePool(&call, b);
    cr_assert_eq(alloc(NonPagedPoolNx, 100), b);
    cr_assert_eq(alloc(NonPagedPoolNx, 100), a);
    cr_assert_not(ke_stopped(m));
}

Test(pool, new_memory_is_not_zero_but_repeatable, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA a = alloc(NonPagedPoolNx, 64);
    uint8_t bytes[64];
    cr_assert(mm_peek(m->mm, a, bytes, sizeof bytes));
    for (size_t i = 0; i < sizeof bytes; i++)
        cr_assert_neq(bytes[i], 0, "pool memory is not initialised");
    /* A second machine with the same seed fills the same way. */
    uint8_t first = bytes[0];
    shutdown();
    boot_x64();
    a = alloc(NonPagedPoolNx, 64);
    cr_assert(mm_peek(m->mm, a, bytes, 1));
    cr_assert_eq(bytes[0], first);
}

Test(pool, an_overrun_into_the_next_header_is_found_at_free, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA a = alloc(NonPagedPoolNx, 32); /* data fills its granules exactly */
    PVOID_VA b = alloc(NonPagedPoolNx, 32);
    uint8_t junk[4] = {0xAA, 0xBB, 0xCC, 0xDD};
    cr_assert(mm_poke(m->mm, a + 32, junk, sizeof junk)); /* b's header */
    cr_assert_eq(ex_pool_overrun(m, ex_pool_find(m->pool, a), true), a + 32);
    ExFreePool(&call, a);
    cr_assert(ke_stopped(m));
    cr_assert_eq(m->bugcheck.code, 0x19);
    cr_assert_eq(m->bugcheck.params[0], 0x5, "adjacent entries contradict");
    cr_assert_eq(m->bugcheck.params[1], a - 16);
    cr_assert_eq(m->bugcheck.params[3], b - 16);
}

Test(pool, a_damaged_own_header_is_found_at_free, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA a = alloc(NonPagedPoolNx, 32);
    uint8_t zero = 0;
    cr_assert(mm_poke(m->mm, a - 16 + 2, &zero, 1)); /* BlockSize = 0 */
    ExFreePool(&call, a);
    cr_assert_eq(m->bugcheck.code, 0x19);
    cr_assert_eq(m->bugcheck.params[0], 0x8, "block size is zero");
}

Test(pool, double_free_and_wrong_tag, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA a = alloc(NonPagedPoolNx, 32);
    ExFreePoolWithTag(&call, a, 0x656B6157u /* "Wake" */);
    cr_assert_eq(m->bugcheck.code, 0xC2);
    cr_assert_eq(m->bugcheck.params[0], 0x0A);
    cr_assert_eq(m->bugcheck.params[2], 0x74736554u, "the allocation's tag");
    cr_assert_eq(m->bugcheck.params[3], 0x656B6157u, "the tag passed");
}

Test(pool, double_free, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA a = alloc(NonPagedPoolNx, 32);
    ExFreePool(&call, a);
    cr_assert_not(ke_stopped(m));
    ExFreePool(&call, a);
    cr_assert_eq(m->bugcheck.code, 0xC2);
    cr_assert_eq(m->bugcheck.params[0], 0x07);
    cr_assert_eq(m->bugcheck.params[3], a);
}

Test(pool, a_pool_runs_out_quietly, .init = boot_x64, .fini = shutdown)
{
    shutdown();
    boot(KE_ARCH_X64, 16 * PAGE_SIZE);
    int got = 0;
    while (alloc(NonPagedPoolNx, PAGE_SIZE) != 0)
        got++;
    cr_assert_leq(got, 16);
    cr_assert_geq(got, 10, "the kernel's own objects take a few pages at most");
    cr_assert_not(ke_stopped(m), "running out is a NULL, not a bug check");
}

Test(pool, big_blocks_are_unmapped_at_free, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA a = alloc(NonPagedPoolNx, 2 * PAGE_SIZE);
    ExFreePool(&call, a);
    uint8_t byte;
    cr_assert_not(mm_access(&call, a + 100, &byte, 1, false));
    cr_assert_eq(m->bugcheck.code, 0x50, "PAGE_FAULT_IN_NONPAGED_AREA");
    cr_assert_eq(m->bugcheck.params[0], a + 100);
    cr_assert_eq(m->bugcheck.params[1], 0, "a read");
    cr_assert_eq(m->bugcheck.params[3], 0, "NONPAGED_BUGCHECK_FREED_PTE: mapped once");
}

Test(pool, write_beyond_the_pool_is_a_never_mapped_write, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA a = alloc(NonPagedPoolNx, 2 * PAGE_SIZE);
    uint8_t byte = 1;
    cr_assert_not(mm_access(&call, a + 1024 * PAGE_SIZE, &byte, 1, true));
    cr_assert_eq(m->bugcheck.code, 0x50);
    cr_assert_eq(m->bugcheck.params[1], 2, "a write: 2 on x64 and x86 since Windows 10 1507");
    cr_assert_eq(m->bugcheck.params[3], 2, "NONPAGED_BUGCHECK_NOT_PRESENT_PAGE_TABLE");
}

Test(mm, pages_cost_memory_only_once_written, .init = boot_x64, .fini = shutdown)
{
    uint64_t before = m->mm->touched_pages;
    PVOID_VA a = alloc(NonPagedPoolNx, 64 * PAGE_SIZE);
    cr_assert_eq(m->mm->touched_pages, before, "a big block's pages hold one fill byte");
    uint8_t byte = 1;
    cr_assert(mm_access(&call, a + 5 * PAGE_SIZE, &byte, 1, true));
    cr_assert_eq(m->mm->touched_pages, before + 1);
    mm_fill(m->mm, a, 64 * PAGE_SIZE, 0);
    cr_assert_eq(m->mm->touched_pages, before, "whole pages go back to one byte");
}

Test(mm, null_is_never_mapped, .init = boot_x64, .fini = shutdown)
{
    uint8_t byte;
    cr_assert_not(mm_access(&call, 0, &byte, 1, false));
    cr_assert_eq(m->bugcheck.code, 0x50);
    cr_assert_eq(m->bugcheck.params[3], 2, "NONPAGED_BUGCHECK_NOT_PRESENT_PAGE_TABLE");
}

Test(mm, trimmed_pages_fault_only_at_raised_irql, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA paged = alloc(PagedPool, 64);
    PVOID_VA nonpaged = alloc(NonPagedPoolNx, 64);
    uint8_t byte;
    mm_trim(m->mm);
    cr_assert(mm_access(&call, paged, &byte, 1, false), "paged back in at PASSIVE_LEVEL");
    mm_trim(m->mm);
    ke_call_cpu(&call)->irql = DISPATCH_LEVEL;
    cr_assert(mm_access(&call, nonpaged, &byte, 1, false), "nonpaged pool is never trimmed");
    cr_assert_not(mm_access(&call, paged, &byte, 1, false));
    cr_assert_eq(m->bugcheck.code, 0x0A, "IRQL_NOT_LESS_OR_EQUAL outside a driver");
    cr_assert_eq(m->bugcheck.params[0], paged);
    cr_assert_eq(m->bugcheck.params[1], DISPATCH_LEVEL);
}

Test(pool2, zeroed_unless_uninitialized_and_refusals_are_nulls, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA z = ExAllocatePool2(&call, POOL_FLAG_NON_PAGED, 64, 0x74736554u);
    PVOID_VA u = ExAllocatePool2(&call, POOL_FLAG_PAGED | POOL_FLAG_UNINITIALIZED, 64, 0x74736554u);
    uint8_t bytes[64];
    cr_assert(mm_peek(m->mm, z, bytes, sizeof bytes));
    for (size_t i = 0; i < sizeof bytes; i++)
        cr_assert_eq(bytes[i], 0);
    cr_assert(mm_peek(m->mm, u, bytes, 1));
    cr_assert_neq(bytes[0], 0);
    cr_assert_eq(ex_pool_find(m->pool, z)->pool_type & BASE_POOL_TYPE_MASK, 0, "NX nonpaged");
    cr_assert_eq(ExAllocatePool2(&call, POOL_FLAG_NON_PAGED | POOL_FLAG_PAGED, 8, 0x74736554u), 0);
    cr_assert_eq(ExAllocatePool2(&call, 0, 8, 0x74736554u), 0, "no pool type");
    cr_assert_eq(ExAllocatePool2(&call, POOL_FLAG_NON_PAGED | 0x1000, 8, 0x74736554u), 0,
                 "an unknown required flag");
    cr_assert_neq(ExAllocatePool2(&call, POOL_FLAG_NON_PAGED | (1ull << 40), 8, 0x74736554u), 0,
                  "an unknown optional flag is ignored");
    cr_assert_eq(ExAllocatePool2(&call, POOL_FLAG_NON_PAGED, 8, 0), 0, "tag 0");
    cr_assert_eq(call.raised, 0);
    cr_assert_not(ke_stopped(m), "refusals are NULLs, not bug checks");
    ExAllocatePool2(&call, POOL_FLAG_RAISE_ON_FAILURE, 8, 0x74736554u);
    cr_assert_eq(call.raised, STATUS_INVALID_PARAMETER);
}

Test(pool2, quota_is_charged_and_released, .init = boot_x64, .fini = shutdown)
{
    ps_process *system = call.thread->process;
    PVOID_VA q = ExAllocatePoolWithQuotaTag(&call, PagedPool, 100, 0x74736554u);
    cr_assert_eq(system->quota_paged_bytes, 100);
    uint64_t billed;
    cr_assert(mm_peek(m->mm, q - 16 + 8, &billed, 8));
    cr_assert_eq(billed, system->eprocess, "ProcessBilled in the x64 header");
    ExFreePool(&call, q);
    cr_assert_eq(system->quota_paged_bytes, 0);
}

Test(pool2, priorities_keep_reserves, .init = boot_x64, .fini = shutdown)
{
    shutdown();
    boot(KE_ARCH_X64, 100 * PAGE_SIZE);
    while (m->pool->used_pages < 85)
        cr_assert_neq(ExAllocatePoolWithTagPriority(&call, NonPagedPoolNx, PAGE_SIZE, 0x74736554u,
                                                    HighPoolPriority),
                      0);
    cr_assert_eq(
        ExAllocatePoolWithTagPriority(&call, NonPagedPoolNx, 64, 0x74736554u, LowPoolPriority), 0,
        "low priority fails from 80%% used");
    cr_assert_neq(
        ExAllocatePoolWithTagPriority(&call, NonPagedPoolNx, 64, 0x74736554u, NormalPoolPriority),
        0);
    while (m->pool->used_pages < 96)
        cr_assert_neq(ExAllocatePoolWithTagPriority(&call, NonPagedPoolNx, PAGE_SIZE, 0x74736554u,
                                                    HighPoolPriority),
                      0);
    cr_assert_eq(ExAllocatePoolWithTagPriority(&call, NonPagedPoolNx, PAGE_SIZE, 0x74736554u,
                                               NormalPoolPriority),
                 0, "normal priority fails from 95%% used");
    cr_assert_neq(ExAllocatePoolWithTagPriority(&call, NonPagedPoolNx, PAGE_SIZE, 0x74736554u,
                                                HighPoolPriority + 8),
                  0, "high priority fails only when out (+8 is a special pool placement)");
    cr_assert_not(ke_stopped(m));
}

Test(mdl, layout_and_locking_as_wdm_h_describes, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA buf = alloc(PagedPool, 2 * PAGE_SIZE + 100); /* big: page aligned */
    PVOID_VA mdl = IoAllocateMdl(&call, buf + 0x10, PAGE_SIZE + 0x20, false, false, 0);
    cr_assert_neq(mdl, 0);
    uint16_t size, flags;
    uint64_t start;
    uint32_t count, offset;
    cr_assert(mm_peek(m->mm, mdl + 0x08, &size, 2));
    cr_assert(mm_peek(m->mm, mdl + 0x0A, &flags, 2));
    cr_assert(mm_peek(m->mm, mdl + 0x20, &start, 8));
    cr_assert(mm_peek(m->mm, mdl + 0x28, &count, 4));
    cr_assert(mm_peek(m->mm, mdl + 0x2C, &offset, 4));
    cr_assert_eq(size, 0x30 + 2 * 8, "header and two page numbers");
    cr_assert_eq(flags, MDL_ALLOCATED_FIXED_SIZE);
    cr_assert_eq(start, buf);
    cr_assert_eq(count, PAGE_SIZE + 0x20);
    cr_assert_eq(offset, 0x10);

    MmProbeAndLockPages(&call, mdl, 0, IoWriteAccess);
    cr_assert_eq(call.raised, 0);
    cr_assert(mm_peek(m->mm, mdl + 0x0A, &flags, 2));
    cr_assert_eq(flags & (MDL_PAGES_LOCKED | MDL_WRITE_OPERATION),
                 MDL_PAGES_LOCKED | MDL_WRITE_OPERATION);
    uint64_t pfn;
    cr_assert(mm_peek(m->mm, mdl + 0x30 + 8, &pfn, 8));
    cr_assert_eq(pfn, mm_lookup(m->mm, buf + PAGE_SIZE)->pfn, "the second page's number");
    cr_assert_eq(mm_lookup(m->mm, buf)->locks, 1);

    /* Locked pageable pages stay resident at DISPATCH_LEVEL after a trim. */
    mm_trim(m->mm);
    ke_call_cpu(&call)->irql = DISPATCH_LEVEL;
    uint8_t byte;
    cr_assert(mm_access(&call, buf + PAGE_SIZE, &byte, 1, false));
    ke_call_cpu(&call)->irql = PASSIVE_LEVEL;

    MmUnlockPages(&call, mdl);
    cr_assert_eq(mm_lookup(m->mm, buf)->locks, 0);
    IoFreeMdl(&call, mdl);
    cr_assert_not(ke_stopped(m));
}

Test(mdl, probing_an_unmapped_page_raises, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA buf = alloc(NonPagedPoolNx, 3 * PAGE_SIZE);
    ExFreePool(&call, buf); /* its pages go */
    PVOID_VA mdl = IoAllocateMdl(&call, buf, 100, false, false, 0);
    MmProbeAndLockPages(&call, mdl, 0, IoReadAccess);
    cr_assert_eq(call.raised, STATUS_ACCESS_VIOLATION);
    cr_assert_not(ke_stopped(m), "an exception, not a bug check");
}

Test(mdl, unlocking_what_is_not_locked_is_0x76, .init = boot_x86, .fini = shutdown)
{
    PVOID_VA buf = alloc(NonPagedPool, 64);
    PVOID_VA mdl = IoAllocateMdl(&call, buf, 64, false, false, 0);
    uint16_t size;
    cr_assert(mm_peek(m->mm, mdl + 0x04, &size, 2));
    cr_assert_eq(size, 0x1C + 4, "x86: a 28-byte header, 4-byte page numbers");
    MmUnlockPages(&call, mdl);
    cr_assert_eq(m->bugcheck.code, 0x76);
    cr_assert_eq(m->bugcheck.params[0], 1);
    cr_assert_eq(m->bugcheck.params[1], mdl);
}
