/*
 * pool.c - the executive pools (see pool.h) and the kernel's pool DDIs with
 * the checks Windows makes without the verifier (0xC2 BAD_POOL_CALLER,
 * 0x19 BAD_POOL_HEADER).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "kd/kd.h"
#include "ke/hooks.h"
#include "mm/mm.h"
#include "mm/special.h"
#include "vf/vf.h"

/* ------------------------------------------------------------------------ */
/* Tags and names                                                           */
/* ------------------------------------------------------------------------ */

bool ex_tag_valid(ULONG tag)
{
    bool letter_or_digit = false;
    for (int i = 0; i < 4; i++) {
        uint8_t c = (uint8_t)(tag >> (8 * i));
        if (c == 0 && i > 0)
            break; /* shorter tags are NUL-padded */
        if (c < 0x20 || c > 0x7E)
            return false;
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
            letter_or_digit = true;
    }
    return letter_or_digit;
}

const char *ex_tag_text(ULONG tag, char buf[5])
{
    for (int i = 0; i < 4; i++) {
        uint8_t c = (uint8_t)(tag >> (8 * i));
        buf[i] = c >= 0x20 && c <= 0x7E ? (char)c : (c == 0 ? ' ' : '.');
    }
    buf[4] = '\0';
    return buf;
}

const char *ex_pool_type_name(ULONG pool_type, char *buf, size_t len)
{
    static const struct {
        ULONG value;
        const char *name;
    } names[] = {
        {NonPagedPool, "NonPagedPool"},
        {PagedPool, "PagedPool"},
        {NonPagedPoolMustSucceed, "NonPagedPoolMustSucceed"},
        {NonPagedPoolCacheAligned, "NonPagedPoolCacheAligned"},
        {PagedPoolCacheAligned, "PagedPoolCacheAligned"},
        {NonPagedPoolCacheAlignedMustS, "NonPagedPoolCacheAlignedMustS"},
        {NonPagedPoolNx, "NonPagedPoolNx"},
        {516, "NonPagedPoolNxCacheAligned"},
        {32, "NonPagedPoolSession"},
        {33, "PagedPoolSession"},
    };
    /* Modifiers change how a request is served, not which pool it is. */
    pool_type &= ~(POOL_QUOTA_FAIL_INSTEAD_OF_RAISE | POOL_RAISE_IF_ALLOCATION_FAILURE |
                   POOL_COLD_ALLOCATION | POOL_ZERO_ALLOCATION);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (names[i].value == pool_type) {
            snprintf(buf, len, "%s", names[i].name);
            return buf;
        }
    }
    snprintf(buf, len, "0x%X", pool_type);
    return buf;
}

/* ------------------------------------------------------------------------ */
/* POOL_HEADER                                                              */
/* ------------------------------------------------------------------------ */

/*
 * x64 (16 bytes): PreviousSize, PoolIndex, BlockSize, PoolType (a byte each),
 * PoolTag, then ProcessBilled (8 bytes). x86 (8 bytes): one ULONG with
 * PreviousSize:9, PoolIndex:7, BlockSize:9, PoolType:7, then PoolTag.
 */
static void encode_header(ke_arch arch, const ex_header *h, uint8_t out[16])
{
    memset(out, 0, 16);
    if (arch == KE_ARCH_X86) {
        uint32_t word =
            (uint32_t)(h->previous_size & 0x1FF) | (uint32_t)(h->pool_index & 0x7F) << 9 |
            (uint32_t)(h->block_size & 0x1FF) << 16 | (uint32_t)(h->pool_type & 0x7F) << 25;
        memcpy(out, &word, 4);
    } else {
        out[0] = (uint8_t)h->previous_size;
        out[1] = (uint8_t)h->pool_index;
        out[2] = (uint8_t)h->block_size;
        out[3] = (uint8_t)h->pool_type;
    }
    memcpy(out + 4, &h->tag, 4);
}

bool ex_header_read(const ke_machine *m, PVOID_VA header_va, ex_header *h)
{
    uint8_t raw[8];
    if (!mm_peek(m->mm, header_va, raw, sizeof raw))
        return false;
    if (m->config.arch == KE_ARCH_X86) {
        uint32_t word;
        memcpy(&word, raw, 4);
        h->previous_size = word & 0x1FF;
        h->pool_index = (word >> 9) & 0x7F;
        h->block_size = (word >> 16) & 0x1FF;
        h->pool_type = (word >> 25) & 0x7F;
    } else {
        h->previous_size = raw[0];
        h->pool_index = raw[1];
        h->block_size = raw[2];
        h->pool_type = raw[3];
    }
    memcpy(&h->tag, raw + 4, 4);
    return true;
}

