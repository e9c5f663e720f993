/*
 * lookaside.c - lookaside lists (see lookaside.h).
 *
 * The list's GENERAL_LOOKASIDE fields live in the caller's storage at their
 * wdm.h offsets and are kept current, so a driver (or a debugger) reading
 * TotalAllocates or Depth sees what Windows would show; ListHead is kept as
 * a single list whose first pointer is the top free block, each free block
 * holding the next in its first pointer.
 *
 * ExAllocateFrom... and ExFreeTo... are inline functions in wdm.h: their
 * fall-through to the pool is the driver's own call of ExAllocatePoolWithTag
 * and ExFreePool, made here through the caller's import table, so a
 * verified driver's misses get the verifier's pool checks and tracking.
 *
 * IRQL (WDK): nonpaged lists at <= DISPATCH_LEVEL, paged lists at <=
 * APC_LEVEL; a paged list's pool misses at DISPATCH_LEVEL meet the pool's
 * own IRQL checks.
 */
#include <stdlib.h>
#include <string.h>

#include "ddi_table.h"
#include "ex/lookaside.h"
#include "ex/pool.h"
#include "kd/kd.h"
#include "ke/hooks.h"
#include "ke/types.h"
#include "mm/mm.h"

uint32_t ex_lookaside_minimum_size(ke_arch arch)
{
    return arch == KE_ARCH_X86 ? 4u : 16u;
}

ex_lookaside *ex_lookaside_at(const ke_machine *m, PVOID_VA va)
{
    return m->lookasides != NULL ? des_map_get(&m->lookasides->by_va, va) : NULL;
}

ex_lookaside *ex_lookaside_in(const ke_machine *m, PVOID_VA start, PVOID_VA end)
{
    if (m->lookasides == NULL)
        return NULL;
    for (ex_lookaside *l = m->lookasides->head; l != NULL; l = l->next) {
        if (l->va >= start && l->va < end)
            return l;
    }
    return NULL;
}

static ke_type_id type_of(const ex_lookaside *l)
{
    if (l->ex)
        return KE_TYPE_LOOKASIDE_LIST_EX;
    return l->paged ? KE_TYPE_PAGED_LOOKASIDE_LIST : KE_TYPE_NPAGED_LOOKASIDE_LIST;
}

/* Writes a field of the list as the caller's store; false if it faulted. */
static bool set_field(ke_call *call, const ex_lookaside *l, const char *name, uint64_t v)
{
    return ke_field_set(call, l->va, ke_type_field(type_of(l), name), v);
}

/* The counters the kernel keeps in the list; false if the store faulted. */
static bool write_counters(ke_call *call, const ex_lookaside *l)
{
    PVOID_VA top = l->free_count > 0 ? l->free_blocks[l->free_count - 1] : 0;
    return set_field(call, l, "ListHead", top) && set_field(call, l, "Depth", l->depth) &&
           set_field(call, l, "TotalAllocates", l->total_allocates) &&
           set_field(call, l, "AllocateMisses", l->allocate_misses) &&
           set_field(call, l, "TotalFrees", l->total_frees) &&
           set_field(call, l, "FreeMisses", l->free_misses);
}

/*
 * The depth the kernel gives a list from its last second's allocations and
 * misses (ExpComputeLookasideDepth): fewer than 25 allocations lower it by
 * 10; a miss rate under 0.5% lowers it by 1; otherwise it grows with the
 * miss rate, by up to half the maximum plus 5. Always within [4, maximum].
 */
static uint16_t compute_depth(uint32_t allocates, uint32_t misses, uint16_t maximum, uint16_t depth)
{
    int64_t target = depth;
    if (allocates < 25) {
        target -= 10;
    } else {
        uint64_t ratio = (uint64_t)misses * 1000 / allocates;
        if (ratio < 5) {
            target -= 1;
        } else {
            ratio -= 5;
            if (ratio > 1000)
                ratio = 1000;
            target += (int64_t)(ratio * maximum / 2000) + 5;
        }
    }
    if (target < (int64_t)EX_LOOKASIDE_MINIMUM_DEPTH)
        target = EX_LOOKASIDE_MINIMUM_DEPTH;
    if (target > maximum)
        target = maximum;
    return (uint16_t)target;
}

static void unlink_active(ex_lookasides *ls, ex_lookaside *l)
{
    if (l->prev != NULL)
        l->prev->next = l->next;
    else
        ls->head = l->next;
    if (l->next != NULL)
        l->next->prev = l->prev;
    else
        ls->tail = l->prev;
    l->next = l->prev = NULL;
    l->active = false;
    if (ls->head == NULL)
        des_cancel(&ls->m->des, &ls->scan);
}

