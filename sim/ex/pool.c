/*
 * pool.c - the executive pools, simple form (see pool.h), and the kernel's
 * pool DDIs with the checks Windows makes without the verifier (0xC2).
 *
 * Simple form: each pool is a bump allocator over its own region; freed
 * blocks are remembered (to catch double frees) and their memory is not
 * reused. The pools issue replaces this with Windows' page-and-header layout,
 * lookaside reuse and header damage detection.
 */
#include <stdlib.h>
#include <string.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "kd/kd.h"
#include "mm/mm.h"

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
    return pool;
}

void ex_pool_destroy(ex_pool *pool)
{
    if (pool == NULL)
        return;
    for (size_t i = 0; i < pool->all_count; i++)
        free(pool->all[i]);
    free(pool->all);
    des_map_fini(&pool->blocks);
    free(pool);
}

ex_block *ex_pool_find(const ex_pool *pool, PVOID_VA va)
{
    return des_map_get(&pool->blocks, va);
}

/* Takes page_count fresh pages from the top of an area. */
static PVOID_VA take_pages(ke_machine *m, ex_pool_area *area, uint64_t page_count)
{
    ex_pool *pool = m->pool;
    if (page_count > pool->limit_pages - pool->used_pages)
        return 0; /* the machine's memory is exhausted: a genuine failure */
    PVOID_VA va = area->top_va;
    if (!mm_map(m->mm, va, page_count, 0))
        ke_panic(m, __FILE__, __LINE__, "out of host memory mapping pool pages");
    area->top_va += page_count * PAGE_SIZE;
    pool->used_pages += page_count;
    return va;
}

/* Writes a POOL_HEADER in front of a small block, as the debugger shows it:
 * PreviousSize, PoolIndex, BlockSize (in granules), PoolType, then the tag. */
static void write_header(ke_machine *m, PVOID_VA block, uint64_t granules, ULONG pool_type,
                         ULONG tag)
{
    uint32_t gran = ex_pool_granularity(m->config.arch);
    uint8_t header[16] = {0};
    header[2] = (uint8_t)granules;
    header[3] = (uint8_t)((pool_type & BASE_POOL_TYPE_MASK) + 1); /* 0 means free */
    memcpy(header + 4, &tag, 4);
    mm_poke(m->mm, block - gran, header, gran);
}

static void fill(ke_machine *m, PVOID_VA va, uint64_t len, uint8_t byte)
{
    while (len > 0) {
        mm_page *p = mm_lookup(m->mm, va);
        size_t offset = va & (PAGE_SIZE - 1);
        size_t chunk = PAGE_SIZE - offset < len ? PAGE_SIZE - offset : (size_t)len;
        memset(p->data + offset, byte, chunk);
        va += chunk;
        len -= chunk;
    }
}

/* Places a block; returns its address or 0 when the pool is exhausted. */
static PVOID_VA place(ke_machine *m, ULONG pool_type, uint64_t size_bytes, ULONG tag)
{
    ex_pool *pool = m->pool;
    ex_pool_area *area = ex_pool_type_paged(pool_type) ? &pool->paged : &pool->nonpaged;
    uint32_t gran = ex_pool_granularity(m->config.arch);
    PVOID_VA va;
    if (size_bytes <= PAGE_SIZE - gran) {
        /* A small block: header + data rounded up to the granularity, never
         * across a page boundary. */
        uint64_t granules = (size_bytes + gran - 1) / gran + 1;
        uint64_t need = granules * gran;
        if (area->next_va == 0 || area->next_va + need > area->page_end) {
            PVOID_VA page = take_pages(m, area, 1);
            if (page == 0)
                return 0;
            area->next_va = page;
            area->page_end = page + PAGE_SIZE;
        }
        va = area->next_va + gran;
        area->next_va += need;
        write_header(m, va, granules, pool_type, tag);
    } else {
        /* A page or more: page aligned, no header in the page. */
        va = take_pages(m, area, (size_bytes + PAGE_SIZE - 1) / PAGE_SIZE);
        if (va == 0)
            return 0;
    }
    /* Pool memory is not initialised: a pattern from the run's "pool" stream,
     * never zero, makes reads of uninitialised memory visible yet repeatable. */
    uint8_t pattern = (uint8_t)(des_rng_next(&pool->rng_fill) | 1u);
    if (pool_type & POOL_ZERO_ALLOCATION)
        pattern = 0;
    fill(m, va, size_bytes, pattern);
    return va;
}