void ex_header_write(ke_machine *m, PVOID_VA header_va, const ex_header *h)
{
    uint8_t raw[16];
    encode_header(m->config.arch, h, raw);
    if (!mm_poke(m->mm, header_va, raw, ex_pool_granularity(m->config.arch)))
        ke_panic(m, __FILE__, __LINE__, "a pool header outside pool pages");
}

/* The header a live small block should have. */
static ex_header expected_header(const ex_block *b, uint16_t previous_size)
{
    ex_header h = {
        .previous_size = previous_size,
        .block_size = b->granules,
        .pool_type = (uint16_t)((b->pool_type & BASE_POOL_TYPE_MASK) + 1),
        .tag = b->tag,
    };
    return h;
}

uint64_t ex_pool_header(const ke_machine *m, PVOID_VA va, PVOID_VA *header_va)
{
    uint64_t contents = 0;
    *header_va = 0;
    if (va % PAGE_SIZE != 0) {
        *header_va = va - ex_pool_granularity(m->config.arch);
        mm_peek(m->mm, *header_va, &contents, sizeof contents);
    }
    return contents;
}

/* ------------------------------------------------------------------------ */
/* The pools                                                                */
/* ------------------------------------------------------------------------ */

ex_pool *ex_pool_create(ke_machine *m)
{
    ex_pool *pool = calloc(1, sizeof *pool);
    if (pool == NULL)
        return NULL;
    pool->nonpaged.top_va = mm_region_base(m->config.arch, MM_REGION_NONPAGED_POOL);
    pool->paged.top_va = mm_region_base(m->config.arch, MM_REGION_PAGED_POOL);
    pool->limit_pages = m->config.memory_bytes / PAGE_SIZE;
    des_map_init(&pool->blocks);
    des_rng_stream(&pool->rng_fill, m->config.seed, "pool");
    pool->special = mm_special_create(m);
    if (pool->special == NULL) {
        ex_pool_destroy(pool);
        return NULL;
    }
    return pool;
}

void ex_pool_destroy(ex_pool *pool)
{
    if (pool == NULL)
        return;
    for (size_t i = 0; i < pool->slab_count; i++)
        free(pool->slabs[i]);
    free(pool->slabs);
    des_map_fini(&pool->blocks);
    mm_special_destroy(pool->special);
    free(pool);
}

const char *const ex_condition_names[EX_CONDITION_COUNT] = {
    [EX_LOW_PAGED_POOL] = "\\KernelObjects\\LowPagedPoolCondition",
    [EX_HIGH_PAGED_POOL] = "\\KernelObjects\\HighPagedPoolCondition",
    [EX_LOW_NONPAGED_POOL] = "\\KernelObjects\\LowNonPagedPoolCondition",
    [EX_HIGH_NONPAGED_POOL] = "\\KernelObjects\\HighNonPagedPoolCondition",
    [EX_LOW_MEMORY] = "\\KernelObjects\\LowMemoryCondition",
    [EX_HIGH_MEMORY] = "\\KernelObjects\\HighMemoryCondition",
};

bool ex_condition_holds(const ex_pool *pool, ex_condition c)
{
    /* In pages, multiplied out: no division, no rounding. */
    uint64_t free_pages = pool->limit_pages - pool->used_pages;
    uint64_t size = pool->limit_pages;
    switch (c) {
    case EX_LOW_PAGED_POOL:
    case EX_LOW_NONPAGED_POOL:
        return free_pages * 8 < size;
    case EX_HIGH_PAGED_POOL:
    case EX_HIGH_NONPAGED_POOL:
        return free_pages * 2 >= size;
    case EX_LOW_MEMORY:
        return free_pages * 16 < size;
    case EX_HIGH_MEMORY:
        return free_pages * 4 >= size;
    default:
        return false;
    }
}

void ex_pool_conditions_update(ke_machine *m)
{
    ex_pool *pool = m->pool;
    if (pool->condition_count == 0)
        return; /* no driver opened one: every allocation and free asks */
    for (int c = 0; c < EX_CONDITION_COUNT; c++) {
        ke_object *o = pool->conditions[c];
        if (o == NULL)
            continue;
        int32_t state = ex_condition_holds(pool, (ex_condition)c) ? 1 : 0;
        if ((o->signal_state > 0) != (state > 0))
            ke_object_set_state(m, o, state);
    }
}

ex_block *ex_pool_find(const ex_pool *pool, PVOID_VA va)
{
    /* Special pool keeps its blocks' records by slot, not in the map. */
    if (mm_special_in_region(pool->special, va))
        return mm_special_find(pool->special, va);
    return des_map_get(&pool->blocks, va);
}

static ex_pool_area *area_of(ex_pool *pool, ULONG pool_type)
{
    return ex_pool_type_paged(pool_type) ? &pool->paged : &pool->nonpaged;
}

