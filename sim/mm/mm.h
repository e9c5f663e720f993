/*
 * mm.h - the simulated virtual address space.
 *
 * Kernel-looking addresses, 4 KiB pages, a sparse page table: only mapped
 * pages cost host memory. Every pointer access a scenario makes goes through
 * mm_access, which turns a fault into the bug check Windows would raise.
 */
#ifndef DRVSIM_MM_H
#define DRVSIM_MM_H

#include "des/map.h"
#include "ke/ke.h"

typedef enum mm_page_state {
    MM_PAGE_VALID = 1, /* readable and writable */
} mm_page_state;

typedef struct mm_page {
    mm_page_state state;
    uint8_t *data; /* PAGE_SIZE bytes of host memory */
} mm_page;

typedef struct mm_space {
    ke_arch arch;
    des_map pages; /* virtual page number -> mm_page */
    uint64_t mapped_pages;
} mm_space;

/* Address layout: where each region starts, per architecture. */
typedef enum mm_region {
    MM_REGION_NONPAGED_POOL,
    MM_REGION_PAGED_POOL,
    MM_REGION_SYSTEM_IMAGES, /* driver images and kernel objects */
} mm_region;

PVOID_VA mm_region_base(ke_arch arch, mm_region region);

mm_space *mm_create(ke_arch arch);
void mm_destroy(mm_space *mm);

/* Maps page_count valid pages at va (page aligned), filled with fill_byte.
 * Returns false when the host is out of memory. */
bool mm_map(mm_space *mm, PVOID_VA va, uint64_t page_count, uint8_t fill_byte);

/* The page holding va, or NULL when unmapped. */
mm_page *mm_lookup(const mm_space *mm, PVOID_VA va);

/* Copies between simulated and host memory with no checks, for the kernel's
 * own bookkeeping. Returns false if any byte is unmapped (nothing copied). */
bool mm_peek(const mm_space *mm, PVOID_VA va, void *buf, size_t len);
bool mm_poke(mm_space *mm, PVOID_VA va, const void *buf, size_t len);

/*
 * A driver's (or the harness') load or store of len bytes at va. A fault
 * raises the bug check Windows would (0xD1 at DISPATCH_LEVEL and above in a
 * driver, 0x50 otherwise) and returns false.
 */
bool mm_access(ke_call *call, PVOID_VA va, void *buf, size_t len, bool write);

#endif /* DRVSIM_MM_H */
