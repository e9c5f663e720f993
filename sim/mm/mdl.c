/*
 * mdl.c - memory descriptor lists: IoAllocateMdl, IoFreeMdl,
 * MmBuildMdlForNonPagedPool, MmProbeAndLockPages, MmUnlockPages,
 * MmMapLockedPagesSpecifyCache, MmMapLockedPages, MmUnmapLockedPages,
 * MmGetSystemAddressForMdlSafe, IoBuildPartialMdl, MmPrepareMdlForReuse and
 * the MmGetMdl* accessors.
 *
 * An MDL lives in nonpaged pool with wdm.h's layout, followed by its array
 * of physical page numbers, so a driver can read it as C code would. Locking
 * pins the pages (a pinned pageable page stays resident through force IRQL
 * checking's trims). The kernel's own check here is an unlock of pages that
 * were never locked (0x76 P1 = 1), and pages a process ends with still
 * locked (0x76 P1 = 0, or 0xCB with locked-page tracking); the rest are the
 * verifier's (thunks.c). Every lock is remembered with the process whose
 * context it was made in, until MmUnlockPages.
 *
 * Every buffer an MDL can describe so far is in system space, where the
 * system address of a page is its own address: mapping returns it.
 */
#include <stdlib.h>
#include <string.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "kd/kd.h"
#include "mm/mdl.h"
#include "ps/ps.h"
#include "mm/mm.h"
#include "vf/vf.h"

/* The MDL fields' offsets and sizes (wdm.h). */
typedef struct mdl_layout {
    uint32_t size_field, flags, process, mapped_va, start_va, byte_count, byte_offset;
    uint32_t header_bytes, pfn_bytes, pointer_bytes;
} mdl_layout;

static const mdl_layout *layout(const ke_machine *m)
{
    static const mdl_layout x64 = {0x08, 0x0A, 0x10, 0x18, 0x20, 0x28, 0x2C, 0x30, 8, 8};
    static const mdl_layout x86 = {0x04, 0x06, 0x08, 0x0C, 0x10, 0x14, 0x18, 0x1C, 4, 4};
    return m->config.arch == KE_ARCH_X86 ? &x86 : &x64;
}

static uint64_t read_field(const ke_machine *m, PVOID_VA mdl, uint32_t offset, uint32_t bytes)
{
    uint64_t v = 0;
    mm_peek(m->mm, mdl + offset, &v, bytes);
    return v;
}

static void write_field(ke_machine *m, PVOID_VA mdl, uint32_t offset, uint32_t bytes, uint64_t v)
{
    mm_poke(m->mm, mdl + offset, &v, bytes);
}

bool mdl_read(const ke_machine *m, PVOID_VA mdl, mdl_view *v)
{
    const mdl_layout *l = layout(m);
    uint64_t flags = 0;
    if (mdl == 0 || !mm_peek(m->mm, mdl + l->flags, &flags, 2))
        return false;
    v->flags = (uint16_t)flags;
    v->start_va = read_field(m, mdl, l->start_va, l->pointer_bytes);
    v->mapped_va = read_field(m, mdl, l->mapped_va, l->pointer_bytes);
    v->byte_count = (uint32_t)read_field(m, mdl, l->byte_count, 4);
    v->byte_offset = (uint32_t)read_field(m, mdl, l->byte_offset, 4);
    return true;
}

void mdl_set_flags(ke_machine *m, PVOID_VA mdl, uint16_t flags)
{
    write_field(m, mdl, layout(m)->flags, 2, flags);
}

uint32_t mdl_page_count(const mdl_view *v)
{
    return (uint32_t)((v->byte_offset + (uint64_t)v->byte_count + PAGE_SIZE - 1) / PAGE_SIZE);
}

PVOID_VA IoAllocateMdl(ke_call *call, PVOID_VA VirtualAddress, ULONG Length, bool SecondaryBuffer,
                       bool ChargeQuota, PVOID_VA Irp)
{
    return mdl_allocate(call, VirtualAddress, Length, SecondaryBuffer, ChargeQuota, Irp,
                        MDL_POOL_TAG);
}

