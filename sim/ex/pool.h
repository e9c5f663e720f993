/*
 * pool.h - the executive pools, simple form: paged and nonpaged pool with
 * Windows' placement rules and the kernel's own free checks (0xC2).
 *
 * Blocks below a page share pages, never cross a page boundary and sit behind
 * a pool header (16 bytes on x64, 8 on x86); a page or more is page aligned.
 * Memory is bounded by the machine's `memory`, so a pool can run out (NULL).
 * New memory holds a deterministic non-zero pattern: pool memory is not
 * initialised. Freed blocks stay mapped, as in Windows' normal pool.
 */
#ifndef DRVSIM_EX_POOL_H
#define DRVSIM_EX_POOL_H

#include "des/map.h"
#include "ke/ke.h"

/* POOL_TYPE values and modifier bits (ddi_facts.md 2). */
#define NonPagedPool                     0u
#define PagedPool                        1u
#define NonPagedPoolMustSucceed          2u
#define NonPagedPoolCacheAligned         4u
#define PagedPoolCacheAligned            5u
#define NonPagedPoolCacheAlignedMustS    6u
#define NonPagedPoolNx                   512u
#define POOL_QUOTA_FAIL_INSTEAD_OF_RAISE 0x8u
#define POOL_RAISE_IF_ALLOCATION_FAILURE 0x10u
#define POOL_COLD_ALLOCATION             0x100u
#define POOL_NX_ALLOCATION               0x200u
#define POOL_ZERO_ALLOCATION             0x400u
#define BASE_POOL_TYPE_MASK              1u
#define MUST_SUCCEED_POOL_TYPE_MASK      2u

/* ExAllocatePool's implicit tag: 'None' as Windows writes it. */
#define EX_TAG_NONE 0x656E6F4Eu

typedef struct ex_block {
    PVOID_VA va;         /* what the allocator returned */
    uint64_t size_bytes; /* what the caller asked for */
    ULONG tag;
    ULONG pool_type;         /* as passed, modifiers included */
    struct io_driver *owner; /* the image that allocated it; NULL = harness */
    ke_site site;            /* the scenario line of the call */
    bool freed;
} ex_block;

typedef struct ex_pool_area {
    PVOID_VA next_va;  /* bump pointer inside the current page */
    PVOID_VA page_end; /* end of the current small-block page */
    PVOID_VA top_va;   /* next unused page of the region */
} ex_pool_area;

typedef struct ex_pool {
    ex_pool_area paged, nonpaged;
    des_map blocks; /* block address -> ex_block */
    ex_block **all; /* every block, in allocation order */
    size_t all_count, all_capacity;
    uint64_t limit_pages; /* from `memory` */
    uint64_t used_pages;
    des_rng rng_fill; /* the "pool" stream: fill patterns */
} ex_pool;

ex_pool *ex_pool_create(ke_machine *m);
void ex_pool_destroy(ex_pool *pool);

/* Allocates for the kernel itself (objects it creates): no checks, no
 * owner. Returns 0 when the pool is exhausted. */
PVOID_VA ex_alloc_internal(ke_machine *m, ULONG pool_type, uint64_t size_bytes, ULONG tag);

/* The pool block granularity: 16 bytes on x64, 8 on x86. */
static inline uint32_t ex_pool_granularity(ke_arch arch)
{
    return arch == KE_ARCH_X86 ? 8u : 16u;
}

/* The block whose allocation returned va, or NULL. */
ex_block *ex_pool_find(const ex_pool *pool, PVOID_VA va);

/* The header the debugger would show for a block: its address in *header_va
 * and its first eight bytes; 0 for both for a page-aligned block. */
uint64_t ex_pool_header(const ke_machine *m, PVOID_VA va, PVOID_VA *header_va);

/* Whether a pool type is paged (its base type). */
static inline bool ex_pool_type_paged(ULONG pool_type)
{
    return (pool_type & BASE_POOL_TYPE_MASK) != 0;
}

/* Whether a tag is one Windows accepts: 1..4 characters 0x20..0x7E with at
 * least one letter or digit. */
bool ex_tag_valid(ULONG tag);
/* The tag as Windows shows it ("Leak"), with unprintable bytes as '.'. */
const char *ex_tag_text(ULONG tag, char buf[5]);

#endif /* DRVSIM_EX_POOL_H */
