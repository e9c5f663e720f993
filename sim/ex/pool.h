/*
 * pool.h - the executive pools: paged and nonpaged pool laid out as Windows
 * lays them out, and the kernel's own allocation and free checks (0xC2,
 * 0x19).
 *
 * A block below a page sits behind a POOL_HEADER in simulated memory (16
 * bytes on x64, 8 on x86), shares its page with others and never crosses a
 * page boundary; its size is rounded up to the granularity (16 or 8 bytes).
 * A page or more is page aligned with no header ("big pool"). A freed small
 * block goes on a free list of its size and is reused last-in first-out; a
 * freed big block's pages are unmapped. An overrun writes into the slack and
 * the next block's header, where the free of either block finds it, as on
 * Windows. Memory is bounded by the machine's `memory`, so a pool can run
 * out (NULL). New memory holds a non-zero pattern from the run's "pool"
 * stream: pool memory is not initialised.
 */
#ifndef DRVSIM_EX_POOL_H
#define DRVSIM_EX_POOL_H

#include "des/map.h"
#include "ke/ke.h"

/* POOL_TYPE values and modifier bits (ddi_facts.md 2). */
#define NonPagedPool                  0u
#define PagedPool                     1u
#define NonPagedPoolMustSucceed       2u
#define NonPagedPoolCacheAligned      4u
#define PagedPoolCacheAligned         5u
#define NonPagedPoolCacheAlignedMustS 6u
#define NonPagedPoolNx                512u
/* The tags of the buffers the allocating Rtl string routines give (ReactOS). */
#define RTL_STRING_POOL_TAG_UNICODE 0x556C7452u /* "RtlU" */
#define RTL_STRING_POOL_TAG_ANSI    0x416C7452u /* "RtlA" */

#define POOL_QUOTA_FAIL_INSTEAD_OF_RAISE 0x8u
#define POOL_RAISE_IF_ALLOCATION_FAILURE 0x10u
#define POOL_COLD_ALLOCATION             0x100u
#define POOL_NX_ALLOCATION               0x200u
#define POOL_ZERO_ALLOCATION             0x400u
#define BASE_POOL_TYPE_MASK              1u
#define MUST_SUCCEED_POOL_TYPE_MASK      2u

/* POOL_FLAGS of ExAllocatePool2/3 (ddi_facts.md 4): the low 32 bits are
 * required (an unknown one fails the call), the high 32 optional. */
#define POOL_FLAG_USE_QUOTA         0x1ull
#define POOL_FLAG_UNINITIALIZED     0x2ull
#define POOL_FLAG_SESSION           0x4ull
#define POOL_FLAG_CACHE_ALIGNED     0x8ull
#define POOL_FLAG_RAISE_ON_FAILURE  0x20ull
#define POOL_FLAG_NON_PAGED         0x40ull
#define POOL_FLAG_NON_PAGED_EXECUTE 0x80ull
#define POOL_FLAG_PAGED             0x100ull
#define POOL_FLAG_SPECIAL_POOL      0x100000000ull
#define POOL_FLAGS_REQUIRED_KNOWN   0x800001FFull /* through REQUIRED_END, less RESERVED2/3 */

/* EngAllocMem flags (winddi.h). */
#define FL_ZERO_MEMORY     0x1u
#define FL_NONPAGED_MEMORY 0x2u

/* EX_POOL_PRIORITY (ddi_facts.md 3). */
#define LowPoolPriority    0u
#define NormalPoolPriority 16u
#define HighPoolPriority   32u

/* ExAllocatePool's implicit tag: 'None' as Windows writes it. */
#define EX_TAG_NONE 0x656E6F4Eu

/* A POOL_HEADER, decoded. Sizes are in granules, the header included. */
typedef struct ex_header {
    uint16_t previous_size; /* of the block before in the page; 0 for the first */
    uint16_t pool_index;
    uint16_t block_size;
    uint16_t pool_type; /* 0 = free; else the base pool type + 1 */
    ULONG tag;
} ex_header;

/* What the pool knows of an allocation, live or freed (until reused). */
typedef struct ex_block {
    PVOID_VA va;         /* what the allocator returned */
    uint64_t size_bytes; /* what the caller asked for */
    ULONG tag;
    ULONG pool_type;         /* as passed, modifiers included */
    struct io_driver *owner; /* the image that allocated it; NULL = harness or kernel */
    ke_site site;            /* the scenario line of the call */
    uint16_t granules;       /* header included; 0 for a big (page-aligned) block */
    uint16_t prev_granules;  /* the block before it in its page, as its header says */
    uint8_t pattern;         /* the fill byte of its new memory and slack */
    uint8_t quota_process;   /* charged process index + 1; 0 = no quota charged */
    bool freed;
    bool tracked; /* on its owner's pool tracking list */
    bool special; /* on a special pool page (mm/special.h); granules is 0 */
    /* A freed small block is on a free list, a live one may be on its owner's
     * tracking list: never both, so the links share their storage. */
    union {
        struct ex_block *next_free;  /* free list, when freed */
        struct ex_block *track_prev; /* owner's outstanding list, when tracked */
    };
    struct ex_block *track_next;
} ex_block;

#define EX_MAX_GRANULES 512u /* a page of 8-byte granules (x86) */

typedef struct ex_pool_area {
    PVOID_VA next_va;                          /* where the next new small block's header goes */
    PVOID_VA page_end;                         /* end of the page being carved */
    uint16_t last_granules;                    /* size of the block carved last in that page */
    PVOID_VA top_va;                           /* next unused page of the region */
    ex_block *free_lists[EX_MAX_GRANULES + 1]; /* by granules, LIFO */
} ex_pool_area;