PVOID_VA mdl_allocate(ke_call *call, PVOID_VA VirtualAddress, ULONG Length, bool SecondaryBuffer,
                      bool ChargeQuota, PVOID_VA Irp, ULONG tag)
{
    ke_machine *m = call->m;
    const mdl_layout *l = layout(m);
    (void)SecondaryBuffer; /* chains to an IRP's MDL: IRPs come with I/O */
    (void)Irp;
    (void)ChargeQuota; /* quota for MDLs is not charged since Windows XP */
    mdl_view v = {
        .start_va = VirtualAddress & ~(PVOID_VA)(PAGE_SIZE - 1),
        .byte_offset = (uint32_t)(VirtualAddress & (PAGE_SIZE - 1)),
        .byte_count = Length,
    };
    uint32_t pages = mdl_page_count(&v);
    /* The MDL's Size field is a CSHORT: a longer buffer cannot be described. */
    uint64_t size = l->header_bytes + (uint64_t)pages * l->pfn_bytes;
    if (Length == 0 || size > 0x7FFF)
        return 0;
    PVOID_VA mdl = ex_alloc_internal(m, NonPagedPoolNx, size, tag);
    if (mdl == 0)
        return 0;
    ex_block *b = ex_pool_find(m->pool, mdl);
    b->owner = call->driver;
    b->site = ke_call_site(m);
    write_field(m, mdl, l->size_field, 2, size);
    write_field(m, mdl, l->flags, 2, MDL_ALLOCATED_FIXED_SIZE);
    write_field(m, mdl, l->start_va, l->pointer_bytes, v.start_va);
    write_field(m, mdl, l->byte_count, 4, Length);
    write_field(m, mdl, l->byte_offset, 4, v.byte_offset);
    return mdl;
}

void IoFreeMdl(ke_call *call, PVOID_VA Mdl)
{
    /* The MDL is pool: ExFreePool's checks apply to a bad pointer. */
    ExFreePool(call, Mdl);
}

/* Writes the page numbers of the pages the MDL describes; false when one is
 * not mapped (it is then the first such address). */
static bool fill_pfns(ke_machine *m, PVOID_VA mdl, const mdl_view *v, PVOID_VA *unmapped)
{
    const mdl_layout *l = layout(m);
    uint32_t pages = mdl_page_count(v);
    for (uint32_t i = 0; i < pages; i++) {
        PVOID_VA page = v->start_va + (uint64_t)i * PAGE_SIZE;
        mm_page *p = mm_lookup(m->mm, page);
        if (p == NULL) {
            *unmapped = page;
            return false;
        }
        write_field(m, mdl, l->header_bytes + i * l->pfn_bytes, l->pfn_bytes, p->pfn);
    }
    return true;
}

void MmBuildMdlForNonPagedPool(ke_call *call, PVOID_VA MemoryDescriptorList)
{
    ke_machine *m = call->m;
    mdl_view v;
    if (!mdl_read(m, MemoryDescriptorList, &v))
        return;
    PVOID_VA unmapped;
    fill_pfns(m, MemoryDescriptorList, &v, &unmapped);
    write_field(m, MemoryDescriptorList, layout(m)->mapped_va, layout(m)->pointer_bytes,
                v.start_va + v.byte_offset);
    mdl_set_flags(m, MemoryDescriptorList, v.flags | MDL_SOURCE_IS_NONPAGED_POOL);
}

/* Remembers a lock: MmProbeAndLockPages charges it to the current
 * process, whatever thread (or DPC) made it. */
static void remember_lock(ke_call *call, PVOID_VA mdl, uint32_t pages)
{
    mm_space *mm = call->m->mm;
    if (mm->lock_count == mm->lock_capacity) {
        uint32_t capacity = mm->lock_capacity ? 2 * mm->lock_capacity : 16;
        mm_lock *grown = realloc(mm->locks, capacity * sizeof *grown);
        if (grown == NULL)
            ke_panic(call->m, __FILE__, __LINE__, "out of host memory recording a page lock");
        mm->locks = grown;
        mm->lock_capacity = capacity;
    }
    mm->locks[mm->lock_count++] = (mm_lock){
        .mdl = mdl,
        .pages = pages,
        .process = call->thread->process->index,
        .driver = call->driver,
    };
}

