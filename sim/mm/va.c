/*
 * va.c - the sparse page table and checked memory access (see mm.h).
 */
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "kd/kd.h"
#include "ke/hooks.h"
#include "mm/mm.h"
#include "mm/special.h"

/* Kernel-looking addresses in the ranges Windows uses: x64 system space
 * above 0xFFFF800000000000, x86 above 0x80000000. Regions never overlap. */
static const PVOID_VA x64_regions[][2] = {
    [MM_REGION_NONPAGED_POOL] = {0xFFFFA58000000000ull, 0xFFFFB58000000000ull}, /* 16 TB */
    [MM_REGION_PAGED_POOL] = {0xFFFFC08000000000ull, 0xFFFFD08000000000ull},    /* 16 TB */
    [MM_REGION_SYSTEM_IMAGES] = {0xFFFFF80240000000ull, 0xFFFFF80280000000ull},
    [MM_REGION_SPECIAL_POOL] = {0xFFFFE50000000000ull, 0xFFFFE60000000000ull}, /* 1 TB */
    [MM_REGION_SYSTEM_PTES] = {0xFFFFE70000000000ull, 0xFFFFE80000000000ull},  /* 1 TB */
    [MM_REGION_KERNEL_STACKS] = {0xFFFFE80000000000ull, 0xFFFFE80080000000ull}, /* 2 GB */
};
static const PVOID_VA x86_regions[][2] = {
    [MM_REGION_SYSTEM_IMAGES] = {0x80400000ull, 0x84400000ull},
    [MM_REGION_NONPAGED_POOL] = {0x84400000ull, 0xA0000000ull}, /* 444 MB */
    [MM_REGION_PAGED_POOL] = {0xA0000000ull, 0xC0000000ull},    /* 512 MB */
    /* System PTE space above the page tables: 256 MB, 32,768 slots. */
    [MM_REGION_SPECIAL_POOL] = {0xC8000000ull, 0xD8000000ull},
    /* More system PTEs: 128 MB. */
    [MM_REGION_SYSTEM_PTES] = {0xD8000000ull, 0xE0000000ull},
    /* Kernel stacks: 128 MB, 4,096 slots. */
    [MM_REGION_KERNEL_STACKS] = {0xE0000000ull, 0xE8000000ull},
};

PVOID_VA mm_region_base(ke_arch arch, mm_region region)
{
    return arch == KE_ARCH_X86 ? x86_regions[region][0] : x64_regions[region][0];
}

PVOID_VA mm_region_end(ke_arch arch, mm_region region)
{
    return arch == KE_ARCH_X86 ? x86_regions[region][1] : x64_regions[region][1];
}

uint64_t mm_memory_limit(ke_arch arch)
{
    return arch == KE_ARCH_X86 ? 4ull << 30 : 16ull << 40;
}

mm_space *mm_create(ke_arch arch)
{
    mm_space *mm = calloc(1, sizeof *mm);
    if (mm == NULL)
        return NULL;
    mm->arch = arch;
    des_map_init(&mm->pages);
    return mm;
}

static void free_page(mm_space *mm, mm_page *p)
{
    if (p->data != NULL && (!p->windowed || p->full))
        mm->touched_pages--;
    free(p->data);
    if (mm->spare_count < MM_SPARE_PAGES) {
        p->data = (uint8_t *)mm->spare;
        mm->spare = p;
        mm->spare_count++;
        return;
    }
    free(p);
}

/* A zeroed page record: a spare one, or a new one. NULL on host OOM. */
static mm_page *new_page(mm_space *mm)
{
    mm_page *p = mm->spare;
    if (p == NULL)
        return calloc(1, sizeof *p);
    mm->spare = (mm_page *)(void *)p->data;
    mm->spare_count--;
    memset(p, 0, sizeof *p);
    return p;
}