/* Takes page_count fresh pages from the top of an area; 0 when the machine's
 * memory is exhausted (a genuine failure, not an injected one). */
static PVOID_VA take_pages(ke_machine *m, ex_pool_area *area, uint64_t page_count, uint8_t fill,
                           bool pageable)
{
    ex_pool *pool = m->pool;
    if (page_count > pool->limit_pages - pool->used_pages)
        return 0;
    /* The region's address space runs out too (the virtual size of a pool is
     * bounded on Windows as well). */
    PVOID_VA end = mm_region_end(m->config.arch, area == &pool->paged ? MM_REGION_PAGED_POOL
                                                                      : MM_REGION_NONPAGED_POOL);
    if (page_count > (end - area->top_va) / PAGE_SIZE)
        return 0;
    if (m->mm->mapped_pages + page_count > MM_MAPPED_LIMIT_PAGES) {
        ke_stop_machine(m, KE_STOP_LIMIT,
                        "host memory limit reached: the run mapped more than %llu MiB of "
                        "simulated pool",
                        (unsigned long long)(MM_MAPPED_LIMIT_PAGES * PAGE_SIZE >> 20));
        return 0;
    }
    PVOID_VA va = area->top_va;
    if (!mm_map(m->mm, va, page_count, fill, pageable))
        ke_panic(m, __FILE__, __LINE__, "out of host memory mapping pool pages");
    area->top_va += page_count * PAGE_SIZE;
    pool->used_pages += page_count;
    ex_pool_conditions_update(m);
    return va;
}

