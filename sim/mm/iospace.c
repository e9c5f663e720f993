/*
 * iospace.c - memory the memory manager maps from system PTEs rather than
 * the pools: device memory (MmMapIoSpace, MmMapIoSpaceEx, MmUnmapIoSpace),
 * physically contiguous memory (MmAllocateContiguousMemory(SpecifyCache),
 * MmFreeContiguousMemory), non-cached memory (MmAllocateNonCachedMemory,
 * MmFreeNonCachedMemory), physical pages for an MDL (MmAllocatePagesForMdl(Ex),
 * MmFreePagesFromMdl) and MmGetPhysicalAddress.
 *
 * Each mapping takes fresh, page-aligned addresses of its own region that
 * are never reused, so a use after MmUnmapIoSpace or MmFreeContiguousMemory
 * faults (0x50 at PASSIVE_LEVEL, 0xD1 above it, as a freed system PTE
 * does). Pages mapped in one call get consecutive page numbers: contiguous
 * memory is contiguous, and MmGetPhysicalAddress gives the page number times
 * PAGE_SIZE plus the offset. A mapping of I/O space takes the page numbers
 * of the physical range asked for; there is no device behind it yet (no
 * bus): the registers read as zeroes and keep what is written, and a
 * physical range that is RAM drvsim gave out is not aliased.
 *
 * Caching types are accepted and have no effect: simulated memory has no
 * caches. Each routine's IRQL is the verifier's check (thunks_mm.c).
 */
#include <stdlib.h>
#include <string.h>

#include "ddi_table.h"
#include "kd/kd.h"
#include "mm/mdl.h"
#include "mm/mm.h"

/* MEMORY_CACHING_TYPE's last value + 1 (wdm.h: MmMaximumCacheType). */
#define MM_MAXIMUM_CACHE_TYPE 6u

struct mm_sysva_list {
    mm_sysva *items; /* live mappings, in mapping order */
    uint32_t count, capacity;
    PVOID_VA next; /* the next free address of the region */
    uint32_t *stack_used; /* kernel stack bytes handed out, per thread id */
    uint32_t stack_threads;
};

/* KERNEL_STACK_SIZE (ntddk.h): 24 KB on x64, 12 KB on x86. */
static uint32_t kernel_stack_size(ke_arch arch)
{
    return arch == KE_ARCH_X86 ? 0x3000u : 0x6000u;
}

static struct mm_sysva_list *list_of(mm_space *mm)
{
    if (mm->sysva == NULL) {
        mm->sysva = calloc(1, sizeof *mm->sysva);
        if (mm->sysva != NULL)
            mm->sysva->next = mm_region_base(mm->arch, MM_REGION_SYSTEM_PTES);
    }
    return mm->sysva;
}

void mm_sysva_destroy(mm_space *mm)
{
    if (mm->sysva != NULL) {
        free(mm->sysva->items);
        free(mm->sysva->stack_used);
    }
    free(mm->sysva);
    mm->sysva = NULL;
}

const mm_sysva *mm_sysva_find(const mm_space *mm, PVOID_VA va)
{
    const struct mm_sysva_list *l = mm->sysva;
    if (l == NULL)
        return NULL;
    for (uint32_t i = 0; i < l->count; i++) {
        if (va >= l->items[i].va && va < l->items[i].va + l->items[i].pages * PAGE_SIZE)
            return &l->items[i];
    }
    return NULL;
}

/* Maps `bytes` at fresh addresses; the first physical page number is
 * `pfn` (0: numbered as RAM). 0 when the region or the host is out of room. */
static PVOID_VA map_range(ke_call *call, uint64_t bytes, uint32_t pfn, mm_sysva_kind kind)
{
    mm_space *mm = call->m->mm;
    struct mm_sysva_list *l = list_of(mm);
    if (l == NULL || bytes == 0)
        return 0;
    uint64_t pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
    PVOID_VA end = mm_region_end(mm->arch, MM_REGION_SYSTEM_PTES);
    if (pages > (end - l->next) / PAGE_SIZE)
        return 0;
    if (l->count == l->capacity) {
        uint32_t capacity = l->capacity ? 2 * l->capacity : 16;
        mm_sysva *items = realloc(l->items, capacity * sizeof *items);
        if (items == NULL)
            return 0;
        l->items = items;
        l->capacity = capacity;
    }
    PVOID_VA va = l->next;
    if (!mm_map(mm, va, pages, 0, false)) {
        mm_unmap(mm, va, pages);
        return 0;
    }
    for (uint64_t i = 0; pfn != 0 && i < pages; i++)
        mm_lookup(mm, va + i * PAGE_SIZE)->pfn = pfn + (uint32_t)i;
    l->next = va + pages * PAGE_SIZE;
    l->items[l->count++] = (mm_sysva){
        .va = va, .bytes = bytes, .pages = pages, .kind = (uint8_t)kind, .driver = call->driver};
    return va;
}