/* Forgets the latest lock through this MDL (MmUnlockPages). */
static void forget_lock(mm_space *mm, PVOID_VA mdl)
{
    for (uint32_t i = mm->lock_count; i-- > 0;) {
        if (mm->locks[i].mdl == mdl) {
            memmove(&mm->locks[i], &mm->locks[i + 1],
                    (mm->lock_count - i - 1) * sizeof mm->locks[0]);
            mm->lock_count--;
            return;
        }
    }
}

void mdl_process_ended(ke_machine *m, ps_process *p, ke_thread *t)
{
    const mm_lock *first = NULL;
    uint64_t pages = 0;
    for (uint32_t i = 0; i < m->mm->lock_count; i++) {
        const mm_lock *l = &m->mm->locks[i];
        if (l->process != p->index)
            continue;
        if (first == NULL)
            first = l;
        pages += l->pages;
    }
    if (first == NULL)
        return;
    /* The kernel runs the process down in its last thread's context; the
     * driver that made the first lock left behind is blamed. */
    ke_call call = {.m = m, .exec = &t->exec, .thread = t, .driver = first->driver};
    if (first->driver != NULL && vf_rule_enabled(&call, RULE_locked_pages_at_process_exit)) {
        /* P1 the tracking structure (not modelled: 0), P2 0, P3 the MDL,
         * P4 its pages. */
        const uint64_t params[4] = {0, 0, first->mdl, first->pages};
        kd_raise_full(&call, RULE_locked_pages_at_process_exit, 0xCB, params, NULL, NULL);
        return;
    }
    /* P1 0: the process ends with locked pages; P2 the process, P3 how
     * many, P4 the driver stacks (tracking is off: 0). Without tracking the
     * kernel does not know who locked them: no driver is named. */
    call.driver = NULL;
    const uint64_t params[4] = {0, p->eprocess, pages, 0};
    kd_raise_full(&call, RULE_kprocess_has_locked_pages, 0x76, params, NULL, NULL);
}

void MmProbeAndLockPages(ke_call *call, PVOID_VA MemoryDescriptorList, ULONG AccessMode,
                         ULONG Operation)
{
    ke_machine *m = call->m;
    mdl_view v;
    if (!mdl_read(m, MemoryDescriptorList, &v)) {
        call->raised = STATUS_ACCESS_VIOLATION;
        return;
    }
    /* UserMode: the buffer must lie in user space (below
     * MmUserProbeAddress) and be the current process's. */
    if (AccessMode == 1 /* UserMode */) {
        PVOID_VA end = v.start_va + v.byte_offset + v.byte_count;
        bool bad = end < v.start_va || end > mm_user_probe_address(m->config.arch);
        for (PVOID_VA at = v.start_va; !bad && at < end; at += PAGE_SIZE)
            bad = mm_user_foreign(call, at);
        if (bad) {
            call->raised = STATUS_ACCESS_VIOLATION;
            return;
        }
    }
    /* Probing touches every page: one that is not there raises, and the
     * caller's __try gets STATUS_ACCESS_VIOLATION, as on Windows. */
    PVOID_VA unmapped = 0;
    if (!fill_pfns(m, MemoryDescriptorList, &v, &unmapped)) {
        call->raised = STATUS_ACCESS_VIOLATION;
        return;
    }
    uint32_t pages = mdl_page_count(&v);
    for (uint32_t i = 0; i < pages; i++) {
        mm_page *p = mm_lookup(m->mm, v.start_va + (uint64_t)i * PAGE_SIZE);
        p->locks++;
        p->resident_epoch = (uint32_t)m->mm->trim_epoch; /* probing paged it in */
    }
    remember_lock(call, MemoryDescriptorList, pages);
    uint16_t flags = v.flags | MDL_PAGES_LOCKED;
    if (Operation != IoReadAccess)
        flags |= MDL_WRITE_OPERATION;
    mdl_set_flags(m, MemoryDescriptorList, flags);
}

/*
 * MmProbeAndLockProcessPages: MmProbeAndLockPages in the context of another
 * process (the routine attaches to it around the probe): a UserMode buffer
 * must be that process's, and the lock is charged to it (what it must
 * undo before it ends). Process is a PEPROCESS; one that is no process is
 * an access violation, as its fields cannot be read.
 */