static ex_block *record_block(ke_machine *m, PVOID_VA va, uint64_t size_bytes, ULONG pool_type,
                              ULONG tag, io_driver *owner)
{
    ex_pool *pool = m->pool;
    ex_block *b = calloc(1, sizeof *b);
    if (b == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory recording a pool block");
    if (pool->all_count == pool->all_capacity) {
        size_t capacity = pool->all_capacity ? pool->all_capacity * 2 : 256;
        ex_block **grown = realloc(pool->all, capacity * sizeof *grown);
        if (grown == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory recording a pool block");
        pool->all = grown;
        pool->all_capacity = capacity;
    }
    b->va = va;
    b->size_bytes = size_bytes;
    b->tag = tag;
    b->pool_type = pool_type;
    b->owner = owner;
    b->site = m->host.site(m->host.ctx);
    /* A block address is reused only by a new allocation at the same place,
     * which the simple form never makes. */
    ex_block *old = des_map_get(&pool->blocks, va);
    KE_CHECK(m, old == NULL);
    if (!des_map_put(&pool->blocks, va, b))
        ke_panic(m, __FILE__, __LINE__, "out of host memory recording a pool block");
    pool->all[pool->all_count++] = b;
    return b;
}

PVOID_VA ex_alloc_internal(ke_machine *m, ULONG pool_type, uint64_t size_bytes, ULONG tag)
{
    PVOID_VA va = place(m, pool_type | POOL_ZERO_ALLOCATION, size_bytes, tag);
    if (va != 0)
        record_block(m, va, size_bytes, pool_type, tag, NULL);
    return va;
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

static PVOID_VA allocate(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes, ULONG Tag)
{
    if (!check_allocation(call, PoolType, NumberOfBytes, Tag))
        return 0;
    PVOID_VA va = place(call->m, PoolType, NumberOfBytes, Tag);
    if (va == 0) {
        if (PoolType & POOL_RAISE_IF_ALLOCATION_FAILURE)
            call->raised = STATUS_INSUFFICIENT_RESOURCES;
        return 0;
    }
    record_block(call->m, va, NumberOfBytes, PoolType, Tag, call->driver);
    return va;
}

PVOID_VA ExAllocatePool(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes)
{
    return allocate(call, PoolType, NumberOfBytes, EX_TAG_NONE);
}

PVOID_VA ExAllocatePoolWithTag(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes, ULONG Tag)
{
    return allocate(call, PoolType, NumberOfBytes, Tag);
}

uint64_t ex_pool_header(const ke_machine *m, PVOID_VA va, PVOID_VA *header_va)
{
    uint32_t gran = ex_pool_granularity(m->config.arch);
    uint64_t contents = 0;
    *header_va = 0;
    if (va % PAGE_SIZE != 0) {
        *header_va = va - gran;
        mm_peek(m->mm, *header_va, &contents, gran < 8 ? gran : 8);
    }
    return contents;
}

static void free_block(ke_call *call, PVOID_VA P, bool check_tag, ULONG Tag)
{
    ke_machine *m = call->m;
    ex_block *b = ex_pool_find(m->pool, P);
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
    b->freed = true;
    PVOID_VA header_va;
    ex_pool_header(m, P, &header_va);
    if (header_va != 0) {
        uint8_t free_type = 0; /* PoolType 0 in the header marks a free block */
        mm_poke(m->mm, header_va + 3, &free_type, 1);
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