void mm_destroy(mm_space *mm)
{
    if (mm == NULL)
        return;
    mm_user_destroy(mm);
    mm_sysva_destroy(mm);
    for (size_t i = 0; i < mm->pages.capacity; i++) {
        mm_page *p = mm->pages.slots[i].value;
        if (p != NULL)
            free_page(mm, p);
    }
    des_map_fini(&mm->pages);
    while (mm->spare != NULL) {
        mm_page *next = (mm_page *)(void *)mm->spare->data;
        free(mm->spare);
        mm->spare = next;
    }
    free(mm->locks);
    free(mm);
}

bool mm_map(mm_space *mm, PVOID_VA va, uint64_t page_count, uint8_t fill_byte, bool pageable)
{
    if (va % PAGE_SIZE != 0)
        abort(); /* callers map whole pages */
    for (uint64_t i = 0; i < page_count; i++) {
        uint64_t vpn = (va >> PAGE_SHIFT) + i;
        if (des_map_get(&mm->pages, vpn) != NULL)
            continue;
        mm_page *p = new_page(mm);
        if (p == NULL || !des_map_put(&mm->pages, vpn, p)) {
            free(p);
            return false;
        }
        p->fill = fill_byte;
        p->pageable = pageable;
        p->pfn = 0x1000 + mm->next_pfn++; /* above the first 16 MiB, as RAM would be */
        p->resident_epoch = (uint32_t)mm->trim_epoch;
        mm->mapped_pages++;
    }
    for (int i = 0; i < 2; i++) {
        mm_region r = i == 0 ? MM_REGION_NONPAGED_POOL : MM_REGION_PAGED_POOL;
        PVOID_VA end = va + page_count * PAGE_SIZE;
        if (va >= mm_region_base(mm->arch, r) && va < mm_region_end(mm->arch, r) &&
            end > mm->pool_top[i])
            mm->pool_top[i] = end;
    }
    return true;
}

bool mm_map_kernel_page(mm_space *mm, PVOID_VA va, uint32_t pfn)
{
    if (!mm_map(mm, va, 1, 0, false))
        return false;
    mm->next_pfn--; /* mm_map numbered it as RAM: it is the image's page */
    mm_lookup(mm, va)->pfn = pfn;
    return true;
}

/* Whether an unmapped va was mapped once (a pool page given back): see
 * mm_space.pool_top. */
static bool was_mapped(const mm_space *mm, PVOID_VA va)
{
    for (int i = 0; i < 2; i++) {
        mm_region r = i == 0 ? MM_REGION_NONPAGED_POOL : MM_REGION_PAGED_POOL;
        if (va >= mm_region_base(mm->arch, r) && va < mm->pool_top[i])
            return true;
    }
    return false;
}

bool mm_map_windowed(mm_space *mm, PVOID_VA va, uint8_t fill_byte, uint16_t win_off,
                     uint16_t win_len, bool pageable)
{
    if (va % PAGE_SIZE != 0 || (uint32_t)win_off + win_len > PAGE_SIZE)
        abort(); /* special.c maps a slot's page (it knows it is unmapped), window inside it */
    /* mm_map's work for one page known to be unmapped. */
    mm_page *p = new_page(mm);
    if (p == NULL || !des_map_put(&mm->pages, va >> PAGE_SHIFT, p)) {
        free(p);
        return false;
    }
    p->fill = fill_byte;
    p->pageable = pageable;
    p->pfn = 0x1000 + mm->next_pfn++;
    p->resident_epoch = (uint32_t)mm->trim_epoch;
    mm->mapped_pages++;
    p->windowed = 1;
    p->win_off = win_off;
    p->win_len = win_len;
    return true;
}

void mm_unmap(mm_space *mm, PVOID_VA va, uint64_t page_count)
{
    for (uint64_t i = 0; i < page_count; i++) {
        uint64_t vpn = (va >> PAGE_SHIFT) + i;
        mm_page *p = des_map_remove(&mm->pages, vpn);
        if (p != NULL) {
            if (mm->recent[vpn & (MM_RECENT_PAGES - 1)].page == p)
                mm->recent[vpn & (MM_RECENT_PAGES - 1)].page = NULL;
            free_page(mm, p);
            mm->mapped_pages--;
        }
    }
}

