/*
 * lookaside.h - lookaside lists: ExInitialize/ExDelete(N)PagedLookasideList,
 * ExAllocateFrom/ExFreeTo(N)PagedLookasideList, and the LOOKASIDE_LIST_EX
 * forms ExInitializeLookasideListEx, ExAllocateFromLookasideListEx,
 * ExFreeToLookasideListEx, ExDeleteLookasideListEx (any pool type).
 *
 * A lookaside list keeps up to Depth freed blocks of one size in front of
 * the pool. An allocation takes the most recently freed block, or falls
 * through to the pool with the list's type and tag (a miss); a free keeps
 * the block while the list holds fewer than Depth, else gives it back (a
 * miss). The kernel adjusts each list's Depth once a second from its miss
 * rate, between 4 and 256 (ExAdjustLookasideDepth), walking every list it
 * knows: one left in an unloaded driver faults there (0xCE).
 */
#ifndef DRVSIM_EX_LOOKASIDE_H
#define DRVSIM_EX_LOOKASIDE_H

#include "des/des.h"
#include "io/io.h"
#include "ke/ke.h"

#define EX_LOOKASIDE_MINIMUM_DEPTH 4u                    /* ExMinimumLookasideDepth */
#define EX_LOOKASIDE_MAXIMUM_DEPTH 256u                  /* MaximumDepth the kernel sets */
#define EX_LOOKASIDE_SCAN_100NS    (10ull * 1000 * 1000) /* the balance set manager's second */

typedef struct ex_lookaside {
    PVOID_VA va;
    bool paged;
    bool ex;          /* a LOOKASIDE_LIST_EX (ExInitializeLookasideListEx) */
    bool active;      /* initialised and not deleted: on the kernel's list */
    io_driver *owner; /* the driver that initialised it */
    ULONG pool_type, tag;
    uint32_t size_bytes;
    uint16_t depth, maximum_depth;
    uint32_t total_allocates, allocate_misses, total_frees, free_misses;
    uint32_t last_total_allocates, last_allocate_misses;
    PVOID_VA free_blocks[EX_LOOKASIDE_MAXIMUM_DEPTH]; /* a stack: the last freed on top */
    uint32_t free_count;
    struct ex_lookaside *next, *prev; /* the active lists, in initialisation order */
} ex_lookaside;

typedef struct ex_lookasides {
    des_map by_va;             /* list address -> ex_lookaside, active or deleted */
    ex_lookaside *head, *tail; /* the active ones (the kernel's global list) */
    des_event scan;            /* the next depth adjustment, while a list is active */
    ke_machine *m;
} ex_lookasides;

/* The list at va (active or deleted), or NULL. */
ex_lookaside *ex_lookaside_at(const ke_machine *m, PVOID_VA va);

/* The first active list stored in [start, end), for the free checks. */
ex_lookaside *ex_lookaside_in(const ke_machine *m, PVOID_VA start, PVOID_VA end);

/* The smallest block a lookaside list can hold: its free-list link
 * (SLIST_ENTRY: 16 bytes on x64, 4 on x86). */
uint32_t ex_lookaside_minimum_size(ke_arch arch);

void ex_lookasides_destroy(ke_machine *m);

/* Whether the depth scan is queued and can do nothing but adjust depths:
 * every active list's memory is there (a deadlock's check: such a scan
 * wakes no thread and raises nothing). */
bool ex_lookaside_scan_inert(const ke_machine *m);

#endif /* DRVSIM_EX_LOOKASIDE_H */