/* A zeroed record from the slabs, in no map. */
static ex_block *new_record(ke_machine *m)
{
    ex_pool *pool = m->pool;
    if (pool->slab_count == 0 || pool->slab_used == EX_SLAB_BLOCKS) {
        ex_block **slabs = realloc(pool->slabs, (pool->slab_count + 1) * sizeof *slabs);
        if (slabs == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory recording a pool block");
        pool->slabs = slabs;
        /* Not zeroed here: a record is as it is handed out, so that a run
         * with few blocks does not zero a whole slab (issue 18). */
        slabs[pool->slab_count] = malloc(EX_SLAB_BLOCKS * sizeof(ex_block));
        if (slabs[pool->slab_count] == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory recording a pool block");
        pool->slab_count++;
        pool->slab_used = 0;
    }
    ex_block *b = &pool->slabs[pool->slab_count - 1][pool->slab_used++];
    memset(b, 0, sizeof *b);
    return b;
}

static ex_block *new_block(ke_machine *m, PVOID_VA va)
{
    ex_block *b = new_record(m);
    if (!des_map_put(&m->pool->blocks, va, b))
        ke_panic(m, __FILE__, __LINE__, "out of host memory recording a pool block");
    b->va = va;
    return b;
}

/* A small block of `granules`: a freed one of that size, else carved from
 * the page being carved, else from a new page. NULL when memory is out. */
static ex_block *place_small(ke_machine *m, ex_pool_area *area, uint16_t granules, bool pageable)
{
    ex_block *b = area->free_lists[granules];
    if (b != NULL) {
        area->free_lists[granules] = b->next_free;
        b->next_free = NULL;
        return b;
    }
    uint32_t gran = ex_pool_granularity(m->config.arch);
    uint64_t need = (uint64_t)granules * gran;
    if (area->next_va == 0 || area->next_va + need > area->page_end) {
        PVOID_VA page = take_pages(m, area, 1, 0, pageable);
        if (page == 0)
            return NULL;
        area->next_va = page;
        area->page_end = page + PAGE_SIZE;
        area->last_granules = 0;
    }
    b = new_block(m, area->next_va + gran);
    b->granules = granules;
    b->prev_granules = area->last_granules;
    area->last_granules = granules;
    area->next_va += need;
    return b;
}

/* The live or freed small block right after b in its page, or NULL. */
static const ex_block *next_block(const ke_machine *m, const ex_block *b)
{
    uint32_t gran = ex_pool_granularity(m->config.arch);
    PVOID_VA next_header = b->va - gran + (uint64_t)b->granules * gran;
    if (next_header % PAGE_SIZE == 0)
        return NULL;
    return ex_pool_find(m->pool, next_header + gran);
}

PVOID_VA ex_pool_header_damaged(const ke_machine *m, const ex_block *b)
{
    if (b->granules == 0)
        return 0; /* a page or more: no POOL_HEADER */
    PVOID_VA entry = b->va - ex_pool_granularity(m->config.arch);
    ex_header h, want = expected_header(b, b->prev_granules);
    ex_header_read(m, entry, &h);
    bool intact = h.block_size == want.block_size && h.pool_type == want.pool_type &&
                  h.previous_size == want.previous_size;
    return intact ? 0 : entry;
}

PVOID_VA ex_pool_overrun(const ke_machine *m, const ex_block *b, bool check_slack)
{
    if (b->granules == 0)
        return 0; /* big blocks have no header after them */
    uint32_t gran = ex_pool_granularity(m->config.arch);
    PVOID_VA end = b->va + (uint64_t)(b->granules - 1) * gran;
    if (check_slack) {
        uint8_t slack[16];
        size_t len = (size_t)(end - (b->va + b->size_bytes));
        if (len > 0 && mm_peek(m->mm, b->va + b->size_bytes, slack, len)) {
            for (size_t i = 0; i < len; i++) {
                if (slack[i] != b->pattern)
                    return b->va + b->size_bytes + i;
            }
        }
    }
    const ex_block *next = next_block(m, b);
    if (next == NULL)
        return 0;
    /* The next header as the pool wrote it, byte for byte. */
    ex_header want = expected_header(next, next->prev_granules);
    if (next->freed)
        want.pool_type = 0;
    uint8_t expect[16], seen[16];
    encode_header(m->config.arch, &want, expect);
    if (!mm_peek(m->mm, end, seen, gran))
        return 0;
    for (uint32_t i = 0; i < gran && i < 8; i++) {
        if (seen[i] != expect[i])
            return end + i;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Allocation                                                               */
/* ------------------------------------------------------------------------ */

/* Places and initialises a block; NULL when the pool is exhausted. */
static ex_block *place(ke_machine *m, ULONG pool_type, uint64_t size_bytes, ULONG tag)
{
    ex_pool *pool = m->pool;
    ex_pool_area *area = area_of(pool, pool_type);
    bool pageable = ex_pool_type_paged(pool_type);
    uint32_t gran = ex_pool_granularity(m->config.arch);
    /* Pool memory is not initialised: a pattern from the run's "pool" stream,
     * never zero, makes reads of uninitialised memory visible and repeatable. */
    uint8_t pattern = (uint8_t)(des_rng_next(&pool->rng_fill) | 1u);
    if (pool_type & POOL_ZERO_ALLOCATION)
        pattern = 0;
    ex_block *b;
    uint64_t granules = (size_bytes + gran - 1) / gran + 1;
    /* The largest small block leaves room for one more granule in its page
     * (POOL_BUDDY_MAX: 0xFE0 bytes on x64, 0xFF0 on x86); x64's 8-bit
     * BlockSize could not even say 256 granules. */
    if (granules * gran < PAGE_SIZE) {
        b = place_small(m, area, (uint16_t)granules, pageable);
        if (b == NULL)
            return NULL;
        b->pool_type = pool_type;
        b->tag = tag;
        ex_header h = expected_header(b, b->prev_granules);
        ex_header_write(m, b->va - gran, &h);
        mm_fill(m->mm, b->va, (granules - 1) * gran, pattern);
    } else {
        /* A page or more: its own pages, page aligned, no header. */
        uint64_t pages = (size_bytes + PAGE_SIZE - 1) / PAGE_SIZE;
        PVOID_VA va = take_pages(m, area, pages, pattern, pageable);
        if (va == 0)
            return NULL;
        b = ex_pool_find(pool, va);
        if (b == NULL)
            b = new_block(m, va);
        b->granules = 0;
    }
    b->size_bytes = size_bytes;
    b->tag = tag;
    b->pool_type = pool_type;
    b->pattern = pattern;
    b->freed = false;
    b->tracked = false;
    b->special = false;
    pool->live_blocks++;
    return b;
}

PVOID_VA ex_alloc_internal(ke_machine *m, ULONG pool_type, uint64_t size_bytes, ULONG tag)
{
    ex_block *b = place(m, pool_type | POOL_ZERO_ALLOCATION, size_bytes, tag);
    if (b == NULL)
        return 0;
    b->owner = NULL;
    b->site = (ke_site){.chunk = 0xFFFF, .line = 0};
    return b->va;
}

/* The kernel's checks of an allocation request; false if one fired. */
static bool check_allocation(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes, ULONG Tag)
{
    KIRQL irql = ke_call_irql(call);
    if (PoolType & MUST_SUCCEED_POOL_TYPE_MASK) {
        kd_raise(call, RULE_kpool_must_succeed, PoolType, NumberOfBytes, Tag);
        return false;
    }
    if (NumberOfBytes == 0) {
        kd_raise(call, RULE_kpool_zero_size, 0, PoolType, Tag);
        return false;
    }
    KIRQL max = ex_pool_type_paged(PoolType) ? APC_LEVEL : DISPATCH_LEVEL;
    if (irql > max) {
        kd_raise(call, RULE_kpool_alloc_bad_irql, irql, PoolType, NumberOfBytes);
        return false;
    }
    if (Tag == 0) {
        /* P4 is the caller's address; scenario code has none (0). */
        kd_raise(call, RULE_kpool_tag_zero, PoolType, NumberOfBytes, 0);
        return false;
    }
    if (!ex_tag_valid(Tag)) {
        kd_raise(call, RULE_kpool_tag_invalid, Tag, PoolType, 0);
        return false;
    }
    return true;
}

/* How an allocation DDI wants its request served. */
typedef struct ex_request {
    ULONG pool_type;
    uint64_t size_bytes;
    ULONG tag;
    bool raise_on_failure; /* raise STATUS_INSUFFICIENT_RESOURCES, not NULL */
    bool charge_quota;     /* charge the current process */
    uint32_t priority;     /* EX_POOL_PRIORITY, without the special pool bits */
    uint32_t placement;    /* its special pool bits: 8 Verify End, 9 Verify Start, 0 GFlags' */
    bool ask_special;      /* POOL_FLAG_SPECIAL_POOL: special pool if it can */
} ex_request;

/*
 * Whether the pool has room for a request of this priority. The system
 * keeps reserves: a LowPoolPriority request fails once the pool is 80% used,
 * a NormalPoolPriority one at 95%, a HighPoolPriority one only when it is
 * out (the thresholds are drvsim's; Windows documents only the order).
 */
static bool priority_allows(const ex_pool *pool, uint32_t priority)
{
    /* used * 100 / limit < 80, multiplied out (no division per request). */
    uint64_t used_x100 = pool->used_pages * 100;
    uint64_t limit = pool->limit_pages ? pool->limit_pages : 1;
    if (priority < NormalPoolPriority)
        return used_x100 < 80 * limit;
    if (priority < HighPoolPriority)
        return used_x100 < 95 * limit;
    return true;
}

static void charge_quota(ps_process *p, const ex_block *b, bool charge)
{
    uint64_t *bytes =
        ex_pool_type_paged(b->pool_type) ? &p->quota_paged_bytes : &p->quota_nonpaged_bytes;
    *bytes = charge ? *bytes + b->size_bytes : *bytes - b->size_bytes;
}

/* A block on a special pool page (mm/special.c), or NULL when special
 * pool is full. Its memory holds the page's pattern, or zeroes. */
static ex_block *place_special(ke_call *call, const ex_request *rq)
{
    ke_machine *m = call->m;
    uint8_t pattern;
    PVOID_VA va = mm_special_alloc(call, rq->pool_type, rq->size_bytes, rq->placement, &pattern);
    if (va == 0)
        return NULL;
    /* One record per slot, reused, kept by special pool rather than in the
     * map (ex_pool_find asks it): a live special allocation costs no map
     * entry. */
    ex_block **record = mm_special_record(m, va);
    ex_block *b = *record;
    if (b == NULL)
        b = *record = new_record(m);
    KE_CHECK(m, b->freed || b->size_bytes == 0);
    b->va = va;
    b->granules = 0;
    b->prev_granules = 0;
    b->size_bytes = rq->size_bytes;
    b->tag = rq->tag;
    b->pool_type = rq->pool_type;
    b->pattern = pattern;
    b->freed = false;
    b->tracked = false;
    b->special = true;
    if (rq->pool_type & POOL_ZERO_ALLOCATION)
        mm_fill(m->mm, va, rq->size_bytes, 0);
    m->pool->live_blocks++;
    return b;
}

static PVOID_VA allocate(ke_call *call, const ex_request *rq)
{
    ke_machine *m = call->m;
    /* Special pool's own IRQL check comes first, as MmAllocateSpecialPool
     * makes it before the pool's. */
    bool special = mm_special_wanted(call, rq->pool_type, rq->size_bytes, rq->tag, rq->ask_special);
    if (special && !mm_special_check_alloc(call, rq->pool_type, rq->size_bytes))
        return 0;
    if (!check_allocation(call, rq->pool_type, rq->size_bytes, rq->tag))
        return 0;
    ex_block *b = NULL;
    if (priority_allows(m->pool, rq->priority)) {
        if (special)
            b = place_special(call, rq); /* NULL when full: normal pool serves it */
        if (b == NULL && !ke_stopped(m))
            b = place(m, rq->pool_type, rq->size_bytes, rq->tag);
    }
    if (b == NULL) {
        if (rq->raise_on_failure)
            call->raised = STATUS_INSUFFICIENT_RESOURCES;
        return 0;
    }
    b->owner = call->driver;
    b->site = ke_call_site(m);
    b->quota_process = 0;
    if (rq->charge_quota) {
        ps_process *p = call->thread->process;
        b->quota_process = (uint8_t)(p->index + 1);
        charge_quota(p, b, true);
        if (b->granules != 0 && m->config.arch == KE_ARCH_X64) {
            /* ProcessBilled, the header's second half on x64. */
            uint32_t gran = ex_pool_granularity(m->config.arch);
            mm_poke(m->mm, b->va - gran + 8, &p->eprocess, 8);
        }
    }
    return b->va;
}

PVOID_VA ex_alloc_special_internal(ke_call *call, ULONG pool_type, uint64_t size_bytes, ULONG tag)
{
    /* The kernel's own block, owned by no driver, asked of the special pool
     * as POOL_FLAG_SPECIAL_POOL asks: a page of its own while there is
     * room, else normal pool. No quota, no raise, the highest priority. */
    ke_call kernel = *call;
    kernel.driver = NULL;
    ex_request rq = {pool_type, size_bytes, tag, false, false, HighPoolPriority, 0, true};
    return allocate(&kernel, &rq);
}

PVOID_VA ExAllocatePool(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes)
{
    ex_request rq = {PoolType,    NumberOfBytes,
                     EX_TAG_NONE, (PoolType & POOL_RAISE_IF_ALLOCATION_FAILURE) != 0,
                     false,       NormalPoolPriority,
                     0,           false};
    return allocate(call, &rq);
}

PVOID_VA ExAllocatePoolWithTag(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes, ULONG Tag)
{
    ex_request rq = {
        PoolType, NumberOfBytes,      Tag, (PoolType & POOL_RAISE_IF_ALLOCATION_FAILURE) != 0,
        false,    NormalPoolPriority, 0,   false};
    return allocate(call, &rq);
}

PVOID_VA ExAllocatePoolWithQuotaTag(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes,
                                    ULONG Tag)
{
    /* Raises on failure unless told not to: the opposite of the others. */
    ex_request rq = {PoolType & ~POOL_QUOTA_FAIL_INSTEAD_OF_RAISE,
                     NumberOfBytes,
                     Tag,
                     (PoolType & POOL_QUOTA_FAIL_INSTEAD_OF_RAISE) == 0,
                     true,
                     NormalPoolPriority,
                     0,
                     false};
    return allocate(call, &rq);
}

PVOID_VA ExAllocatePoolWithTagPriority(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes,
                                       ULONG Tag, ULONG Priority)
{
    /* +8 / +9 choose the special pool placement (Verify End / Start): they
     * change nothing for an allocation that is not special-pooled. */
    ex_request rq = {PoolType,
                     NumberOfBytes,
                     Tag,
                     (PoolType & POOL_RAISE_IF_ALLOCATION_FAILURE) != 0,
                     false,
                     Priority & ~15u,
                     Priority & 15u,
                     false};
    return allocate(call, &rq);
}

bool ex_pool2_type(uint64_t flags, ULONG *pool_type)
{
    uint64_t required = flags & 0xFFFFFFFFull;
    if (required & ~POOL_FLAGS_REQUIRED_KNOWN)
        return false;
    if (required & POOL_FLAG_SESSION)
        return false; /* OS only: session pool is not for drivers */
    switch (required & (POOL_FLAG_NON_PAGED | POOL_FLAG_NON_PAGED_EXECUTE | POOL_FLAG_PAGED)) {
    case POOL_FLAG_NON_PAGED:
        *pool_type = NonPagedPoolNx;
        return true;
    case POOL_FLAG_NON_PAGED_EXECUTE:
        *pool_type = NonPagedPool;
        return true;
    case POOL_FLAG_PAGED:
        *pool_type = PagedPool;
        return true;
    default:
        return false; /* none, or more than one */
    }
}

/* ExAllocatePool2's semantics, with a priority from ExAllocatePool3. */
static PVOID_VA allocate2(ke_call *call, uint64_t Flags, uint64_t NumberOfBytes, ULONG Tag,
                          uint32_t priority)
{
    ex_request rq = {0,
                     NumberOfBytes,
                     Tag,
                     (Flags & POOL_FLAG_RAISE_ON_FAILURE) != 0,
                     (Flags & POOL_FLAG_USE_QUOTA) != 0,
                     priority,
                     0,
                     false};
    /* Bad flags and tag 0 are failures here, not bug checks. */
    if (!ex_pool2_type(Flags, &rq.pool_type) || Tag == 0) {
        if (rq.raise_on_failure)
            call->raised = STATUS_INVALID_PARAMETER;
        return 0;
    }
    rq.ask_special = (Flags & POOL_FLAG_SPECIAL_POOL) != 0;
    /* Zeroed unless the caller opts out: ExAllocatePool2's whole point. */
    if (!(Flags & POOL_FLAG_UNINITIALIZED))
        rq.pool_type |= POOL_ZERO_ALLOCATION;
    return allocate(call, &rq);
}

PVOID_VA ExAllocatePool2(ke_call *call, uint64_t Flags, uint64_t NumberOfBytes, ULONG Tag)
{
    return allocate2(call, Flags, NumberOfBytes, Tag, NormalPoolPriority);
}

/* POOL_EXTENDED_PARAMETER: Type (bits 0..7 of the first 8 bytes), then the
 * value in the next 8. Types: 1 priority, 2 secure pool, 3 NUMA node. */
#define POOL_EXTENDED_PARAMETER_SIZE 16u

PVOID_VA ExAllocatePool3(ke_call *call, uint64_t Flags, uint64_t NumberOfBytes, ULONG Tag,
                         PVOID_VA ExtendedParameters, ULONG ExtendedParametersCount)
{
    uint32_t priority = NormalPoolPriority;
    for (ULONG i = 0; i < ExtendedParametersCount; i++) {
        uint64_t entry[2];
        PVOID_VA at = ExtendedParameters + (uint64_t)i * POOL_EXTENDED_PARAMETER_SIZE;
        if (!mm_access(call, at, entry, sizeof entry, false))
            return 0; /* the fault stopped the machine */
        switch (entry[0] & 0xFF) {
        case 1:
            priority = (uint32_t)entry[1] & ~15u;
            break;
        case 3:
            break; /* a NUMA node: drvsim has one node */
        default:
            /* Secure pool needs virtualisation-based security, which the
             * simulated machine does not have: the call fails. */
            if (Flags & POOL_FLAG_RAISE_ON_FAILURE)
                call->raised = STATUS_INVALID_PARAMETER;
            return 0;
        }
    }
    return allocate2(call, Flags, NumberOfBytes, Tag, priority);
}

/* ------------------------------------------------------------------------ */
/* Free                                                                     */
/* ------------------------------------------------------------------------ */

/* The kernel's header checks of a small block being freed (BAD_POOL_HEADER,
 * as ExFreePoolWithTag makes them): its own header, and the agreement of the
 * next block's PreviousSize with its BlockSize. False if one fired. */
static bool check_headers(ke_call *call, const ex_block *b)
{
    ke_machine *m = call->m;
    uint32_t gran = ex_pool_granularity(m->config.arch);
    PVOID_VA entry = b->va - gran;
    ex_header h;
    ex_header_read(m, entry, &h);
    if (h.block_size == 0) {
        const uint64_t p[4] = {0x8, 0, 0, entry};
        kd_raise_full(call, RULE_kpool_header_corrupt, 0x19, p, NULL, "block size is zero");
        return false;
    }
    ex_header want = expected_header(b, b->prev_granules);
    if (h.block_size != want.block_size || h.pool_type != want.pool_type) {
        const uint64_t p[4] = {0x7, 0, 0, entry};
        kd_raise_full(call, RULE_kpool_header_corrupt, 0x19, p, NULL, "block size corrupt");
        return false;
    }
    if (h.previous_size != want.previous_size) {
        const uint64_t p[4] = {0x5, entry - (uint64_t)b->prev_granules * gran, 0, entry};
        kd_raise_full(call, RULE_kpool_header_corrupt, 0x19, p, NULL,
                      "this block's PreviousSize contradicts the block before it");
        return false;
    }
    const ex_block *next = next_block(m, b);
    if (next != NULL) {
        ex_header n;
        PVOID_VA next_entry = next->va - gran;
        ex_header_read(m, next_entry, &n);
        if (n.previous_size != b->granules) {
            const uint64_t p[4] = {0x5, entry, 0, next_entry};
            kd_raise_full(call, RULE_kpool_header_corrupt, 0x19, p, NULL,
                          "the next block's PreviousSize contradicts this block's size: "
                          "an overrun");
            return false;
        }
    }
    return true;
}

static void free_block(ke_call *call, PVOID_VA P, bool check_tag, ULONG Tag)
{
    ke_machine *m = call->m;
    /* Special pool checks its own addresses first (0xC1). */
    bool special = mm_special_contains(m, P);
    ex_block *b = special ? mm_special_check_free(call, P) : ex_pool_find(m->pool, P);
    if (special && b == NULL)
        return;
    if (b == NULL) {
        kd_raise(call, RULE_kpool_free_not_pool, P, 0, 0);
        return;
    }
    if (b->freed) {
        PVOID_VA header_va;
        uint64_t contents = ex_pool_header(m, P, &header_va);
        kd_raise(call, RULE_kpool_double_free, 0, contents, P);
        return;
    }
    KIRQL irql = ke_call_irql(call);
    KIRQL max = ex_pool_type_paged(b->pool_type) ? APC_LEVEL : DISPATCH_LEVEL;
    if (irql > max) {
        kd_raise(call, RULE_kpool_free_bad_irql, irql, b->pool_type, P);
        return;
    }
    /* PROTECTED_POOL, the tag's high bit, is not part of the comparison. */
    if (check_tag && (Tag & 0x7FFFFFFFu) != (b->tag & 0x7FFFFFFFu)) {
        kd_raise(call, RULE_kpool_free_wrong_tag, P, b->tag, Tag);
        return;
    }
    if (b->granules != 0 && !check_headers(call, b))
        return;
    /* A timer still set or a DPC still queued in the block: when it fires,
     * the kernel walks freed memory. */
    uint64_t span = b->granules != 0 || b->special
                        ? b->size_bytes
                        : (b->size_bytes + PAGE_SIZE - 1) / PAGE_SIZE * PAGE_SIZE;
    ke_timer *timer = ke_timer_in_range(m, P, P + span);
    if (timer != NULL) {
        kd_raise(call, RULE_ktimer_in_freed_memory, timer->va, P, P + span);
        return;
    }
    ke_dpc *dpc = ke_dpc_in_range(m, P, P + span);
    if (dpc != NULL) {
        kd_raise(call, RULE_kdpc_in_freed_memory, dpc->va, P, P + span);
        return;
    }
    if (b->special && !mm_special_check_pattern(call, b))
        return;

    if (ke_hook_wanted(m, KE_EVENT_POOL_FREED)) {
        const ke_event ev = {.kind = KE_EVENT_POOL_FREED,
                             .irql = irql,
                             .call = call,
                             .exec = call->exec,
                             .thread = call->thread,
                             .driver = call->driver,
                             .address = P,
                             .size = b->size_bytes};
        ke_hook_send(m, &ev);
        if (ke_stopped(m))
            return;
    }
    b->freed = true;
    m->pool->live_blocks--;
    if (m->remove_locks != NULL)
        io_remove_locks_freed(m, P, P + span);
    io_irps_memory_freed(m, P, P + span);
    if (b->quota_process != 0)
        charge_quota(m->processes[b->quota_process - 1], b, false);
    if (b->tracked)
        vf_pool_untrack(m, b); /* as ExFreePool calls the verifier for its blocks */
    if (b->special) {
        mm_special_release(m, b); /* its page unmapped: touching it is 0xCC / 0xD5 */
    } else if (b->granules != 0) {
        uint32_t gran = ex_pool_granularity(m->config.arch);
        ex_header h = expected_header(b, b->prev_granules);
        h.pool_type = 0; /* free */
        ex_header_write(m, b->va - gran, &h);
        ex_pool_area *area = area_of(m->pool, b->pool_type);
        b->next_free = area->free_lists[b->granules];
        area->free_lists[b->granules] = b;
    } else {
        /* A big block's pages go back: touching them again faults. */
        uint64_t pages = (b->size_bytes + PAGE_SIZE - 1) / PAGE_SIZE;
        mm_unmap(m->mm, b->va, pages);
        m->pool->used_pages -= pages;
        ex_pool_conditions_update(m);
    }
}

void ExFreePool(ke_call *call, PVOID_VA P)
{
    free_block(call, P, false, 0);
}

void ExFreePoolWithTag(ke_call *call, PVOID_VA P, ULONG Tag)
{
    free_block(call, P, true, Tag);
}

/* ------------------------------------------------------------------------ */
/* GDI: EngAllocMem / EngFreeMem                                            */
/* ------------------------------------------------------------------------ */

/*
 * win32k's allocator for display and print drivers, which do not call the
 * pool directly: paged pool unless FL_NONPAGED_MEMORY, zeroed with
 * FL_ZERO_MEMORY. A size of 0 is refused (NULL), as win32k refuses it. With
 * special pool on for a verified graphics driver, its blocks come from
 * special pool (seed 003 2.1.2.1). IRQL: PASSIVE_LEVEL (GDI calls it there).
 */
PVOID_VA EngAllocMem(ke_call *call, ULONG Flags, ULONG cjMemSize, ULONG ulTag)
{
    if (cjMemSize == 0)
        return 0;
    ex_request rq = {(Flags & FL_NONPAGED_MEMORY) ? NonPagedPool : PagedPool,
                     cjMemSize,
                     ulTag,
                     false,
                     false,
                     NormalPoolPriority,
                     0,
                     false};
    if (Flags & FL_ZERO_MEMORY)
        rq.pool_type |= POOL_ZERO_ALLOCATION;
    return allocate(call, &rq);
}

/* Frees what EngAllocMem returned, with ExFreePool's checks. */
void EngFreeMem(ke_call *call, PVOID_VA pv)
{
    free_block(call, pv, false, 0);
}