mm_page *mm_lookup(const mm_space *mm, PVOID_VA va)
{
    uint64_t vpn = va >> PAGE_SHIFT;
    /* The recent answers are a cache, kept through a const space too (the
     * space itself is never const). */
    mm_space *cache = (mm_space *)(uintptr_t)mm;
    unsigned slot = (unsigned)(vpn & (MM_RECENT_PAGES - 1));
    if (cache->recent[slot].page != NULL && cache->recent[slot].vpn == vpn)
        return cache->recent[slot].page;
    mm_page *p = des_map_get(&mm->pages, vpn);
    if (p != NULL) {
        cache->recent[slot].vpn = vpn;
        cache->recent[slot].page = p;
    }
    return p;
}

void mm_trim(mm_space *mm)
{
    mm->trim_epoch++;
}

void mm_paging_trim(ke_machine *m)
{
    mm_trim(m->mm);
    m->mm->model_trims++;
}

bool mm_execute(ke_call *call, PVOID_VA va)
{
    mm_space *mm = call->m->mm;
    mm_page *p = mm_lookup(mm, va);
    KE_CHECK(call->m, p != NULL && call->driver != NULL);
    KIRQL irql = ke_call_irql(call);
    if (irql < DISPATCH_LEVEL) {
        p->resident_epoch = (uint32_t)mm->trim_epoch; /* the pager reads it back in */
        return true;
    }
    if (!p->pageable || p->locks > 0 || p->resident_epoch == (uint32_t)mm->trim_epoch)
        return true;
    /* The faulting instruction is the one fetched: P1 and P4 agree. */
    const uint64_t params[4] = {va, irql, 8, va};
    kd_raise_full(call, RULE_driver_fault_at_raised_irql, 0xD1, params, NULL,
                  "pageable code (its PAGE section) ran at DISPATCH_LEVEL or above while it was "
                  "paged out");
    return false;
}

/* Whether a windowed page holds [offset, offset + len) in its window. */
static bool in_window(const mm_page *p, size_t offset, size_t len)
{
    return offset >= p->win_off && offset + len <= (size_t)p->win_off + p->win_len;
}

/* Gives a page its own contents before a write of [offset, offset + len):
 * a windowed page gets its window only, unless the write falls outside it. */
static bool materialise(mm_space *mm, mm_page *p, size_t offset, size_t len)
{
    if (p->windowed && !p->full) {
        if (in_window(p, offset, len)) {
            if (p->data == NULL) {
                p->data = malloc(p->win_len ? p->win_len : 1);
                if (p->data == NULL)
                    return false;
                memset(p->data, p->fill, p->win_len);
            }
            return true;
        }
        /* Outside the window: the whole page, the window's bytes kept. */
        uint8_t *full = malloc(PAGE_SIZE);
        if (full == NULL)
            return false;
        memset(full, p->fill, PAGE_SIZE);
        if (p->data != NULL)
            memcpy(full + p->win_off, p->data, p->win_len);
        free(p->data);
        p->data = full;
        p->full = 1;
        mm->touched_pages++;
        return true;
    }
    if (p->data != NULL)
        return true;
    p->data = malloc(PAGE_SIZE);
    if (p->data == NULL)
        return false;
    memset(p->data, p->fill, PAGE_SIZE);
    mm->touched_pages++;
    return true;
}

/* Reads [offset, offset + len) of a page into host memory. */
static void read_page(const mm_page *p, size_t offset, uint8_t *host, size_t len)
{
    if (p->data == NULL) {
        memset(host, p->fill, len);
    } else if (!p->windowed || p->full) {
        memcpy(host, p->data + offset, len);
    } else {
        /* The window's bytes from data, the rest the page's fill. */
        for (size_t i = 0; i < len; i++) {
            size_t at = offset + i;
            host[i] = in_window(p, at, 1) ? p->data[at - p->win_off] : p->fill;
        }
    }
}

