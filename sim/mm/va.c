/*
 * va.c - the sparse page table and checked memory access.
 */
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "kd/kd.h"
#include "mm/mm.h"

PVOID_VA mm_region_base(ke_arch arch, mm_region region)
{
    /* Kernel-looking addresses in the ranges Windows uses: x64 system space
     * above 0xFFFF800000000000, x86 above 0x80000000. */
    static const PVOID_VA x64[] = {
        [MM_REGION_NONPAGED_POOL] = 0xFFFFA58000000000ull,
        [MM_REGION_PAGED_POOL] = 0xFFFFC08000000000ull,
        [MM_REGION_SYSTEM_IMAGES] = 0xFFFFF80240000000ull,
    };
    static const PVOID_VA x86[] = {
        [MM_REGION_NONPAGED_POOL] = 0x86000000ull,
        [MM_REGION_PAGED_POOL] = 0x9A000000ull,
        [MM_REGION_SYSTEM_IMAGES] = 0x8C000000ull,
    };
    return arch == KE_ARCH_X86 ? x86[region] : x64[region];
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

void mm_destroy(mm_space *mm)
{
    if (mm == NULL)
        return;
    for (size_t i = 0; i < mm->pages.capacity; i++) {
        mm_page *p = mm->pages.slots[i].value;
        if (p != NULL) {
            free(p->data);
            free(p);
        }
    }
    des_map_fini(&mm->pages);
    free(mm);
}

bool mm_map(mm_space *mm, PVOID_VA va, uint64_t page_count, uint8_t fill_byte)
{
    if (va % PAGE_SIZE != 0)
        abort(); /* callers map whole pages */
    for (uint64_t i = 0; i < page_count; i++) {
        uint64_t vpn = (va >> PAGE_SHIFT) + i;
        if (des_map_get(&mm->pages, vpn) != NULL)
            continue; /* already mapped: a pool page reused by a later block */
        mm_page *p = malloc(sizeof *p);
        uint8_t *data = malloc(PAGE_SIZE);
        if (p == NULL || data == NULL || !des_map_put(&mm->pages, vpn, p)) {
            free(p);
            free(data);
            return false;
        }
        memset(data, fill_byte, PAGE_SIZE);
        p->state = MM_PAGE_VALID;
        p->data = data;
        mm->mapped_pages++;
    }
    return true;
}

mm_page *mm_lookup(const mm_space *mm, PVOID_VA va)
{
    return des_map_get(&mm->pages, va >> PAGE_SHIFT);
}

/* The first unmapped address of [va, va+len), or 0 if all are mapped (0 is
 * never mapped: the first page is kept free, as Windows does, so a NULL
 * dereference always faults). */
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

static void copy_pages(const mm_space *mm, PVOID_VA va, uint8_t *host, size_t len, bool write)
{
    while (len > 0) {
        mm_page *p = mm_lookup(mm, va);
        size_t offset = va & (PAGE_SIZE - 1);
        size_t chunk = PAGE_SIZE - offset < len ? PAGE_SIZE - offset : len;
        if (write)
            memcpy(p->data + offset, host, chunk);
        else
            memcpy(host, p->data + offset, chunk);
        va += chunk;
        host += chunk;
        len -= chunk;
    }
}

bool mm_peek(const mm_space *mm, PVOID_VA va, void *buf, size_t len)
{
    if (va == 0 || first_unmapped(mm, va, len) != 0)
        return false;
    copy_pages(mm, va, buf, len, false);
    return true;
}

bool mm_poke(mm_space *mm, PVOID_VA va, const void *buf, size_t len)
{
    if (va == 0 || first_unmapped(mm, va, len) != 0)
        return false;
    copy_pages(mm, va, (uint8_t *)(uintptr_t)buf, len, true);
    return true;
}

bool mm_access(ke_call *call, PVOID_VA va, void *buf, size_t len, bool write)
{
    mm_space *mm = call->m->mm;
    PVOID_VA bad = va == 0 ? 0 : first_unmapped(mm, va, len);
    if (va != 0 && bad == 0) {
        copy_pages(mm, va, buf, len, write);
        return true;
    }
    /* A page fault on an invalid address. At DISPATCH_LEVEL and above the
     * fault cannot be resolved at all: a driver gets 0xD1. Below, an access
     * to an address that is not mapped is 0x50. The faulting instruction is
     * the scenario line; its simulated address is not modelled (0). */
    KIRQL irql = ke_call_irql(call);
    if (irql >= DISPATCH_LEVEL && call->driver != NULL) {
        const uint64_t params[4] = {bad, irql, write ? 1 : 0, 0};
        kd_raise_full(call, RULE_driver_fault_at_raised_irql, 0xD1, params, NULL, NULL);
    } else if (irql >= DISPATCH_LEVEL) {
        const uint64_t params[4] = {bad, irql, write ? 1 : 0, 0};
        kd_raise_full(call, RULE_kernel_fault_at_raised_irql, 0x0A, params, NULL, NULL);
    } else {
        const uint64_t params[4] = {bad, write ? 1 : 0, 0, 0};
        kd_raise_full(call, RULE_page_fault_unmapped, 0x50, params, NULL, NULL);
    }
    return false;
}