void MmProbeAndLockProcessPages(ke_call *call, PVOID_VA MemoryDescriptorList, PVOID_VA Process,
                                ULONG AccessMode, ULONG Operation)
{
    ps_process *target = ps_process_at(call->m, Process);
    if (target == NULL) {
        call->raised = STATUS_ACCESS_VIOLATION;
        return;
    }
    /* KeStackAttachProcess for the probe: the thread's process is the
     * address space it runs in here; nothing runs in between. */
    ps_process *own = call->thread->process;
    call->thread->process = target;
    MmProbeAndLockPages(call, MemoryDescriptorList, AccessMode, Operation);
    call->thread->process = own;
}

void MmUnlockPages(ke_call *call, PVOID_VA MemoryDescriptorList)
{
    ke_machine *m = call->m;
    mdl_view v;
    if (!mdl_read(m, MemoryDescriptorList, &v))
        return;
    if (!(v.flags & MDL_PAGES_LOCKED)) {
        /* PROCESS_HAS_LOCKED_PAGES, P1 = 1: pages unlocked that were not
         * locked. P3 the locked count (none), P4 the tracking stacks (0). */
        kd_raise(call, RULE_kmdl_unlock_not_locked, MemoryDescriptorList, 0, 0);
        return;
    }
    uint32_t pages = mdl_page_count(&v);
    for (uint32_t i = 0; i < pages; i++) {
        mm_page *p = mm_lookup(m->mm, v.start_va + (uint64_t)i * PAGE_SIZE);
        if (p != NULL && p->locks > 0)
            p->locks--;
    }
    forget_lock(m->mm, MemoryDescriptorList);
    /* Unlocking also releases a system mapping of the pages. */
    mdl_set_flags(m, MemoryDescriptorList,
                  v.flags & ~(MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA | MDL_WRITE_OPERATION));
}

PVOID_VA MmMapLockedPagesSpecifyCache(ke_call *call, PVOID_VA MemoryDescriptorList,
                                      ULONG AccessMode, ULONG CacheType, PVOID_VA RequestedAddress,
                                      ULONG BugCheckOnFailure, ULONG Priority)
{
    ke_machine *m = call->m;
    /* The mapping of a system-space buffer is its own address, whatever the
     * caching, mode and priority asked for. */
    (void)AccessMode;
    (void)CacheType;
    (void)RequestedAddress;
    (void)BugCheckOnFailure;
    (void)Priority;
    mdl_view v;
    if (!mdl_read(m, MemoryDescriptorList, &v))
        return 0;
    PVOID_VA va = v.start_va + v.byte_offset;
    write_field(m, MemoryDescriptorList, layout(m)->mapped_va, layout(m)->pointer_bytes, va);
    /* A partial MDL remembers it was mapped: MmPrepareMdlForReuse unmaps it. */
    uint16_t partial = (v.flags & MDL_PARTIAL) ? MDL_PARTIAL_HAS_BEEN_MAPPED : 0;
    mdl_set_flags(m, MemoryDescriptorList, v.flags | MDL_MAPPED_TO_SYSTEM_VA | partial);
    return va;
}

PVOID_VA MmMapLockedPages(ke_call *call, PVOID_VA MemoryDescriptorList, ULONG AccessMode)
{
    /* wdm.h's documented equivalent: cached, BugCheckOnFailure TRUE. */
    return MmMapLockedPagesSpecifyCache(call, MemoryDescriptorList, AccessMode, 1 /* MmCached */,
                                        0, 1, 32 /* HighPagePriority */);
}

PVOID_VA mdl_for_pages(ke_call *call, PVOID_VA va, uint64_t bytes)
{
    PVOID_VA mdl = mdl_allocate(call, va, (ULONG)bytes, false, false, 0, MDL_POOL_TAG);
    mdl_view v;
    PVOID_VA unmapped;
    if (mdl == 0 || !mdl_read(call->m, mdl, &v) || !fill_pfns(call->m, mdl, &v, &unmapped))
        return mdl;
    mdl_set_flags(call->m, mdl, v.flags | MDL_PAGES_LOCKED);
    return mdl;
}