/* Writes host bytes at [offset, offset + len) of a materialised page. */
static void write_page(mm_page *p, size_t offset, const uint8_t *host, size_t len)
{
    if (p->windowed && !p->full)
        memcpy(p->data + (offset - p->win_off), host, len);
    else
        memcpy(p->data + offset, host, len);
}

/* The first unmapped address of [va, va+len), or 0 if all are mapped. Page 0
 * is never mapped, as on Windows, so a NULL dereference always faults. */
static PVOID_VA first_unmapped(const mm_space *mm, PVOID_VA va, size_t len)
{
    PVOID_VA end = va + len;
    if (end < va)
        return va; /* wraps around the address space */
    for (PVOID_VA page = va & ~(PVOID_VA)(PAGE_SIZE - 1); page < end; page += PAGE_SIZE) {
        if (mm_lookup(mm, page) == NULL)
            return page < va ? va : page;
    }
    return 0;
}

/* The first non-resident address of [va, va+len), or 0. All mapped. */
static PVOID_VA first_not_resident(const mm_space *mm, PVOID_VA va, size_t len)
{
    PVOID_VA end = va + len;
    for (PVOID_VA page = va & ~(PVOID_VA)(PAGE_SIZE - 1); page < end; page += PAGE_SIZE) {
        const mm_page *p = mm_lookup(mm, page);
        if (p->pageable && p->locks == 0 && p->resident_epoch != (uint32_t)mm->trim_epoch)
            return page < va ? va : page;
    }
    return 0;
}

/* Copies page by page; every page mapped. Returns false only on host OOM. */
static bool copy_pages(mm_space *mm, PVOID_VA va, uint8_t *host, size_t len, bool write,
                       bool page_in)
{
    while (len > 0) {
        mm_page *p = mm_lookup(mm, va);
        size_t offset = va & (PAGE_SIZE - 1);
        size_t chunk = PAGE_SIZE - offset < len ? PAGE_SIZE - offset : len;
        if (page_in)
            p->resident_epoch = (uint32_t)mm->trim_epoch;
        if (write) {
            if (!materialise(mm, p, offset, chunk))
                return false;
            write_page(p, offset, host, chunk);
        } else {
            read_page(p, offset, host, chunk);
        }
        va += chunk;
        host += chunk;
        len -= chunk;
    }
    return true;
}

void mm_fill(mm_space *mm, PVOID_VA va, uint64_t len, uint8_t byte)
{
    while (len > 0) {
        mm_page *p = mm_lookup(mm, va);
        if (p == NULL)
            abort(); /* the kernel fills only what it mapped */
        size_t offset = va & (PAGE_SIZE - 1);
        size_t chunk = PAGE_SIZE - offset < len ? PAGE_SIZE - offset : (size_t)len;
        if (chunk == PAGE_SIZE) {
            /* A whole page: back to one byte, whatever it held. */
            if (p->data != NULL && (!p->windowed || p->full))
                mm->touched_pages--;
            free(p->data);
            p->data = NULL;
            p->full = 0;
            p->fill = byte;
        } else if (p->data != NULL || p->fill != byte) {
            if (!materialise(mm, p, offset, chunk))
                abort(); /* host out of memory in the kernel's own bookkeeping */
            if (p->windowed && !p->full)
                memset(p->data + (offset - p->win_off), byte, chunk);
            else
                memset(p->data + offset, byte, chunk);
        }
        va += chunk;
        len -= chunk;
    }
}

/* The page of [va, va + len) when the range lies within one page, else
 * NULL; *found tells a missing page (unmapped) from a range that crosses
 * pages. One lookup: the kernel's own reads and writes of headers and
 * objects are small and come here on every pool and dispatcher call. */