/* Unmaps the live mapping of `kind` that starts at va; false if none. */
static bool unmap_range(ke_call *call, PVOID_VA va, mm_sysva_kind kind)
{
    mm_space *mm = call->m->mm;
    struct mm_sysva_list *l = mm->sysva;
    for (uint32_t i = 0; l != NULL && i < l->count; i++) {
        if (l->items[i].va != va || l->items[i].kind != kind)
            continue;
        mm_unmap(mm, va, l->items[i].pages);
        memmove(&l->items[i], &l->items[i + 1], (l->count - i - 1) * sizeof l->items[0]);
        l->count--;
        return true;
    }
    return false;
}

/* ---- kernel stacks ---- */

PVOID_VA mm_stack_alloc(ke_machine *m, uint32_t thread_id, uint32_t bytes, uint32_t align)
{
    mm_space *mm = m->mm;
    struct mm_sysva_list *l = list_of(mm);
    PVOID_VA base = mm_region_base(mm->arch, MM_REGION_KERNEL_STACKS);
    uint64_t slots = (mm_region_end(mm->arch, MM_REGION_KERNEL_STACKS) - base) / MM_KERNEL_STACK_SLOT;
    if (l == NULL || thread_id >= slots || bytes == 0 || align == 0)
        return 0;
    if (thread_id >= l->stack_threads) {
        uint32_t n = thread_id + 16;
        uint32_t *used = realloc(l->stack_used, n * sizeof *used);
        if (used == NULL)
            return 0;
        memset(used + l->stack_threads, 0, (n - l->stack_threads) * sizeof *used);
        l->stack_used = used;
        l->stack_threads = n;
    }
    uint32_t size = kernel_stack_size(mm->arch);
    PVOID_VA top = base + (uint64_t)(thread_id + 1) * MM_KERNEL_STACK_SLOT;
    if (l->stack_used[thread_id] == 0 && !mm_map(mm, top - size, size / PAGE_SIZE, 0, false))
        return 0;
    uint64_t used = ((uint64_t)l->stack_used[thread_id] + bytes + align - 1) / align * align;
    if (used > size)
        return 0;
    l->stack_used[thread_id] = (uint32_t)used;
    return top - used;
}

bool mm_on_kernel_stack(const ke_machine *m, PVOID_VA va)
{
    return va >= mm_region_base(m->config.arch, MM_REGION_KERNEL_STACKS) &&
           va < mm_region_end(m->config.arch, MM_REGION_KERNEL_STACKS);
}

/* ---- I/O space ---- */

PVOID_VA MmMapIoSpace(ke_call *call, uint64_t PhysicalAddress, uint64_t NumberOfBytes,
                      ULONG CacheType)
{
    if (NumberOfBytes == 0 || CacheType >= MM_MAXIMUM_CACHE_TYPE)
        return 0;
    uint64_t offset = PhysicalAddress & (PAGE_SIZE - 1);
    PVOID_VA va = map_range(call, offset + NumberOfBytes, (uint32_t)(PhysicalAddress >> PAGE_SHIFT),
                            MM_SYSVA_IO_SPACE);
    return va != 0 ? va + offset : 0;
}

/* PAGE_* protections MmMapIoSpaceEx takes (wdm.h), and its modifiers. */
#define PAGE_PROTECTION_MASK 0xFFu
#define PAGE_NOCACHE         0x200u
#define PAGE_WRITECOMBINE    0x400u

PVOID_VA MmMapIoSpaceEx(ke_call *call, uint64_t PhysicalAddress, uint64_t NumberOfBytes,
                        ULONG Protect)
{
    /* One protection (PAGE_READONLY ... PAGE_EXECUTE_WRITECOPY: a single
     * bit of the low byte), at most one caching modifier. */
    ULONG protection = Protect & PAGE_PROTECTION_MASK;
    if (protection == 0 || (protection & (protection - 1)) != 0 ||
        (Protect & ~(PAGE_PROTECTION_MASK | PAGE_NOCACHE | PAGE_WRITECOMBINE)) != 0 ||
        (Protect & (PAGE_NOCACHE | PAGE_WRITECOMBINE)) == (PAGE_NOCACHE | PAGE_WRITECOMBINE))
        return 0;
    ULONG cache = (Protect & PAGE_NOCACHE) ? 0 /* MmNonCached */
                  : (Protect & PAGE_WRITECOMBINE) ? 2 /* MmWriteCombined */
                                                  : 1 /* MmCached */;
    return MmMapIoSpace(call, PhysicalAddress, NumberOfBytes, cache);
}

void MmUnmapIoSpace(ke_call *call, PVOID_VA BaseAddress, uint64_t NumberOfBytes)
{
    (void)NumberOfBytes; /* the whole mapping goes, as Windows unmaps its PTEs */
    unmap_range(call, BaseAddress & ~(PVOID_VA)(PAGE_SIZE - 1), MM_SYSVA_IO_SPACE);
}

/* ---- contiguous and non-cached memory ---- */

uint64_t MmGetPhysicalAddress(ke_call *call, PVOID_VA BaseAddress)
{
    const mm_page *p = mm_lookup(call->m->mm, BaseAddress);
    if (p == NULL)
        return 0;
    return (uint64_t)p->pfn * PAGE_SIZE + (BaseAddress & (PAGE_SIZE - 1));
}

