/*
 * special.c - special pool (see special.h): its slots, placement, pattern,
 * and the bug checks of its guard pages, freed pages and frees (0xC1, 0xCC /
 * 0xD5, 0xCD / 0xD6 with bugchecks.md's parameters).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ex/pool.h"
#include "io/io.h"
#include "kd/kd.h"
#include "mm/mm.h"
#include "mm/special.h"
#include "vf/vf.h"

enum {
    MM_SLOT_NEVER = 0, /* never used: its page was never mapped */
    MM_SLOT_LIVE = 1,  /* holds a live allocation */
    MM_SLOT_FREED = 2, /* freed: unmapped, on the FIFO */
};

mm_special *mm_special_create(ke_machine *m)
{
    mm_special *sp = calloc(1, sizeof *sp);
    if (sp == NULL)
        return NULL;
    ke_arch arch = m->config.arch;
    sp->base = mm_region_base(arch, MM_REGION_SPECIAL_POOL);
    uint64_t region_slots =
        (mm_region_end(arch, MM_REGION_SPECIAL_POOL) - sp->base) / PAGE_SIZE / 2;
    uint64_t memory_slots = m->config.memory_bytes / MM_SPECIAL_MEMORY_DIVISOR / PAGE_SIZE;
    uint64_t slots = memory_slots < region_slots ? memory_slots : region_slots;
    if (slots > UINT32_MAX - 1)
        slots = UINT32_MAX - 1;
    sp->slot_count = (uint32_t)slots;
    /* The slot arrays (state, fifo, records: about 4 MB) are allocated at
     * the first special pool allocation (arrays_ready): a machine whose
     * special pool is never used, most seeds of a sweep, neither allocates
     * nor zeroes them (issue 18). Until then no slot is live or freed. */
    des_rng_stream(&sp->rng, m->config.seed, "special");
    return sp;
}

void mm_special_destroy(mm_special *sp)
{
    if (sp == NULL)
        return;
    free(sp->state);
    free(sp->fifo);
    free(sp->records);
    free(sp);
}

bool mm_special_contains(const ke_machine *m, PVOID_VA va)
{
    ke_arch arch = m->config.arch;
    return va >= mm_region_base(arch, MM_REGION_SPECIAL_POOL) &&
           va < mm_region_end(arch, MM_REGION_SPECIAL_POOL);
}

uint64_t mm_special_max_bytes(ke_arch arch)
{
    /* The top size class is PAGE_SIZE - granularity: its sizes end one
     * granule lower (verifier_cli.md 5: 0xFD1-0xFE0 on x64, 0xFE9-0xFF0 on
     * x86). */
    return PAGE_SIZE - 2u * ex_pool_granularity(arch);
}

static mm_special *special_of(const ke_machine *m)
{
    return m->pool->special;
}

/* Slot index of va (in the region), and its data page. */
static uint64_t slot_of(const mm_special *sp, PVOID_VA va)
{
    return (va - sp->base) / (2u * PAGE_SIZE);
}

static PVOID_VA data_page(const mm_special *sp, uint64_t slot)
{
    return sp->base + (2u * slot + 1u) * PAGE_SIZE;
}

/* ------------------------------------------------------------------------ */
/* Who gets special pool                                                    */
/* ------------------------------------------------------------------------ */

bool mm_special_wanted(const ke_call *call, ULONG pool_type, uint64_t size_bytes, ULONG tag,
                       bool asked)
{
    ke_machine *m = call->m;
    /* Every allocation asks: the common answer (neither /flags 0x1 nor
     * GFlags special pool in force) comes first. */
    if (!asked && (m->vf->settings.flags & VF_FLAG_SPECIAL_POOL) == 0 &&
        m->vf->gflags.spp == VF_SPP_NONE)
        return false;
    if (size_bytes == 0 || size_bytes > mm_special_max_bytes(m->config.arch))
        return false; /* a page or more is never special-pooled */
    /* Requests the kernel refuses outright keep their own bug checks. */
    if ((pool_type & MUST_SUCCEED_POOL_TYPE_MASK) || tag == 0)
        return false;
    if (special_of(m)->slot_count == 0)
        return false;
    if (asked || vf_option_enabled(call, VF_FLAG_SPECIAL_POOL))
        return true;
    /* GFlags selects allocations system-wide, verified or not. */
    return vf_gflags_spp_matches(&m->vf->gflags, tag, size_bytes,
                                 ex_pool_granularity(m->config.arch));
}