static mm_page *single_page(const mm_space *mm, PVOID_VA va, size_t len, bool *crosses)
{
    size_t offset = va & (PAGE_SIZE - 1);
    *crosses = len > PAGE_SIZE - offset;
    return *crosses ? NULL : mm_lookup(mm, va);
}

bool mm_peek(const mm_space *mm, PVOID_VA va, void *buf, size_t len)
{
    if (va == 0)
        return false;
    bool crosses;
    const mm_page *p = single_page(mm, va, len, &crosses);
    if (!crosses) {
        if (p == NULL)
            return false;
        read_page(p, va & (PAGE_SIZE - 1), buf, len);
        return true;
    }
    if (first_unmapped(mm, va, len) != 0)
        return false;
    /* A read never materialises or pages in: the cast is safe. */
    return copy_pages((mm_space *)(uintptr_t)mm, va, buf, len, false, false);
}

bool mm_poke(mm_space *mm, PVOID_VA va, const void *buf, size_t len)
{
    if (va == 0)
        return false;
    bool crosses;
    mm_page *p = single_page(mm, va, len, &crosses);
    if (!crosses) {
        size_t offset = va & (PAGE_SIZE - 1);
        if (p == NULL || !materialise(mm, p, offset, len))
            return false;
        write_page(p, offset, buf, len);
        return true;
    }
    if (first_unmapped(mm, va, len) != 0)
        return false;
    return copy_pages(mm, va, (uint8_t *)(uintptr_t)buf, len, true, false);
}

static void check_touched(ke_call *call);

/* A page fault that cannot be served: the bug check depends on the IRQL and
 * on whose code faulted. The faulting instruction is the scenario line; its
 * simulated address is not modelled (0).
 *
 * 0x50's P2 and P4 (bug-check-0x50--page-fault-in-nonpaged-area.md): after
 * Windows 10 1507, x64 and x86 give 0 for a read, 2 for a write and 10 for
 * an execute (1 and 8 are the older and the ARM values); P4, the fault
 * type, is 2 (NONPAGED_BUGCHECK_NOT_PRESENT_PAGE_TABLE) for an address
 * that was never mapped and 0 (NONPAGED_BUGCHECK_FREED_PTE) for one whose
 * page was freed. 0xD1 and 0x0A keep 0/1 for read/write: their pages
 * document no such change. */
#define MM_FAULT_WRITE_50                    2u
#define MM_FAULT_TYPE_FREED_PTE              0u
#define MM_FAULT_TYPE_NOT_PRESENT_PAGE_TABLE 2u
static void fault(ke_call *call, PVOID_VA va, bool write, bool unmapped)
{
    /* An application's address: an exception in the code that touched it. */
    if (unmapped && mm_user_fault(call, va))
        return;
    /* Special pool's guard pages and freed pages have their own codes. */
    if (unmapped && mm_special_fault(call, va, write))
        return;
    KIRQL irql = ke_call_irql(call);
    if (irql >= DISPATCH_LEVEL && call->driver != NULL) {
        const uint64_t params[4] = {va, irql, write ? 1 : 0, 0};
        kd_raise_full(call, RULE_driver_fault_at_raised_irql, 0xD1, params, NULL, NULL);
    } else if (irql >= DISPATCH_LEVEL) {
        const uint64_t params[4] = {va, irql, write ? 1 : 0, 0};
        kd_raise_full(call, RULE_kernel_fault_at_raised_irql, 0x0A, params, NULL, NULL);
    } else {
        /* Below DISPATCH_LEVEL only an unmapped address is fatal. */
        KE_CHECK(call->m, unmapped);
        uint64_t type = was_mapped(call->m->mm, va) ? MM_FAULT_TYPE_FREED_PTE
                                                    : MM_FAULT_TYPE_NOT_PRESENT_PAGE_TABLE;
        const uint64_t params[4] = {va, write ? MM_FAULT_WRITE_50 : 0, 0, type};
        kd_raise_full(call, RULE_page_fault_unmapped, 0x50, params, NULL, NULL);
    }
}