#define EX_SLAB_BLOCKS 4096u /* block records per slab */

/*
 * The standard condition events (\KernelObjects\...): notification events
 * the pool sets while its condition holds and resets when it stops holding.
 * Both pools draw on the machine's `memory`, so the free bytes of either
 * pool, and the free memory, are what the pools have not used of it; the
 * thresholds are fractions of it (drvsim's, deterministic; Windows
 * documents only "a system threshold"):
 *   Low{Paged,NonPaged}PoolCondition   free < 1/8   (the pool nearly full)
 *   High{Paged,NonPaged}PoolCondition  free >= 1/2
 *   LowMemoryCondition                 free < 1/16
 *   HighMemoryCondition                free >= 1/4
 * An event exists from the first IoCreateNotificationEvent of its name.
 */
typedef enum ex_condition {
    EX_LOW_PAGED_POOL,
    EX_HIGH_PAGED_POOL,
    EX_LOW_NONPAGED_POOL,
    EX_HIGH_NONPAGED_POOL,
    EX_LOW_MEMORY,
    EX_HIGH_MEMORY,
    EX_CONDITION_COUNT
} ex_condition;

/* The name of a condition's event ("\KernelObjects\LowMemoryCondition"). */
extern const char *const ex_condition_names[EX_CONDITION_COUNT];

typedef struct ex_pool {
    ex_pool_area paged, nonpaged;
    /* Block records come from slabs: a record costs its size, not its size
     * plus malloc's header, and records are never freed before the pool. */
    ex_block **slabs;
    size_t slab_count;
    size_t slab_used;     /* records taken from the last slab */
    des_map blocks;       /* block address -> ex_block, live and freed */
    uint64_t limit_pages; /* from `memory` */
    uint64_t used_pages;
    uint64_t live_blocks;
    des_rng rng_fill;                                 /* the "pool" stream: fill patterns */
    struct mm_special *special;                       /* special pool (mm/special.h) */
    struct ke_object *conditions[EX_CONDITION_COUNT]; /* NULL until created */
    uint32_t condition_count; /* how many of them exist: none, nothing to keep */
} ex_pool;

ex_pool *ex_pool_create(ke_machine *m);

/* Whether a condition holds now (the thresholds above). */
bool ex_condition_holds(const ex_pool *pool, ex_condition c);
/* Brings the condition events that exist up to date (after the pools took
 * or gave back pages). */
void ex_pool_conditions_update(ke_machine *m);
void ex_pool_destroy(ex_pool *pool);

/* The pool block granularity: 16 bytes on x64, 8 on x86; also the size of a
 * POOL_HEADER on x86 (x64's is 16 too). */
static inline uint32_t ex_pool_granularity(ke_arch arch)
{
    return arch == KE_ARCH_X86 ? 8u : 16u;
}

/* Whether a pool type is paged (its base type). */
static inline bool ex_pool_type_paged(ULONG pool_type)
{
    return (pool_type & BASE_POOL_TYPE_MASK) != 0;
}

/* The block whose allocation returned va (live or freed), or NULL. */
ex_block *ex_pool_find(const ex_pool *pool, PVOID_VA va);

/* Allocates for the kernel itself (objects it creates): no checks, no
 * owner, zeroed. Returns 0 when the pool is exhausted. */
PVOID_VA ex_alloc_internal(ke_machine *m, ULONG pool_type, uint64_t size_bytes, ULONG tag);

/* The same, served by the special pool while it has room (a page of its
 * own, Verify End): what I/O verification does with IRPs. The call gives
 * the context (IRQL, the scenario line); no driver owns the block. */
PVOID_VA ex_alloc_special_internal(ke_call *call, ULONG pool_type, uint64_t size_bytes, ULONG tag);

/* The pool type an ExAllocatePool2 flag set asks for; false when the flags
 * name no pool type or more than one, or an unknown required flag. */
bool ex_pool2_type(uint64_t flags, ULONG *pool_type);

/* Reads and writes a POOL_HEADER at header_va in the machine's encoding. */
bool ex_header_read(const ke_machine *m, PVOID_VA header_va, ex_header *h);
void ex_header_write(ke_machine *m, PVOID_VA header_va, const ex_header *h);

/* The header of a small block as the debugger would show it: its address in
 * *header_va and its first eight bytes; 0 for both for a big block. */
uint64_t ex_pool_header(const ke_machine *m, PVOID_VA va, PVOID_VA *header_va);

/*
 * The first byte an overrun of block b damaged, or 0: the slack after its
 * requested size (when fill_checked), then the header of the block after it
 * in the page. Used at free, by the kernel and by pool tracking.
 */
PVOID_VA ex_pool_overrun(const ke_machine *m, const ex_block *b, bool check_slack);

/* The address of a small block's own POOL_HEADER when its size, type or
 * PreviousSize no longer say what the pool wrote (an overrun of the block
 * before it, an underrun of this one); 0 when intact or a big block. */
PVOID_VA ex_pool_header_damaged(const ke_machine *m, const ex_block *b);

/* Whether a tag is one Windows accepts: 1..4 characters 0x20..0x7E with at
 * least one letter or digit. */
bool ex_tag_valid(ULONG tag);
/* The tag as Windows shows it ("Leak"), unprintable bytes as '.'. */
const char *ex_tag_text(ULONG tag, char buf[5]);
/* "NonPagedPoolNx", "PagedPool", ... or "0x%X". */
const char *ex_pool_type_name(ULONG pool_type, char *buf, size_t len);

#endif /* DRVSIM_EX_POOL_H */