bool mm_special_check_alloc(ke_call *call, ULONG pool_type, uint64_t size_bytes)
{
    KIRQL irql = ke_call_irql(call);
    KIRQL max = ex_pool_type_paged(pool_type) ? APC_LEVEL : DISPATCH_LEVEL;
    if (irql > max) {
        kd_raise(call, RULE_special_pool_alloc_bad_irql, irql, pool_type, size_bytes);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------------ */
/* Allocation and release                                                   */
/* ------------------------------------------------------------------------ */

/* A slot for a new allocation: the one freed longest ago once more than
 * MM_SPECIAL_QUARANTINE_PAGES wait (or no never-used one is left), else a
 * never-used one. False when every slot is live. */
/* Allocates the slot arrays at the first special pool allocation (see
 * mm_special_create). calloc'd: the host commits their pages as slots are
 * used. False when the host is out of memory. */
static bool arrays_ready(mm_special *sp)
{
    if (sp->state != NULL)
        return true;
    size_t slots = sp->slot_count != 0 ? sp->slot_count : 1;
    sp->state = calloc(slots, 1);
    sp->fifo = calloc(slots, sizeof *sp->fifo);
    sp->records = calloc(slots, sizeof *sp->records);
    if (sp->state != NULL && sp->fifo != NULL && sp->records != NULL)
        return true;
    free(sp->state);
    free(sp->fifo);
    free(sp->records);
    sp->state = NULL;
    sp->fifo = NULL;
    sp->records = NULL;
    return false;
}

static bool take_slot(mm_special *sp, uint32_t *slot)
{
    bool fresh_left = sp->next_fresh < sp->slot_count;
    if (fresh_left && sp->fifo_count <= MM_SPECIAL_QUARANTINE_PAGES) {
        *slot = sp->next_fresh++;
        return true;
    }
    if (sp->fifo_count == 0)
        return false;
    *slot = sp->fifo[sp->fifo_head];
    sp->fifo_head = sp->fifo_head + 1 == sp->slot_count ? 0 : sp->fifo_head + 1;
    sp->fifo_count--;
    return true;
}

PVOID_VA mm_special_alloc(ke_call *call, ULONG pool_type, uint64_t size_bytes,
                          uint32_t priority_low, uint8_t *pattern)
{
    ke_machine *m = call->m;
    mm_special *sp = special_of(m);
    ex_pool *pool = m->pool;
    KE_CHECK(m, size_bytes > 0 && size_bytes <= mm_special_max_bytes(m->config.arch));
    /* One physical page of the machine's memory per allocation. */
    if (pool->used_pages >= pool->limit_pages)
        return 0;
    if (m->mm->mapped_pages + 1 > MM_MAPPED_LIMIT_PAGES) {
        ke_stop_machine(m, KE_STOP_LIMIT,
                        "host memory limit reached: the run mapped more than %llu MiB of "
                        "simulated pool",
                        (unsigned long long)(MM_MAPPED_LIMIT_PAGES * PAGE_SIZE >> 20));
        return 0;
    }
    if (!arrays_ready(sp))
        ke_panic(m, __FILE__, __LINE__, "out of host memory for special pool's slots");
    uint32_t slot;
    if (!take_slot(sp, &slot))
        return 0; /* exhausted: the caller falls back to normal pool */
    KE_CHECK(m, sp->state[slot] != MM_SLOT_LIVE);
    bool at_end = priority_low == 8 ? true : priority_low == 9 ? false : m->vf->gflags.overruns;
    uint32_t gran = ex_pool_granularity(m->config.arch);
    uint16_t off, win_len;
    if (at_end) {
        /* The highest address that fits, rounded down to the granularity:
         * an overrun of more than the slack runs into the guard page. */
        off = (uint16_t)((PAGE_SIZE - size_bytes) / gran * gran);
        win_len = (uint16_t)(PAGE_SIZE - off);
    } else {
        off = 0;
        win_len = (uint16_t)((size_bytes + gran - 1) / gran * gran);
    }
    /* Never zero: a driver's zeroes must not look like the pattern. */
    *pattern = (uint8_t)(1u + des_rng_below(&sp->rng, 255));
    PVOID_VA page = data_page(sp, slot);
    /* Paged special pool is pageable, as paged pool is. */
    if (!mm_map_windowed(m->mm, page, *pattern, off, win_len, ex_pool_type_paged(pool_type)))
        ke_panic(m, __FILE__, __LINE__, "out of host memory mapping a special pool page");
    sp->state[slot] = MM_SLOT_LIVE;
    sp->live++;
    pool->used_pages++;
    ex_pool_conditions_update(m);
    return page + off;
}

void mm_special_release(ke_machine *m, const ex_block *b)
{
    mm_special *sp = special_of(m);
    uint64_t slot = slot_of(sp, b->va);
    KE_CHECK(m, b->special && sp->state != NULL && slot < sp->slot_count &&
                    sp->state[slot] == MM_SLOT_LIVE);
    mm_unmap(m->mm, data_page(sp, slot), 1);
    sp->state[slot] = MM_SLOT_FREED;
    uint64_t tail = (uint64_t)sp->fifo_head + sp->fifo_count; /* < 2 * slot_count */
    sp->fifo[tail >= sp->slot_count ? tail - sp->slot_count : tail] = (uint32_t)slot;
    sp->fifo_count++;
    sp->live--;
    m->pool->used_pages--;
    ex_pool_conditions_update(m);
}

/* ------------------------------------------------------------------------ */
/* Checks at free                                                           */
/* ------------------------------------------------------------------------ */

ex_block *mm_special_find(const mm_special *sp, PVOID_VA va)
{
    if (sp->records == NULL)
        return NULL; /* nothing allocated from special pool yet */
    ex_block *b = sp->records[slot_of(sp, va)];
    return b != NULL && b->va == va ? b : NULL;
}

ex_block **mm_special_record(const ke_machine *m, PVOID_VA va)
{
    const mm_special *sp = special_of(m);
    uint64_t slot = slot_of(sp, va);
    KE_CHECK(m, sp->state != NULL && slot < sp->slot_count && sp->state[slot] == MM_SLOT_LIVE);
    return &sp->records[slot];
}

/* The live block whose page holds P, or NULL. */
static ex_block *live_block_at(const ke_machine *m, PVOID_VA P)
{
    const mm_special *sp = special_of(m);
    uint64_t slot = slot_of(sp, P);
    PVOID_VA page = P & ~(PVOID_VA)(PAGE_SIZE - 1);
    if (sp->state == NULL || slot >= sp->slot_count || sp->state[slot] != MM_SLOT_LIVE ||
        page != data_page(sp, slot))
        return NULL;
    ex_block *b = sp->records[slot];
    KE_CHECK(m, b != NULL && b->special && !b->freed);
    return b;
}

ex_block *mm_special_check_free(ke_call *call, PVOID_VA P)
{
    ke_machine *m = call->m;
    ex_block *b = live_block_at(m, P);
    if (b == NULL) {
        /* A page that holds no allocation: never used, a guard page, or
         * freed already. P2 is the page's PTE on Windows, which drvsim does
         * not model: 0. */
        kd_raise(call, RULE_special_pool_free_unallocated, P, 0, 0);
        return NULL;
    }
    if (P != b->va) {
        /* P3 is the size the pool derives from P: what lies from P to the
         * end of its page. Past the block's start is 0x21, before it 0x22. */
        uint64_t derived = PAGE_SIZE - (P & (PAGE_SIZE - 1));
        kd_raise(call,
                 P > b->va ? RULE_special_pool_free_bad_address
                           : RULE_special_pool_free_below_block,
                 P, b->size_bytes, derived);
        return NULL;
    }
    KIRQL irql = ke_call_irql(call);
    KIRQL max = ex_pool_type_paged(b->pool_type) ? APC_LEVEL : DISPATCH_LEVEL;
    if (irql > max) {
        kd_raise(call, RULE_special_pool_free_bad_irql, irql, b->pool_type, P);
        return NULL;
    }
    return b;
}

/* Counts the bytes of [from, to) of a page that differ from the pattern;
 * *first is the first of them. The bytes outside the window of a page that
 * is not full are all its fill. */
static uint32_t count_damage(const mm_page *p, uint32_t from, uint32_t to, uint8_t pattern,
                             uint32_t *first, uint8_t *first_value)
{
    uint32_t count = 0;
    for (uint32_t at = from; at < to;) {
        const uint8_t *bytes = NULL;
        uint32_t run_end = to;
        if (p->data != NULL && (!p->windowed || p->full)) {
            bytes = p->data + at;
        } else if (p->data != NULL && at >= p->win_off && at < (uint32_t)p->win_off + p->win_len) {
            bytes = p->data + (at - p->win_off);
            if (run_end > (uint32_t)p->win_off + p->win_len)
                run_end = (uint32_t)p->win_off + p->win_len;
        } else if (p->data != NULL && at < p->win_off && run_end > p->win_off) {
            run_end = p->win_off;
        }
        if (bytes != NULL) {
            for (uint32_t i = 0; i < run_end - at; i++) {
                if (bytes[i] != pattern) {
                    if (count++ == 0) {
                        *first = at + i;
                        *first_value = bytes[i];
                    }
                }
            }
        } else if (p->fill != pattern) {
            /* A run of fill bytes, all of them damaged. */
            if (count == 0) {
                *first = at;
                *first_value = p->fill;
            }
            count += run_end - at;
        }
        at = run_end;
    }
    return count;
}

bool mm_special_check_pattern(ke_call *call, const ex_block *b)
{
    ke_machine *m = call->m;
    PVOID_VA page = b->va & ~(PVOID_VA)(PAGE_SIZE - 1);
    const mm_page *p = mm_lookup(m->mm, page);
    KE_CHECK(m, p != NULL && p->windowed && b->special);
    uint32_t start = (uint32_t)(b->va - page);
    uint32_t end = start + (uint32_t)b->size_bytes;
    uint32_t before_at = 0, after_at = 0;
    uint8_t before_value = 0, after_value = 0;
    uint32_t before = count_damage(p, 0, start, b->pattern, &before_at, &before_value);
    uint32_t after = count_damage(p, end, PAGE_SIZE, b->pattern, &after_at, &after_value);
    if (before + after == 0)
        return true;
    /* One byte with one bit flipped is a memory error, not a stray write
     * (P3 reserved: 0). */
    uint8_t value = before != 0 ? before_value : after_value;
    uint8_t flipped = (uint8_t)(value ^ b->pattern);
    if (before + after == 1 && (flipped & (flipped - 1)) == 0) {
        kd_raise(call, RULE_special_pool_single_bit, b->va,
                 page + (before != 0 ? before_at : after_at), 0);
        return false;
    }
    /* P3 is reserved; drvsim gives the pattern byte, as ReactOS does. */
    if (before != 0)
        kd_raise(call, RULE_special_pool_underrun, b->va, page + before_at, b->pattern);
    else
        kd_raise(call, RULE_special_pool_overrun_slack, b->va, page + after_at, b->pattern);
    return false;
}

/* ------------------------------------------------------------------------ */
/* Faults                                                                   */
/* ------------------------------------------------------------------------ */

bool mm_special_fault(ke_call *call, PVOID_VA va, bool write)
{
    ke_machine *m = call->m;
    if (va == 0 || !mm_special_contains(m, va))
        return false;
    const mm_special *sp = special_of(m);
    uint64_t slot = slot_of(sp, va);
    bool data = (va & ~(PVOID_VA)(PAGE_SIZE - 1)) == data_page(sp, slot);
    bool freed =
        data && sp->state != NULL && slot < sp->slot_count && sp->state[slot] == MM_SLOT_FREED;
    /* The driver is blamed when its own code made the access; the harness'
     * code is no driver's (0xCC / 0xCD, Windows' "could not identify the
     * driver"). P3, the faulting instruction, is the scenario line, whose
     * simulated address is not modelled: 0. */
    bool driver = call->driver != NULL;
    const uint64_t params[4] = {va, write ? 1 : 0, 0, 0};
    rule_id rule;
    if (freed)
        rule = driver ? RULE_special_pool_freed_driver : RULE_special_pool_freed;
    else
        rule = driver ? RULE_special_pool_overrun_driver : RULE_special_pool_overrun;
    kd_raise_full(call, rule, rule_table[rule].code, params, NULL,
                  freed ? "the page of a freed special pool allocation was touched"
                        : "a special pool guard page was touched: an access beyond the "
                          "allocation");
    return true;
}

/* ------------------------------------------------------------------------ */
/* Driver Verifier's warning                                                */
/* ------------------------------------------------------------------------ */

bool mm_special_warning(const ke_machine *m, char *buf, size_t len)
{
    if ((m->vf->settings.flags & VF_FLAG_SPECIAL_POOL) == 0)
        return false;
    uint64_t succeeded = m->vf->counters[DRVSIM_GC_AllocationsSucceeded];
    uint64_t special = m->vf->counters[DRVSIM_GC_AllocationsSucceededSpecialPool];
    if (succeeded == 0 || special * 100 >= succeeded * 95)
        return false;
    /* Driver Verifier Manager's warning (seed 003 2.1.1.2): fewer than 95%
     * of the allocations came from special pool. Neither counter counts
     * allocations of a page or more (special-pool.md), so what is left is
     * special pool running out, or requests too near a page to fit beside
     * a guard page (above the top size class). */
    snprintf(buf, len,
             "special pool: only %llu of %llu pool allocations (%llu%%) came from special pool "
             "(AllocationsSucceededSpecialPool < 95%% of AllocationsSucceeded): special pool "
             "ran out, or the requests were over 0x%llX bytes; verify fewer drivers, select "
             "one pool tag with gflags +spp, or give the machine more memory",
             (unsigned long long)special, (unsigned long long)succeeded,
             (unsigned long long)(special * 100 / succeeded),
             (unsigned long long)mm_special_max_bytes(m->config.arch));
    return true;
}