void IoBuildPartialMdl(ke_call *call, PVOID_VA SourceMdl, PVOID_VA TargetMdl,
                       PVOID_VA VirtualAddress, ULONG Length)
{
    ke_machine *m = call->m;
    const mdl_layout *l = layout(m);
    mdl_view src, dst;
    if (!mdl_read(m, SourceMdl, &src) || !mdl_read(m, TargetMdl, &dst))
        return;
    PVOID_VA src_va = src.start_va + src.byte_offset;
    uint64_t offset = VirtualAddress - src_va;
    /* Length 0: the rest of the source's buffer. */
    if (Length == 0)
        Length = (ULONG)(src.byte_count - offset);
    PVOID_VA start = VirtualAddress & ~(PVOID_VA)(PAGE_SIZE - 1);
    uint32_t first = (uint32_t)((start - src.start_va) / PAGE_SIZE);
    mdl_view part = {.start_va = start,
                     .byte_offset = (uint32_t)(VirtualAddress & (PAGE_SIZE - 1)),
                     .byte_count = Length};
    uint32_t pages = mdl_page_count(&part);
    for (uint32_t i = 0; i < pages; i++)
        write_field(m, TargetMdl, l->header_bytes + i * l->pfn_bytes, l->pfn_bytes,
                    read_field(m, SourceMdl, l->header_bytes + (first + i) * l->pfn_bytes,
                               l->pfn_bytes));
    write_field(m, TargetMdl, l->start_va, l->pointer_bytes, start);
    write_field(m, TargetMdl, l->byte_offset, 4, part.byte_offset);
    write_field(m, TargetMdl, l->byte_count, 4, Length);
    /* The source's mapping covers the part: its system address is the
     * source's plus the offset (WRK IoBuildPartialMdl). */
    uint16_t inherited =
        src.flags & (MDL_SOURCE_IS_NONPAGED_POOL | MDL_MAPPED_TO_SYSTEM_VA | MDL_WRITE_OPERATION);
    if (inherited & (MDL_SOURCE_IS_NONPAGED_POOL | MDL_MAPPED_TO_SYSTEM_VA))
        write_field(m, TargetMdl, l->mapped_va, l->pointer_bytes, src.mapped_va + offset);
    mdl_set_flags(m, TargetMdl,
                  (dst.flags & MDL_ALLOCATED_FIXED_SIZE) | inherited | MDL_PARTIAL);
}

void MmPrepareMdlForReuse(ke_call *call, PVOID_VA Mdl)
{
    /* wdm.h's macro: a partial MDL that was mapped is unmapped. */
    mdl_view v;
    if (!mdl_read(call->m, Mdl, &v) || !(v.flags & MDL_PARTIAL_HAS_BEEN_MAPPED))
        return;
    mdl_set_flags(call->m, Mdl, v.flags & ~(MDL_PARTIAL_HAS_BEEN_MAPPED | MDL_MAPPED_TO_SYSTEM_VA));
}

void MmUnmapLockedPages(ke_call *call, PVOID_VA BaseAddress, PVOID_VA MemoryDescriptorList)
{
    ke_machine *m = call->m;
    mdl_view v;
    (void)BaseAddress;
    if (mdl_read(m, MemoryDescriptorList, &v))
        mdl_set_flags(m, MemoryDescriptorList,
                      v.flags & ~(MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED));
}

PVOID_VA MmGetSystemAddressForMdlSafe(ke_call *call, PVOID_VA Mdl, ULONG Priority)
{
    /* wdm.h's macro: the existing mapping, or a new one that may fail. */
    mdl_view v;
    if (!mdl_read(call->m, Mdl, &v))
        return 0;
    if (v.flags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL))
        return v.mapped_va;
    return MmMapLockedPagesSpecifyCache(call, Mdl, 0 /* KernelMode */, 1 /* MmCached */, 0, 0,
                                        Priority);
}

PVOID_VA MmGetMdlVirtualAddress(ke_call *call, PVOID_VA Mdl)
{
    mdl_view v;
    return mdl_read(call->m, Mdl, &v) ? v.start_va + v.byte_offset : 0;
}

ULONG MmGetMdlByteCount(ke_call *call, PVOID_VA Mdl)
{
    mdl_view v;
    return mdl_read(call->m, Mdl, &v) ? v.byte_count : 0;
}

ULONG MmGetMdlByteOffset(ke_call *call, PVOID_VA Mdl)
{
    mdl_view v;
    return mdl_read(call->m, Mdl, &v) ? v.byte_offset : 0;
}
