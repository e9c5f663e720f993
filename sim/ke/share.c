/*
 * share.c - the sharing map: which execution context touched which memory,
 * for --sched ...+accesses.
 *
 * drvsim switches processors at preemption points. A DDI call is one; a
 * driver's own loads and stores through pointers (p:u32, p:set_ptr, p[i])
 * are not, so a read-modify-write or a pointer update without its lock runs
 * atomically against the other processors and its race never shows. With
 * "+accesses" after the strategy, an access to memory that another
 * execution context has touched is a preemption point as well, chosen by
 * the same strategy (random, PCT, directed's random), named, recorded and
 * replayed like a DDI's (ke_sched_decide), and so shrunk by `drvsim
 * shrink`. An access to memory only its own context has touched is never a
 * point: the lookup below is all it costs.
 *
 * Execution contexts are what can run concurrently with one another: each
 * thread (its DPC-free code, callouts included), each processor's DPCs,
 * each processor's ISRs. Two DPCs of one processor never interleave, so
 * they are one context.
 *
 * The map is built lazily, per 8-byte granule: the last context that
 * touched it, or "shared" once a second one has (shared stays: a later
 * access by either may interleave with the other's). Eight bytes because it
 * is the widest access a driver makes atomically (a pointer or ULONG64 on
 * x64) and the natural alignment of every field a driver shares; a cache
 * line would make every field of a device extension a preemption point as
 * soon as any one of them is shared (false sharing), spending the
 * strategy's choices where nothing can conflict. Two ULONGs in one granule
 * are shared together: a point more, never one missed.
 *
 * The granules live in page records (one per 4 KB page touched, looked up
 * through a des_map and a one-entry cache, as accesses cluster). Memory the
 * kernel model writes itself (pool fills, IRP set-up) is not recorded: only
 * driver and harness code's own accesses, which are the ones a race needs.
 * A freed allocation's granules keep their state: memory reused by another
 * allocation may give points its new owner does not need, never fewer.
 */
#include <stdlib.h>

#include "des/map.h"
#include "ke/ke.h"

#define SHARE_PAGE_SHIFT    12u
#define SHARE_GRANULE_SHIFT 3u /* 8-byte granules: see above */
#define SHARE_GRANULES      (1u << (SHARE_PAGE_SHIFT - SHARE_GRANULE_SHIFT))
#define SHARE_UNTOUCHED     0u
#define SHARE_SHARED        UINT32_MAX
#define SHARE_CONTEXT_DPC   0x40000000u /* + 2 * processor; + 1 more for its ISRs */

_Static_assert(KE_MAX_THREADS < SHARE_CONTEXT_DPC, "thread ids and processor contexts apart");
_Static_assert(SHARE_CONTEXT_DPC + 2u * KE_MAX_CPUS < SHARE_SHARED, "contexts below shared");

/* One page's granules: the context that touched each (SHARE_UNTOUCHED,
 * a context, or SHARE_SHARED). */
typedef struct share_page {
    uint64_t page; /* the address >> SHARE_PAGE_SHIFT */
    uint32_t owner[SHARE_GRANULES];
} share_page;

typedef struct ke_share {
    des_map pages;    /* page number -> share_page */
    share_page *last; /* the page looked up last */
} ke_share;

/* The execution context an access is made from. */
static uint32_t context_of(const ke_exec *e)
{
    if (e->is_isr)
        return SHARE_CONTEXT_DPC + 2u * e->cpu + 1u;
    if (e->is_dpc)
        return SHARE_CONTEXT_DPC + 2u * e->cpu;
    return e->thread->id;
}

static ke_share *share_of(ke_machine *m)
{
    if (m->share == NULL) {
        m->share = calloc(1, sizeof *m->share);
        if (m->share == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory for the sharing map");
        des_map_init(&m->share->pages);
    }
    return m->share;
}

/* The record of a page not looked up last: found, or made. Out of line:
 * accesses cluster, and the cache in touch() answers most. */
static __attribute__((noinline)) share_page *page_lookup(ke_machine *m, uint64_t page)
{
    ke_share *s = share_of(m);
    share_page *p = des_map_get(&s->pages, page);
    if (p == NULL) {
        p = calloc(1, sizeof *p);
        if (p == NULL || !des_map_put(&s->pages, page, p))
            ke_panic(m, __FILE__, __LINE__, "out of host memory for the sharing map");
        p->page = page;
    }
    s->last = p;
    return p;
}

static inline share_page *page_of(ke_machine *m, uint64_t page)
{
    const ke_share *s = m->share;
    if (s != NULL && s->last != NULL && s->last->page == page)
        return s->last;
    return page_lookup(m, page);
}

/* Records the access of [va, va + len) by `context`, len >= 1, across
 * granules; true when any of them is (now) shared. Every granule is
 * recorded, the whole range. */
static __attribute__((noinline)) bool touch_range(ke_machine *m, uint32_t context, PVOID_VA va,
                                                  size_t len)
{
    bool shared = false;
    uint64_t first = va >> SHARE_GRANULE_SHIFT, last = (va + len - 1) >> SHARE_GRANULE_SHIFT;
    if (last < first)
        last = UINT64_MAX >> SHARE_GRANULE_SHIFT; /* wraps past the top: up to the top */
    share_page *p = NULL;
    for (uint64_t g = first;; g++) {
        uint64_t page = g >> (SHARE_PAGE_SHIFT - SHARE_GRANULE_SHIFT);
        if (p == NULL || p->page != page)
            p = page_of(m, page);
        uint32_t *owner = &p->owner[g & (SHARE_GRANULES - 1)];
        if (*owner == SHARE_UNTOUCHED) {
            *owner = context;
        } else if (*owner != context) {
            *owner = SHARE_SHARED;
            shared = true;
        }
        if (g == last)
            break;
    }
    return shared;
}

/* An access to shared memory: the scheduler's decision. Out of line, so
 * that the common case (memory one context owns) stays a few instructions. */
static __attribute__((noinline)) bool shared_access(ke_call *call)
{
    KE_CHECK(call->m, call->m->config.sched.accesses);
    if (ke_stopped(call->m) || !ke_sched_decide(call, false))
        return false;
    call->exec->access_passed = true;
    return true;
}

bool ke_access_point(ke_call *call, PVOID_VA va, size_t len)
{
    ke_exec *e = call->exec;
    if (e->access_passed) {
        /* The access made again after its point yielded: the same point. */
        e->access_passed = false;
        return false;
    }
    if (len == 0)
        return false;
    e->steps++; /* every access counts, shared or not: names do not depend on who came first */
    uint32_t context = context_of(e);
    uint64_t g = va >> SHARE_GRANULE_SHIFT;
    if (((va + len - 1) >> SHARE_GRANULE_SHIFT) != g)
        return touch_range(call->m, context, va, len) && shared_access(call);
    /* One granule, the common case: a lookup and a compare. */
    uint32_t *owner = &page_of(call->m, g >> (SHARE_PAGE_SHIFT - SHARE_GRANULE_SHIFT))
                           ->owner[g & (SHARE_GRANULES - 1)];
    if (*owner == context)
        return false;
    if (*owner == SHARE_UNTOUCHED) {
        *owner = context;
        return false;
    }
    *owner = SHARE_SHARED;
    return shared_access(call);
}

void ke_share_fini(ke_machine *m)
{
    ke_share *s = m->share;
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->pages.capacity; i++)
        free(s->pages.slots[i].value); /* freeing only: the order does not matter */
    des_map_fini(&s->pages);
    free(s);
    m->share = NULL;
}