/* Once a second, on the balance set manager's thread: every active list's
 * depth is adjusted. Its list entries are read there, so a list whose
 * memory went (an unloaded image) faults in the kernel. */
static void scan_fire(des_sim *sim, des_event *ev)
{
    (void)sim;
    ex_lookasides *ls = DES_CONTAINER_OF(ev, ex_lookasides, scan);
    ke_machine *m = ls->m;
    ke_exec *e = &m->cpus[0].current->exec;
    ke_call call = {.m = m, .exec = e, .thread = e->thread, .driver = NULL, .ddi = 0xFFFF};
    for (ex_lookaside *l = ls->head; l != NULL; l = l->next) {
        const ke_field *entry = ke_type_field(type_of(l), "ListEntry");
        PVOID_VA touched = l->va + entry->offset[m->config.arch];
        if (mm_lookup(m->mm, touched) == NULL) {
            io_driver *d = l->owner;
            if (d != NULL && !d->loaded && touched >= d->image_base &&
                touched < d->image_base + IO_IMAGE_STRIDE) {
                /* P1 the address referenced, P2 0 (a read), P3 the code
                 * (the kernel's ExAdjustLookasideDepth: not modelled, 0). */
                const uint64_t p[4] = {touched, 0, 0, 0};
                kd_raise_full(&call, RULE_klookaside_in_unloaded_image, 0xCE, p, d,
                              "a lookaside list in the unloaded image is still on the kernel's "
                              "list: ExDelete...LookasideList was not called");
                return;
            }
            uint64_t link = 0;
            mm_access(&call, touched, &link, sizeof link, false); /* faults as the kernel */
            return;
        }
        uint32_t allocates = l->total_allocates - l->last_total_allocates;
        uint32_t misses = l->allocate_misses - l->last_allocate_misses;
        l->depth = compute_depth(allocates, misses, l->maximum_depth, l->depth);
        l->last_total_allocates = l->total_allocates;
        l->last_allocate_misses = l->allocate_misses;
        ke_arch arch = m->config.arch;
        const ke_field *f = ke_type_field(type_of(l), "Depth");
        mm_poke(m->mm, l->va + f->offset[arch], &l->depth, 2);
        f = ke_type_field(type_of(l), "LastTotalAllocates");
        mm_poke(m->mm, l->va + f->offset[arch], &l->last_total_allocates, 4);
        f = ke_type_field(type_of(l), "LastAllocateMisses");
        mm_poke(m->mm, l->va + f->offset[arch], &l->last_allocate_misses, 4);
    }
    if (ls->head != NULL &&
        !des_schedule(&m->des, &ls->scan, m->des.now_100ns + EX_LOOKASIDE_SCAN_100NS))
        ke_panic(m, __FILE__, __LINE__, "out of host memory scheduling the lookaside scan");
}

bool ex_lookaside_scan_inert(const ke_machine *m)
{
    const ex_lookasides *ls = m->lookasides;
    if (ls == NULL || !des_event_queued(&ls->scan))
        return false;
    for (const ex_lookaside *l = ls->head; l != NULL; l = l->next) {
        const ke_field *entry = ke_type_field(type_of(l), "ListEntry");
        if (mm_lookup(m->mm, l->va + entry->offset[m->config.arch]) == NULL)
            return false;
    }
    return true;
}