PVOID_VA MmAllocateContiguousMemorySpecifyCache(ke_call *call, uint64_t NumberOfBytes,
                                                uint64_t LowestAcceptableAddress,
                                                uint64_t HighestAcceptableAddress,
                                                uint64_t BoundaryAddressMultiple, ULONG CacheType)
{
    if (NumberOfBytes == 0 || CacheType >= MM_MAXIMUM_CACHE_TYPE)
        return 0;
    PVOID_VA va = map_range(call, NumberOfBytes, 0, MM_SYSVA_CONTIGUOUS);
    if (va == 0)
        return 0;
    /* drvsim cannot pick physical pages: the ones it numbered next either
     * meet the constraints or the request fails, as Windows' does when no
     * such run of pages is free. */
    uint64_t first = MmGetPhysicalAddress(call, va);
    uint64_t last = first + NumberOfBytes - 1;
    bool crosses = BoundaryAddressMultiple != 0 &&
                   first / BoundaryAddressMultiple != last / BoundaryAddressMultiple;
    if (first < LowestAcceptableAddress || last > HighestAcceptableAddress || crosses) {
        unmap_range(call, va, MM_SYSVA_CONTIGUOUS);
        return 0;
    }
    /* Contiguous memory is not zeroed. */
    mm_fill(call->m->mm, va, NumberOfBytes, 0xCD);
    return va;
}

PVOID_VA MmAllocateContiguousMemory(ke_call *call, uint64_t NumberOfBytes,
                                    uint64_t HighestAcceptableAddress)
{
    return MmAllocateContiguousMemorySpecifyCache(call, NumberOfBytes, 0, HighestAcceptableAddress,
                                                  0, 1 /* MmCached */);
}

void MmFreeContiguousMemory(ke_call *call, PVOID_VA BaseAddress)
{
    unmap_range(call, BaseAddress, MM_SYSVA_CONTIGUOUS);
}

PVOID_VA MmAllocateNonCachedMemory(ke_call *call, uint64_t NumberOfBytes)
{
    PVOID_VA va = map_range(call, NumberOfBytes, 0, MM_SYSVA_NONCACHED);
    return va; /* zeroed, as Windows zeroes it */
}

void MmFreeNonCachedMemory(ke_call *call, PVOID_VA BaseAddress, uint64_t NumberOfBytes)
{
    (void)NumberOfBytes;
    unmap_range(call, BaseAddress, MM_SYSVA_NONCACHED);
}

/* ---- physical pages for an MDL ---- */

PVOID_VA MmAllocatePagesForMdlEx(ke_call *call, uint64_t LowAddress, uint64_t HighAddress,
                                 uint64_t SkipBytes, uint64_t TotalBytes, ULONG CacheType,
                                 ULONG Flags)
{
    (void)SkipBytes; /* where to look next after a failed run: one run here */
    (void)Flags;     /* MM_ALLOCATE_*: zeroing is the only one with an effect, and pages
                        come zeroed */
    if (TotalBytes == 0 || CacheType >= MM_MAXIMUM_CACHE_TYPE)
        return 0;
    /* An MDL describes at most what its CSHORT Size field allows; Windows
     * gives fewer pages then, drvsim the most one MDL holds. */
    uint64_t bytes = TotalBytes > MDL_PAGES_MAX_BYTES ? MDL_PAGES_MAX_BYTES : TotalBytes;
    bytes = (bytes + PAGE_SIZE - 1) / PAGE_SIZE * PAGE_SIZE;
    PVOID_VA va = map_range(call, bytes, 0, MM_SYSVA_MDL_PAGES);
    if (va == 0)
        return 0;
    uint64_t first = MmGetPhysicalAddress(call, va);
    if (first < LowAddress || first + bytes - 1 > HighAddress) {
        unmap_range(call, va, MM_SYSVA_MDL_PAGES);
        return 0;
    }
    PVOID_VA mdl = mdl_for_pages(call, va, bytes);
    if (mdl == 0)
        unmap_range(call, va, MM_SYSVA_MDL_PAGES);
    return mdl;
}

PVOID_VA MmAllocatePagesForMdl(ke_call *call, uint64_t LowAddress, uint64_t HighAddress,
                               uint64_t SkipBytes, uint64_t TotalBytes)
{
    return MmAllocatePagesForMdlEx(call, LowAddress, HighAddress, SkipBytes, TotalBytes,
                                   1 /* MmCached */, 0);
}

void MmFreePagesFromMdl(ke_call *call, PVOID_VA MemoryDescriptorList)
{
    mdl_view v;
    if (!mdl_read(call->m, MemoryDescriptorList, &v) || !(v.flags & MDL_PAGES_LOCKED))
        return;
    if (unmap_range(call, v.start_va, MM_SYSVA_MDL_PAGES))
        mdl_set_flags(call->m, MemoryDescriptorList,
                      v.flags & ~(MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA));
}
