/*
 * special.h - special pool (MmAllocateSpecialPool): each allocation on a page
 * of its own, between no-access guard pages (verifier_options.md "Special
 * pool", seed 003 2.1.1.2).
 *
 * Who gets it: a verified driver's allocations below a page when /flags 0x1
 * is in force (graphics drivers included: their EngAllocMem), and any
 * caller's (verified or not, the harness too) that GFlags +spp selects by
 * tag, size class or `*`. The kernel's own objects (ex_alloc_internal) never.
 *
 * The region holds slots of two pages: a guard page, never mapped, then the
 * data page. A block goes at the end of its page (Verify End, the default:
 * its start rounded down to the pool granularity) or at its start (Verify
 * Start), chosen by GFlags' placement or per call by the priority's
 * SpecialPoolOverrun (+8) / SpecialPoolUnderrun (+9). The rest of the page
 * holds a pattern byte drawn from the run's "special" stream, stored once in
 * the page's fill (mm.h: windowed pages), so a live allocation costs host
 * memory for its block only.
 *
 * Size: the special pool may hold a quarter of the machine's `memory` (one
 * physical page per allocation, counted in the pools' use of `memory`),
 * within its region's address space (x64: 1 TB; x86: 256 MB, 32,768 slots).
 * When it is full, a request quietly comes from normal pool and succeeds.
 * A freed page stays unmapped for a while: freed slots wait in a FIFO, and
 * a new allocation takes a never-used slot until more than
 * MM_SPECIAL_QUARANTINE_PAGES wait, then the slot freed longest ago (or
 * when no never-used slot is left, whatever waits). So a stale pointer
 * faults (0xCC / 0xD5) through at least the next 4,096 frees, and the pages
 * a long run cycles through stay few (the host's caches keep up with them).
 */
#ifndef DRVSIM_MM_SPECIAL_H
#define DRVSIM_MM_SPECIAL_H

#include "des/des.h"
#include "ke/ke.h"

struct ex_block;

/* The special pool holds at most memory / MM_SPECIAL_MEMORY_DIVISOR bytes. */
#define MM_SPECIAL_MEMORY_DIVISOR 4u

/* Freed pages that wait before one is reused while never-used ones remain. */
#define MM_SPECIAL_QUARANTINE_PAGES 4096u

typedef struct mm_special {
    PVOID_VA base;             /* the region's start: slot i's data page is base + (2i + 1) pages */
    uint32_t slot_count;       /* the special pool's capacity, in allocations */
    uint32_t next_fresh;       /* slots from here on were never used */
    uint32_t live;             /* allocations in special pool now */
    uint8_t *state;            /* per slot: MM_SLOT_* */
    struct ex_block **records; /* per slot: the pool's record of its block, live or freed */
    uint32_t *fifo;            /* freed slots, oldest first: a ring of slot_count */
    uint32_t fifo_head, fifo_count;
    des_rng rng; /* the "special" stream: page patterns */
} mm_special;

mm_special *mm_special_create(ke_machine *m);
void mm_special_destroy(mm_special *sp);

/* Whether va lies in the special pool region. */
bool mm_special_contains(const ke_machine *m, PVOID_VA va);

/* Whether va lies in the slots special pool may use. */
static inline bool mm_special_in_region(const mm_special *sp, PVOID_VA va)
{
    return va >= sp->base && (va - sp->base) / (2u * PAGE_SIZE) < sp->slot_count;
}

/* The record of the block (live or freed) whose allocation returned va,
 * or NULL: ex_pool_find for special pool addresses. */
struct ex_block *mm_special_find(const mm_special *sp, PVOID_VA va);

/* The largest request special pool serves: the largest size of a GFlags
 * size class (0xFE0 on x64, 0xFF0 on x86). */
uint64_t mm_special_max_bytes(ke_arch arch);

/* Whether a request should come from special pool: see above; `asked`
 * for ExAllocatePool2's POOL_FLAG_SPECIAL_POOL, which asks for it. */
bool mm_special_wanted(const ke_call *call, ULONG pool_type, uint64_t size_bytes, ULONG tag,
                       bool asked);

/* MmAllocateSpecialPool's IRQL check of a request going to special pool
 * (0xC1 P4 0x30); false if it fired. */
bool mm_special_check_alloc(ke_call *call, ULONG pool_type, uint64_t size_bytes);

/*
 * Maps a page for a block of size_bytes and returns the block's address and
 * its page's pattern byte, or 0 when special pool is full. priority_low is
 * the EX_POOL_PRIORITY's low bits (8 = Verify End, 9 = Verify Start, else
 * GFlags' placement).
 */
PVOID_VA mm_special_alloc(ke_call *call, ULONG pool_type, uint64_t size_bytes,
                          uint32_t priority_low, uint8_t *pattern);

/* MmFreeSpecialPool's checks of a free at P (in the region): the address
 * (0xC1 P4 0x20, 0x21, 0x22), then the IRQL (0x31). Returns the live block
 * at P, or NULL if one fired. */
struct ex_block *mm_special_check_free(ke_call *call, PVOID_VA P);

/* The pattern check of a live block being freed: bytes before it (0x23),
 * after it (0x24), one bit flipped (0x32). False if one fired. */
bool mm_special_check_pattern(ke_call *call, const struct ex_block *b);

/* The pool's record of the block on va's slot (va from mm_special_alloc):
 * the pool keeps one record per slot, reused, so that a long run costs no
 * more records than it used slots. */
struct ex_block **mm_special_record(const ke_machine *m, PVOID_VA va);

/* Unmaps a freed block's page and queues its slot. */
void mm_special_release(ke_machine *m, const struct ex_block *b);

/* A fault at va, unmapped: in the special region, raises 0xCC / 0xD5 (a freed
 * page) or 0xCD / 0xD6 (a guard page or a page never used) and returns true;
 * elsewhere returns false. 0xD5 / 0xD6 when driver code made the access. */
bool mm_special_fault(ke_call *call, PVOID_VA va, bool write);

/* Driver Verifier's warning when special pool is on and fewer than 95% of
 * the verified drivers' allocations came from it: writes it and returns
 * true, else false. */
bool mm_special_warning(const ke_machine *m, char *buf, size_t len);

#endif /* DRVSIM_MM_SPECIAL_H */