static ex_lookasides *lookasides_of(ke_machine *m)
{
    if (m->lookasides == NULL) {
        m->lookasides = calloc(1, sizeof *m->lookasides);
        if (m->lookasides == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory creating lookaside lists");
        des_map_init(&m->lookasides->by_va);
        des_event_init(&m->lookasides->scan, scan_fire);
        m->lookasides->m = m;
    }
    return m->lookasides;
}

/* pool_type: the list's POOL_TYPE with its modifiers; ex: a
 * LOOKASIDE_LIST_EX. False when the storage faulted or the run stopped. */
static bool initialize(ke_call *call, PVOID_VA Lookaside, uint32_t Allocate, uint32_t Free,
                       ULONG pool_type, uint64_t Size, ULONG Tag, bool paged, bool ex)
{
    ke_machine *m = call->m;
    if (Allocate != 0 || Free != 0) {
        /* The kernel cannot call a driver routine from inside a DDI here. */
        ke_stop_machine(m, KE_STOP_SCENARIO_ERROR,
                        "ExInitialize%sLookasideList%s: custom Allocate and Free routines are "
                        "not simulated (pass nil for both)",
                        ex ? "" : paged ? "Paged" : "NPaged", ex ? "Ex" : "");
        return false;
    }
    ex_lookasides *ls = lookasides_of(m);
    ex_lookaside *l = des_map_get(&ls->by_va, Lookaside);
    if (l == NULL) {
        l = calloc(1, sizeof *l);
        if (l == NULL || !des_map_put(&ls->by_va, Lookaside, l))
            ke_panic(m, __FILE__, __LINE__, "out of host memory initialising a lookaside list");
    } else if (l->active) {
        /* Initialised again: it is inserted in the kernel's list a second
         * time, and the blocks it held are lost to the pool. */
        unlink_active(ls, l);
    }
    memset(l, 0, sizeof *l);
    l->va = Lookaside;
    l->paged = paged;
    l->ex = ex;
    l->owner = call->driver;
    l->pool_type = pool_type;
    l->tag = Tag;
    l->size_bytes = (uint32_t)Size;
    l->depth = EX_LOOKASIDE_MINIMUM_DEPTH; /* the Depth argument is reserved */
    l->maximum_depth = EX_LOOKASIDE_MAXIMUM_DEPTH;
    if (!write_counters(call, l) || !set_field(call, l, "MaximumDepth", l->maximum_depth) ||
        !set_field(call, l, "Type", l->pool_type) || !set_field(call, l, "Tag", Tag) ||
        !set_field(call, l, "Size", l->size_bytes) || !set_field(call, l, "Allocate", 0) ||
        !set_field(call, l, "Free", 0)) {
        des_map_remove(&ls->by_va, Lookaside);
        free(l);
        return false; /* the storage faulted */
    }
    l->active = true;
    l->prev = ls->tail;
    if (ls->tail != NULL)
        ls->tail->next = l;
    else
        ls->head = l;
    ls->tail = l;
    if (!des_event_queued(&ls->scan) &&
        !des_schedule(&m->des, &ls->scan, m->des.now_100ns + EX_LOOKASIDE_SCAN_100NS))
        ke_panic(m, __FILE__, __LINE__, "out of host memory scheduling the lookaside scan");
    return true;
}

/* The pool routines the caller's inline code calls. */
static const ddi_imports *imports_of(const ke_call *call)
{
    return call->driver != NULL ? &call->driver->imports : &ddi_kernel_exports;
}

static PVOID_VA allocate(ke_call *call, PVOID_VA Lookaside)
{
    ex_lookaside *l = ex_lookaside_at(call->m, Lookaside);
    if (l == NULL || !l->active) {
        /* Not a list: the inline code pops from whatever is there. A bad
         * pointer faults; zeroed storage gives an empty pop and a NULL
         * Allocate routine, a jump to 0. */
        uint64_t head = 0;
        if (mm_access(call, Lookaside, &head, 8, false))
            mm_access(call, 0, &head, 1, false);
        return 0;
    }
    l->total_allocates++;
    /* An SList pop on Windows: a block freed to the list by another context
     * is handed over with what that context did (the race detector). */
    ke_hook_sync(call, KE_EVENT_ATOMIC, Lookaside);
    PVOID_VA block = 0;
    if (l->free_count > 0) {
        block = l->free_blocks[--l->free_count];
    } else {
        l->allocate_misses++;
        block = imports_of(call)->ExAllocatePoolWithTag(call, l->pool_type, l->size_bytes, l->tag);
    }
    if (ke_stopped(call->m) || !write_counters(call, l))
        return 0;
    return block;
}

static void free_to(ke_call *call, PVOID_VA Lookaside, PVOID_VA Entry)
{
    ke_machine *m = call->m;
    ex_lookaside *l = ex_lookaside_at(m, Lookaside);
    if (l == NULL || !l->active) {
        uint64_t head = 0;
        if (mm_access(call, Lookaside, &head, 8, false))
            mm_access(call, 0, &head, 1, false);
        return;
    }
    l->total_frees++;
    ke_hook_sync(call, KE_EVENT_ATOMIC, Lookaside); /* an SList push on Windows */
    if (l->free_count >= l->depth) {
        l->free_misses++;
        imports_of(call)->ExFreePool(call, Entry);
    } else {
        /* The block holds the link to the one below it. */
        PVOID_VA below = l->free_count > 0 ? l->free_blocks[l->free_count - 1] : 0;
        if (!mm_access(call, Entry, &below, m->config.arch == KE_ARCH_X86 ? 4 : 8, true))
            return;
        l->free_blocks[l->free_count++] = Entry;
    }
    if (!ke_stopped(m))
        write_counters(call, l);
}

static void delete_list(ke_call *call, PVOID_VA Lookaside)
{
    ke_machine *m = call->m;
    ex_lookaside *l = ex_lookaside_at(m, Lookaside);
    if (l == NULL || !l->active)
        return; /* not on the kernel's list: nothing to remove, nothing to free */
    unlink_active(m->lookasides, l);
    /* Every block it holds goes back to the pool. */
    while (l->free_count > 0 && !ke_stopped(m))
        imports_of(call)->ExFreePool(call, l->free_blocks[--l->free_count]);
}

void ExInitializeNPagedLookasideList(ke_call *call, PVOID_VA Lookaside, uint32_t Allocate,
                                     uint32_t Free, ULONG Flags, uint64_t Size, ULONG Tag,
                                     ULONG Depth)
{
    (void)Depth; /* reserved: the kernel manages the depth */
    initialize(call, Lookaside, Allocate, Free, NonPagedPool | Flags, Size, Tag, false, false);
}

void ExInitializePagedLookasideList(ke_call *call, PVOID_VA Lookaside, uint32_t Allocate,
                                    uint32_t Free, ULONG Flags, uint64_t Size, ULONG Tag,
                                    ULONG Depth)
{
    (void)Depth;
    initialize(call, Lookaside, Allocate, Free, PagedPool | Flags, Size, Tag, true, false);
}

PVOID_VA ExAllocateFromNPagedLookasideList(ke_call *call, PVOID_VA Lookaside)
{
    return allocate(call, Lookaside);
}

PVOID_VA ExAllocateFromPagedLookasideList(ke_call *call, PVOID_VA Lookaside)
{
    return allocate(call, Lookaside);
}

void ExFreeToNPagedLookasideList(ke_call *call, PVOID_VA Lookaside, PVOID_VA Entry)
{
    free_to(call, Lookaside, Entry);
}

void ExFreeToPagedLookasideList(ke_call *call, PVOID_VA Lookaside, PVOID_VA Entry)
{
    free_to(call, Lookaside, Entry);
}

void ExDeleteNPagedLookasideList(ke_call *call, PVOID_VA Lookaside)
{
    delete_list(call, Lookaside);
}

void ExDeletePagedLookasideList(ke_call *call, PVOID_VA Lookaside)
{
    delete_list(call, Lookaside);
}

/* EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL and _FAIL_NO_RAISE (wdm.h): an
 * allocation that misses and fails raises (POOL_RAISE_IF_ALLOCATION_FAILURE),
 * or a quota charge fails instead of raising
 * (POOL_QUOTA_FAIL_INSTEAD_OF_RAISE). */
#define EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL 0x1u
#define EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE 0x2u

NTSTATUS ExInitializeLookasideListEx(ke_call *call, PVOID_VA Lookaside, uint32_t Allocate,
                                     uint32_t Free, ULONG PoolType, ULONG Flags, uint64_t Size,
                                     ULONG Tag, ULONG Depth)
{
    (void)Depth; /* reserved: 0 */
    if ((Flags & ~(EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL |
                   EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE)) != 0 ||
        Flags == (EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL |
                  EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE))
        return STATUS_INVALID_PARAMETER;
    ULONG pool_type = PoolType;
    if (Flags & EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL)
        pool_type |= 0x10u; /* POOL_RAISE_IF_ALLOCATION_FAILURE */
    if (Flags & EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE)
        pool_type |= 0x8u; /* POOL_QUOTA_FAIL_INSTEAD_OF_RAISE */
    bool paged = (PoolType & 1u) == PagedPool;
    return initialize(call, Lookaside, Allocate, Free, pool_type, Size, Tag, paged, true)
               ? STATUS_SUCCESS
               : STATUS_UNSUCCESSFUL;
}

PVOID_VA ExAllocateFromLookasideListEx(ke_call *call, PVOID_VA Lookaside)
{
    return allocate(call, Lookaside);
}

void ExFreeToLookasideListEx(ke_call *call, PVOID_VA Lookaside, PVOID_VA Entry)
{
    free_to(call, Lookaside, Entry);
}

void ExDeleteLookasideListEx(ke_call *call, PVOID_VA Lookaside)
{
    delete_list(call, Lookaside);
}

void ex_lookasides_destroy(ke_machine *m)
{
    if (m->lookasides == NULL)
        return;
    des_map *map = &m->lookasides->by_va;
    for (size_t i = 0; i < map->capacity; i++)
        free(map->slots[i].value);
    des_map_fini(map);
    free(m->lookasides);
}