bool mm_access(ke_call *call, PVOID_VA va, void *buf, size_t len, bool write)
{
    mm_space *mm = call->m->mm;
    /* Most accesses stay in one page: one lookup does for the checks and
     * the copy. */
    size_t offset = va & (PAGE_SIZE - 1);
    if (va != 0 && len > 0 && offset + len <= PAGE_SIZE) {
        mm_page *p = mm_lookup(mm, va);
        if (p != NULL && mm->user != NULL && mm_user_foreign(call, va))
            p = NULL; /* another process's page: not there in this context */
        if (p == NULL) {
            fault(call, va, write, true);
            return false;
        }
        bool page_in = ke_call_irql(call) < DISPATCH_LEVEL;
        if (!page_in && p->pageable && p->locks == 0 &&
            p->resident_epoch != (uint32_t)mm->trim_epoch) {
            fault(call, va, write, false);
            return false;
        }
        if (page_in)
            p->resident_epoch = (uint32_t)mm->trim_epoch;
        if (write) {
            if (!materialise(mm, p, offset, len))
                ke_panic(call->m, __FILE__, __LINE__,
                         "out of host memory writing simulated memory");
            write_page(p, offset, buf, len);
            check_touched(call);
        } else {
            read_page(p, offset, buf, len);
        }
        if (call->ddi == KE_DDI_POINTER) {
            ke_hook_access(call, va, len, write);
            return !ke_stopped(call->m); /* a race reported: it stops here */
        }
        return true;
    }
    PVOID_VA bad = va == 0 ? 0 : first_unmapped(mm, va, len);
    if (bad == 0 && va != 0 && mm->user != NULL) {
        for (PVOID_VA at = va; at < va + len && bad == 0;
             at = (at & ~(uint64_t)(PAGE_SIZE - 1)) + PAGE_SIZE)
            bad = mm_user_foreign(call, at) ? at : 0;
    }
    if (va == 0 || bad != 0) {
        fault(call, bad, write, true);
        return false;
    }
    /* A non-resident page is paged back in, which is only possible below
     * DISPATCH_LEVEL: the pager waits for the disk. */
    bool page_in = ke_call_irql(call) < DISPATCH_LEVEL;
    if (!page_in) {
        bad = first_not_resident(mm, va, len);
        if (bad != 0) {
            fault(call, bad, write, false);
            return false;
        }
    }
    if (!copy_pages(mm, va, buf, len, write, page_in))
        ke_panic(call->m, __FILE__, __LINE__, "out of host memory writing simulated memory");
    check_touched(call);
    if (call->ddi == KE_DDI_POINTER) {
        ke_hook_access(call, va, len, write);
        return !ke_stopped(call->m);
    }
    return true;
}

/* Written pages cost host memory: past the bound the run stops, as a
 * runaway loop does at the instruction limit. */
static void check_touched(ke_call *call)
{
    if (call->m->mm->touched_pages * (uint64_t)PAGE_SIZE > MM_TOUCHED_LIMIT_BYTES)
        ke_stop_machine(call->m, KE_STOP_LIMIT,
                        "host memory limit reached: the run wrote more than %llu MiB of "
                        "simulated memory",
                        (unsigned long long)(MM_TOUCHED_LIMIT_BYTES >> 20));
}

bool mm_access_fill(ke_call *call, PVOID_VA va, uint64_t len, uint8_t byte)
{
    /* The checks of mm_access, a page at a time; whole pages stay sparse. */
    while (len > 0) {
        size_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
        if (chunk > len)
            chunk = (size_t)len;
        uint8_t probe;
        if (!mm_access(call, va, &probe, 1, true) ||
            (chunk > 1 && !mm_access(call, va + chunk - 1, &probe, 1, true)))
            return false;
        mm_fill(call->m->mm, va, chunk, byte);
        va += chunk;
        len -= chunk;
    }
    check_touched(call);
    return true;
}
