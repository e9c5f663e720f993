/*
 * thunks.c - the verifier's thunks: what a verified image's imports point
 * at. Each checks the call against the rules in force, counts it, then calls
 * the kernel's own routine, exactly as Driver Verifier's Vf* thunks wrap the
 * kernel exports of a verified driver.
 *
 * Precondition of every thunk: call->driver is a verified image (its import
 * table is the only way here); vf_rule_enabled still decides per rule, since
 * options change with /volatile and graphics drivers are exempt from some.
 */
#include "ddi_table.h"
#include "ex/lookaside.h"
#include "ex/pool.h"
#include "ex/work.h"
#include "ex/resource.h"
#include "kd/kd.h"
#include "ke/types.h"
#include "mm/mdl.h"
#include "ob/ob.h"
#include "mm/mm.h"
#include "mm/special.h"
#include "vf/vf.h"

static inline uint64_t *counter(ke_call *call, enum drvsim_global_counter which)
{
    return &call->m->vf->counters[which];
}

/* ------------------------------------------------------------------------ */
/* IRQL                                                                     */
/* ------------------------------------------------------------------------ */

/* Force IRQL checking (0x2): whenever a verified driver raises to
 * DISPATCH_LEVEL or above, all pageable memory leaves the working set, so a
 * touch of paged memory at that IRQL faults now instead of on the one day
 * the page happened to be out. */
static void force_irql_trim(ke_call *call)
{
    if (!vf_option_enabled(call, VF_FLAG_FORCE_IRQL_CHECKING))
        return;
    mm_trim(call->m->mm);
    (*counter(call, DRVSIM_GC_Trims))++;
}

static void vf_KeRaiseIrql(ke_call *call, KIRQL NewIrql, KIRQL *OldIrql)
{
    KIRQL irql = ke_call_irql(call);
    if ((NewIrql < irql || NewIrql > ke_high_level(call->m->config.arch)) &&
        vf_rule_enabled(call, RULE_irql_raise_below_current)) {
        kd_raise(call, RULE_irql_raise_below_current, irql, NewIrql, 0);
        return;
    }
    (*counter(call, DRVSIM_GC_RaiseIrqls))++;
    if (NewIrql >= DISPATCH_LEVEL)
        force_irql_trim(call);
    KeRaiseIrql(call, NewIrql, OldIrql);
}

static KIRQL vf_KeRaiseIrqlToDpcLevel(ke_call *call)
{
    KIRQL irql = ke_call_irql(call);
    if (irql > DISPATCH_LEVEL && vf_rule_enabled(call, RULE_irql_raise_below_current)) {
        kd_raise(call, RULE_irql_raise_below_current, irql, DISPATCH_LEVEL, 0);
        return irql;
    }
    (*counter(call, DRVSIM_GC_RaiseIrqls))++;
    force_irql_trim(call);
    return KeRaiseIrqlToDpcLevel(call);
}

static void vf_KeLowerIrql(ke_call *call, KIRQL NewIrql)
{
    KIRQL irql = ke_call_irql(call);
    if ((NewIrql > irql || NewIrql > ke_high_level(call->m->config.arch)) &&
        vf_rule_enabled(call, RULE_irql_lower_above_current)) {
        /* P4 = 0: the new IRQL is bad (1 would be: not allowed in a DPC). */
        kd_raise(call, RULE_irql_lower_above_current, irql, NewIrql, 0);
        return;
    }
    KeLowerIrql(call, NewIrql);
}

/* ------------------------------------------------------------------------ */
/* Pool                                                                     */
/* ------------------------------------------------------------------------ */

/*
 * Pool tracking's checks of a request (Windows 7 and later), after the
 * automatic ones; false if one fired.
 *
 * A thread of a driver that is unloading (its DriverUnload runs on another
 * thread, or a DPC of it runs meanwhile) allocates: 0x61, P2..P4 what the
 * driver still holds (paged bytes, nonpaged bytes, allocations). The unload
 * routine itself may allocate (to send a last command, say).
 *
 * Quota (ExAllocatePoolWithQuotaTag, POOL_FLAG_USE_QUOTA) is charged to the
 * current process: the Idle process (a DPC that interrupted an idle
 * processor) is 0x10A, any other DPC 0x10B, as the process a DPC runs in is
 * whichever it interrupted. Idle is checked first.
 */
static bool check_tracking(ke_call *call, bool quota)
{
    io_driver *d = call->driver;
    bool unload_routine =
        call->thread == d->unload_thread && !call->exec->is_dpc && !call->exec->is_isr;
    if (d->unloading && !unload_routine && vf_rule_enabled(call, RULE_pool_alloc_during_unload)) {
        kd_raise(call, RULE_pool_alloc_during_unload, d->counters[DRVSIM_DC_PagedPoolUsageInBytes],
                 d->counters[DRVSIM_DC_NonPagedPoolUsageInBytes], d->tracked_count);
        return false;
    }
    if (!quota)
        return true;
    if (call->thread->process == call->m->idle_process &&
        vf_rule_enabled(call, RULE_pool_quota_idle_process)) {
        kd_raise(call, RULE_pool_quota_idle_process, 0, 0, 0);
        return false;
    }
    if (call->exec->is_dpc && vf_rule_enabled(call, RULE_pool_quota_from_dpc)) {
        kd_raise(call, RULE_pool_quota_from_dpc, 0, 0, 0);
        return false;
    }
    return true;
}

/* The automatic checks of an allocation request, then pool tracking's;
 * false if one fired. */
static bool check_allocation(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes, bool quota)
{
    KIRQL irql = ke_call_irql(call);
    if (NumberOfBytes == 0 && vf_rule_enabled(call, RULE_pool_zero_size)) {
        kd_raise(call, RULE_pool_zero_size, irql, PoolType, NumberOfBytes);
        return false;
    }
    if (ex_pool_type_paged(PoolType) && irql > APC_LEVEL &&
        vf_rule_enabled(call, RULE_pool_paged_above_apc)) {
        kd_raise(call, RULE_pool_paged_above_apc, irql, PoolType, NumberOfBytes);
        return false;
    }
    if (!ex_pool_type_paged(PoolType) && irql > DISPATCH_LEVEL &&
        vf_rule_enabled(call, RULE_pool_nonpaged_above_dispatch)) {
        kd_raise(call, RULE_pool_nonpaged_above_dispatch, irql, PoolType, NumberOfBytes);
        return false;
    }
    /* One page is the cap for a must-succeed request; below it the kernel
     * refuses must-succeed on its own (0xC2/0x9A). */
    if ((PoolType & MUST_SUCCEED_POOL_TYPE_MASK) && NumberOfBytes > PAGE_SIZE &&
        vf_rule_enabled(call, RULE_pool_must_succeed)) {
        kd_raise(call, RULE_pool_must_succeed, 0, 0, 0);
        return false;
    }
    return check_tracking(call, quota);
}

/* Low resources simulation of a pool request that passed its checks: true
 * if it is failed deliberately, with the failure semantics of the request
 * (a raise of STATUS_INSUFFICIENT_RESOURCES when it asked for one, else
 * NULL, which the caller returns). */
static bool inject_pool(ke_call *call, ULONG PoolType, ULONG Tag, bool raise)
{
    bool must_succeed = (PoolType & MUST_SUCCEED_POOL_TYPE_MASK) != 0;
    if (!vf_inject_fault(call, Tag, PoolType, true, must_succeed))
        return false;
    if (raise)
        call->raised = STATUS_INSUFFICIENT_RESOURCES;
    return true;
}

/* Counts the outcome of an allocation and tracks the new block. */
static PVOID_VA allocated(ke_call *call, PVOID_VA va)
{
    if (ke_stopped(call->m))
        return va;
    (*counter(call, va != 0 ? DRVSIM_GC_AllocationsSucceeded : DRVSIM_GC_AllocationsFailed))++;
    if (va != 0 && mm_special_contains(call->m, va))
        (*counter(call, DRVSIM_GC_AllocationsSucceededSpecialPool))++;
    if (va != 0 && vf_option_enabled(call, VF_FLAG_POOL_TRACKING))
        vf_pool_track(call, ex_pool_find(call->m->pool, va));
    return va;
}

static PVOID_VA vf_ExAllocatePool(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes)
{
    (*counter(call, DRVSIM_GC_AllocationsAttempted))++;
    (*counter(call, DRVSIM_GC_AllocationsWithNoTag))++;
    if (!check_allocation(call, PoolType, NumberOfBytes, false) ||
        inject_pool(call, PoolType, EX_TAG_NONE,
                    (PoolType & POOL_RAISE_IF_ALLOCATION_FAILURE) != 0))
        return 0;
    return allocated(call, ExAllocatePool(call, PoolType, NumberOfBytes));
}

static PVOID_VA vf_ExAllocatePoolWithTag(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes,
                                         ULONG Tag)
{
    (*counter(call, DRVSIM_GC_AllocationsAttempted))++;
    if (!check_allocation(call, PoolType, NumberOfBytes, false) ||
        inject_pool(call, PoolType, Tag, (PoolType & POOL_RAISE_IF_ALLOCATION_FAILURE) != 0))
        return 0;
    return allocated(call, ExAllocatePoolWithTag(call, PoolType, NumberOfBytes, Tag));
}

static PVOID_VA vf_ExAllocatePoolWithQuotaTag(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes,
                                              ULONG Tag)
{
    (*counter(call, DRVSIM_GC_AllocationsAttempted))++;
    /* Quota allocations raise on failure unless told not to. */
    if (!check_allocation(call, PoolType & ~POOL_QUOTA_FAIL_INSTEAD_OF_RAISE, NumberOfBytes,
                          true) ||
        inject_pool(call, PoolType, Tag, (PoolType & POOL_QUOTA_FAIL_INSTEAD_OF_RAISE) == 0))
        return 0;
    return allocated(call, ExAllocatePoolWithQuotaTag(call, PoolType, NumberOfBytes, Tag));
}

static PVOID_VA vf_ExAllocatePoolWithTagPriority(ke_call *call, ULONG PoolType,
                                                 uint64_t NumberOfBytes, ULONG Tag, ULONG Priority)
{
    (*counter(call, DRVSIM_GC_AllocationsAttempted))++;
    if (!check_allocation(call, PoolType, NumberOfBytes, false) ||
        inject_pool(call, PoolType, Tag, (PoolType & POOL_RAISE_IF_ALLOCATION_FAILURE) != 0))
        return 0;
    return allocated(call,
                     ExAllocatePoolWithTagPriority(call, PoolType, NumberOfBytes, Tag, Priority));
}

/* ExAllocatePool2/3: flags the kernel refuses are its business (a NULL);
 * a request it would serve gets the same automatic checks as the others. */
static bool check_allocation2(ke_call *call, uint64_t Flags, uint64_t NumberOfBytes, ULONG Tag)
{
    ULONG pool_type;
    if (!ex_pool2_type(Flags, &pool_type) || Tag == 0)
        return true;
    return check_allocation(call, pool_type, NumberOfBytes, (Flags & POOL_FLAG_USE_QUOTA) != 0);
}

/* Low resources simulation of an ExAllocatePool2/3 request the kernel would
 * serve: POOL_FLAG_RAISE_ON_FAILURE asks for the raise. */
static bool inject_pool2(ke_call *call, uint64_t Flags, ULONG Tag)
{
    ULONG pool_type;
    if (!ex_pool2_type(Flags, &pool_type) || Tag == 0)
        return false; /* the kernel fails it anyway */
    return inject_pool(call, pool_type, Tag, (Flags & POOL_FLAG_RAISE_ON_FAILURE) != 0);
}

static PVOID_VA vf_ExAllocatePool2(ke_call *call, uint64_t Flags, uint64_t NumberOfBytes, ULONG Tag)
{
    (*counter(call, DRVSIM_GC_AllocationsAttempted))++;
    if (!check_allocation2(call, Flags, NumberOfBytes, Tag) || inject_pool2(call, Flags, Tag))
        return 0;
    return allocated(call, ExAllocatePool2(call, Flags, NumberOfBytes, Tag));
}

static PVOID_VA vf_ExAllocatePool3(ke_call *call, uint64_t Flags, uint64_t NumberOfBytes, ULONG Tag,
                                   PVOID_VA ExtendedParameters, ULONG ExtendedParametersCount)
{
    (*counter(call, DRVSIM_GC_AllocationsAttempted))++;
    if (!check_allocation2(call, Flags, NumberOfBytes, Tag) || inject_pool2(call, Flags, Tag))
        return 0;
    return allocated(call, ExAllocatePool3(call, Flags, NumberOfBytes, Tag, ExtendedParameters,
                                           ExtendedParametersCount));
}

/* The automatic checks of a free; false if one fired. */
static bool check_free(ke_call *call, PVOID_VA P)
{
    ke_machine *m = call->m;
    KIRQL irql = ke_call_irql(call);
    ex_block *b = ex_pool_find(m->pool, P);
    if (b == NULL && mm_special_contains(m, P))
        return true; /* special pool's own checks (0xC1) name the case */
    if (b == NULL) {
        if (vf_rule_enabled(call, RULE_pool_free_bad_address)) {
            kd_raise(call, RULE_pool_free_bad_address, P, 0, 0);
            return false;
        }
        return true;
    }
    if (b->freed && vf_rule_enabled(call, RULE_pool_double_free)) {
        /* P2 reserved, P3 the pool header, P4 its contents. */
        PVOID_VA header;
        uint64_t contents = ex_pool_header(m, P, &header);
        kd_raise(call, RULE_pool_double_free, 0, header, contents);
        return false;
    }
    bool paged = ex_pool_type_paged(b->pool_type);
    if (paged && irql > APC_LEVEL && vf_rule_enabled(call, RULE_pool_free_paged_above_apc)) {
        kd_raise(call, RULE_pool_free_paged_above_apc, irql, b->pool_type, P);
        return false;
    }
    if (!paged && irql > DISPATCH_LEVEL &&
        vf_rule_enabled(call, RULE_pool_free_nonpaged_above_dispatch)) {
        kd_raise(call, RULE_pool_free_nonpaged_above_dispatch, irql, b->pool_type, P);
        return false;
    }
    ke_timer *timer = ke_timer_in_range(m, P, P + b->size_bytes);
    if (timer != NULL && vf_rule_enabled(call, RULE_pool_free_active_timer)) {
        kd_raise(call, RULE_pool_free_active_timer, timer->va, b->pool_type, P);
        return false;
    }
    /* Miscellaneous checks: a lookaside list still initialised, or a work
     * item still queued, in the block (P3/P4 the block). */
    PVOID_VA end = P + b->size_bytes;
    ex_lookaside *list =
        vf_rule_enabled(call, RULE_pool_free_active_lookaside) ? ex_lookaside_in(m, P, end) : NULL;
    if (list != NULL) {
        kd_raise(call, RULE_pool_free_active_lookaside, list->va, P, b->size_bytes);
        return false;
    }
    ex_work_item *item = vf_rule_enabled(call, RULE_pool_free_queued_workitem)
                             ? ex_work_item_queued_in(m, P, end)
                             : NULL;
    if (item != NULL) {
        kd_raise(call, RULE_pool_free_queued_workitem, item->va, P, end);
        return false;
    }
    /* Miscellaneous checks: an ERESOURCE still initialised in the block.
     * P3 and P4 are the block as the pool knows it, POOL_HEADER included
     * (a big block: its pages), as ExpCheckForResource passes them. */
    if (vf_rule_enabled(call, RULE_pool_free_active_resource)) {
        uint32_t gran = ex_pool_granularity(m->config.arch);
        /* A special pool block has no header: the block itself. */
        PVOID_VA start = b->granules != 0 ? P - gran : P;
        uint64_t bytes = b->granules != 0 ? (uint64_t)b->granules * gran
                         : b->special     ? b->size_bytes
                                          : (b->size_bytes + PAGE_SIZE - 1) / PAGE_SIZE * PAGE_SIZE;
        ex_resource *r = ex_resource_tracked_in_range(m, start, start + bytes);
        if (r != NULL) {
            kd_raise(call, RULE_pool_free_active_resource, r->va, start, bytes);
            return false;
        }
    }
    /* A tracked block: pool tracking checks its own header (0x53), then its
     * slack and the header after it, naming the first damaged byte (0x51). */
    if (b->tracked && vf_rule_enabled(call, RULE_pool_header_damaged_tracked)) {
        PVOID_VA header = ex_pool_header_damaged(m, b);
        if (header != 0) {
            kd_raise(call, RULE_pool_header_damaged_tracked, P, header, 0);
            return false;
        }
    }
    if (b->tracked && vf_rule_enabled(call, RULE_pool_overrun_tracked)) {
        PVOID_VA damaged = ex_pool_overrun(m, b, true);
        if (damaged != 0) {
            kd_raise(call, RULE_pool_overrun_tracked, P, damaged, b->size_bytes);
            return false;
        }
    }
    return true;
}

static void vf_ExFreePool(ke_call *call, PVOID_VA P)
{
    if (check_free(call, P))
        ExFreePool(call, P);
}

static void vf_ExFreePoolWithTag(ke_call *call, PVOID_VA P, ULONG Tag)
{
    if (check_free(call, P))
        ExFreePoolWithTag(call, P, Tag);
}

/* GDI memory: the verifier hooks EngAllocMem for graphics drivers, which
 * is how their allocations reach special pool and the counters. The
 * automatic checks do not apply to graphics drivers (vf_option_enabled). */
static PVOID_VA vf_EngAllocMem(ke_call *call, ULONG Flags, ULONG cjMemSize, ULONG ulTag)
{
    (*counter(call, DRVSIM_GC_AllocationsAttempted))++;
    if (cjMemSize == 0)
        return EngAllocMem(call, Flags, cjMemSize, ulTag); /* refused: no allocation */
    /* Low resources simulation fails EngAllocMem too (a NULL, never a raise). */
    if (inject_pool(call, (Flags & FL_NONPAGED_MEMORY) ? NonPagedPool : PagedPool, ulTag, false))
        return 0;
    return allocated(call, EngAllocMem(call, Flags, cjMemSize, ulTag));
}

static void vf_EngFreeMem(ke_call *call, PVOID_VA pv)
{
    if (check_free(call, pv))
        EngFreeMem(call, pv);
}

/* ------------------------------------------------------------------------ */
/* MDLs                                                                     */
/* ------------------------------------------------------------------------ */

static PVOID_VA vf_IoAllocateMdl(ke_call *call, PVOID_VA VirtualAddress, ULONG Length,
                                 bool SecondaryBuffer, bool ChargeQuota, PVOID_VA Irp)
{
    /* Pool tracking tracks MDLs too, under the verifier's own tag, so a
     * leaked MDL shows in the unload report as "VMdl". */
    bool tracking = vf_option_enabled(call, VF_FLAG_POOL_TRACKING);
    ULONG tag = tracking ? MDL_VERIFIER_POOL_TAG : MDL_POOL_TAG;
    if (vf_inject_fault(call, tag, NonPagedPoolNx, true, false))
        return 0;
    PVOID_VA mdl =
        mdl_allocate(call, VirtualAddress, Length, SecondaryBuffer, ChargeQuota, Irp, tag);
    if (mdl != 0 && tracking)
        vf_pool_track(call, ex_pool_find(call->m->pool, mdl));
    return mdl;
}

static void vf_IoFreeMdl(ke_call *call, PVOID_VA Mdl)
{
    mdl_view v;
    if (mdl_read(call->m, Mdl, &v) && (v.flags & MDL_MAPPED_TO_SYSTEM_VA) &&
        !(v.flags & MDL_SOURCE_IS_NONPAGED_POOL) && vf_rule_enabled(call, RULE_mdl_free_mapped)) {
        kd_raise(call, RULE_mdl_free_mapped, Mdl, v.flags, 0);
        return;
    }
    IoFreeMdl(call, Mdl);
}

static void vf_MmProbeAndLockPages(ke_call *call, PVOID_VA MemoryDescriptorList, ULONG AccessMode,
                                   ULONG Operation)
{
    KIRQL irql = ke_call_irql(call);
    if (irql > DISPATCH_LEVEL && vf_rule_enabled(call, RULE_mdl_probe_above_dispatch)) {
        kd_raise(call, RULE_mdl_probe_above_dispatch, irql, MemoryDescriptorList, AccessMode);
        return;
    }
    mdl_view v;
    uint16_t offending = 0;
    if (mdl_read(call->m, MemoryDescriptorList, &v))
        offending = v.flags & (MDL_SOURCE_IS_NONPAGED_POOL | MDL_PAGES_LOCKED | MDL_PARTIAL);
    if (offending != 0 && vf_rule_enabled(call, RULE_mdl_probe_wrong_flags)) {
        kd_raise(call, RULE_mdl_probe_wrong_flags, MemoryDescriptorList, v.flags, offending);
        return;
    }
    /* The verifier's probe raises STATUS_WORKING_SET_QUOTA, the status of a
     * real probe that cannot lock more pages (Windows Research Kernel,
     * VerifierProbeAndLockPages); the MDL is left unlocked. */
    if (vf_inject_fault(call, 0, 0, false, false)) {
        call->raised = STATUS_WORKING_SET_QUOTA;
        return;
    }
    MmProbeAndLockPages(call, MemoryDescriptorList, AccessMode, Operation);
}

static void vf_MmUnlockPages(ke_call *call, PVOID_VA MemoryDescriptorList)
{
    KIRQL irql = ke_call_irql(call);
    if (irql > DISPATCH_LEVEL && vf_rule_enabled(call, RULE_mdl_unlock_above_dispatch)) {
        kd_raise(call, RULE_mdl_unlock_above_dispatch, irql, MemoryDescriptorList, 0);
        return;
    }
    mdl_view v;
    if (mdl_read(call->m, MemoryDescriptorList, &v)) {
        if ((v.flags & MDL_SOURCE_IS_NONPAGED_POOL) &&
            vf_rule_enabled(call, RULE_mdl_unlock_nonpaged)) {
            kd_raise(call, RULE_mdl_unlock_nonpaged, MemoryDescriptorList, v.flags, 0);
            return;
        }
        if (!(v.flags & MDL_PAGES_LOCKED) && vf_rule_enabled(call, RULE_mdl_unlock_not_locked)) {
            kd_raise(call, RULE_mdl_unlock_not_locked, MemoryDescriptorList, v.flags, 0);
            return;
        }
    }
    MmUnlockPages(call, MemoryDescriptorList);
}

/* The checks of a mapping request; false if one fired. */
static bool check_map(ke_call *call, PVOID_VA Mdl, ULONG AccessMode, ULONG BugCheckOnFailure)
{
    KIRQL irql = ke_call_irql(call);
    if (AccessMode == 0 /* KernelMode */ && irql > DISPATCH_LEVEL &&
        vf_rule_enabled(call, RULE_mdl_map_above_dispatch)) {
        kd_raise(call, RULE_mdl_map_above_dispatch, irql, Mdl, AccessMode);
        return false;
    }
    mdl_view v;
    if (!mdl_read(call->m, Mdl, &v))
        return true;
    if (BugCheckOnFailure && vf_rule_enabled(call, RULE_mdl_map_bugcheck_on_failure)) {
        kd_raise(call, RULE_mdl_map_bugcheck_on_failure, Mdl, v.flags, 0);
        return false;
    }
    if ((v.flags & MDL_MAPPED_TO_SYSTEM_VA) && vf_rule_enabled(call, RULE_mdl_map_already_mapped)) {
        kd_raise(call, RULE_mdl_map_already_mapped, Mdl, v.flags, MDL_MAPPED_TO_SYSTEM_VA);
        return false;
    }
    if (!(v.flags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL)) &&
        vf_rule_enabled(call, RULE_mdl_map_not_locked)) {
        kd_raise(call, RULE_mdl_map_not_locked, Mdl, v.flags, MDL_PAGES_LOCKED);
        return false;
    }
    return true;
}

static PVOID_VA vf_MmMapLockedPagesSpecifyCache(ke_call *call, PVOID_VA MemoryDescriptorList,
                                                ULONG AccessMode, ULONG CacheType,
                                                PVOID_VA RequestedAddress, ULONG BugCheckOnFailure,
                                                ULONG Priority)
{
    if (!check_map(call, MemoryDescriptorList, AccessMode, BugCheckOnFailure))
        return 0;
    /* A kernel-mode mapping fails with NULL. A user-mode one raises on
     * failure, which is not injected (drvsim has no user address space). */
    if (AccessMode == 0 /* KernelMode */ && vf_inject_fault(call, 0, 0, false, false))
        return 0;
    return MmMapLockedPagesSpecifyCache(call, MemoryDescriptorList, AccessMode, CacheType,
                                        RequestedAddress, BugCheckOnFailure, Priority);
}

static PVOID_VA vf_MmGetSystemAddressForMdlSafe(ke_call *call, PVOID_VA Mdl, ULONG Priority)
{
    /* The macro maps through MmMapLockedPagesSpecifyCache when the MDL has
     * no mapping yet: the same checks apply to that call. */
    mdl_view v;
    bool maps = mdl_read(call->m, Mdl, &v) &&
                !(v.flags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL));
    if (maps && !check_map(call, Mdl, 0 /* KernelMode */, 0))
        return 0;
    /* Only a call that maps can fail: one that reads MappedSystemVa cannot. */
    if (maps && vf_inject_fault(call, 0, 0, false, false))
        return 0;
    return MmGetSystemAddressForMdlSafe(call, Mdl, Priority);
}

static void vf_MmUnmapLockedPages(ke_call *call, PVOID_VA BaseAddress,
                                  PVOID_VA MemoryDescriptorList)
{
    KIRQL irql = ke_call_irql(call);
    if (irql > DISPATCH_LEVEL && vf_rule_enabled(call, RULE_mdl_unmap_above_dispatch)) {
        kd_raise(call, RULE_mdl_unmap_above_dispatch, irql, BaseAddress, MemoryDescriptorList);
        return;
    }
    MmUnmapLockedPages(call, BaseAddress, MemoryDescriptorList);
}

/* ------------------------------------------------------------------------ */
/* Interrupts                                                               */
/* ------------------------------------------------------------------------ */

/* A synchronized call that got the lock (not one that spins and will be
 * retried): the counter, and force IRQL checking's trim, which the verifier
 * makes at every KeSynchronizeExecution of a verified driver. */
static bool vf_KeSynchronizeExecution(ke_call *call, PVOID_VA Interrupt,
                                      uint32_t SynchronizeRoutine, PVOID_VA SynchronizeContext)
{
    bool result = KeSynchronizeExecution(call, Interrupt, SynchronizeRoutine, SynchronizeContext);
    if (call->callout && !ke_stopped(call->m)) {
        (*counter(call, DRVSIM_GC_SynchronizeExecutions))++;
        force_irql_trim(call);
    }
    return result;
}

/* ------------------------------------------------------------------------ */
/* Work items                                                               */
/* ------------------------------------------------------------------------ */

static PVOID_VA vf_IoAllocateWorkItem(ke_call *call, PVOID_VA DeviceObject)
{
    /* Pool tracking tracks work items (Windows 8.1 and later) under the
     * verifier's tag, so a leaked one shows in the unload report as "Vfwi". */
    bool tracking = vf_option_enabled(call, VF_FLAG_POOL_TRACKING);
    ULONG tag = tracking ? IO_WORKITEM_VERIFIER_POOL_TAG : IO_WORKITEM_POOL_TAG;
    if (vf_inject_fault(call, tag, NonPagedPoolNx, true, false))
        return 0;
    PVOID_VA item = ex_work_item_allocate(call, DeviceObject, tag);
    if (item != 0 && tracking)
        vf_pool_track(call, ex_pool_find(call->m->pool, item));
    return item;
}

/* A work item must be in nonpaged memory: the worker takes it at
 * DISPATCH_LEVEL. P2 the item. False if the check fired. */
static bool check_queue(ke_call *call, PVOID_VA IoWorkItem)
{
    /* Pageable: paged pool, paged special pool, a PAGE section. */
    const mm_page *page = mm_lookup(call->m->mm, IoWorkItem);
    if (page != NULL && page->pageable && vf_rule_enabled(call, RULE_workitem_pageable)) {
        kd_raise(call, RULE_workitem_pageable, IoWorkItem, 0, 0);
        return false;
    }
    return true;
}

static void vf_IoQueueWorkItem(ke_call *call, PVOID_VA IoWorkItem, uint32_t WorkerRoutine,
                               ULONG QueueType, PVOID_VA Context)
{
    if (check_queue(call, IoWorkItem))
        IoQueueWorkItem(call, IoWorkItem, WorkerRoutine, QueueType, Context);
}

static void vf_IoQueueWorkItemEx(ke_call *call, PVOID_VA IoWorkItem, uint32_t WorkerRoutine,
                                 ULONG QueueType, PVOID_VA Context)
{
    if (check_queue(call, IoWorkItem))
        IoQueueWorkItemEx(call, IoWorkItem, WorkerRoutine, QueueType, Context);
}

/* ------------------------------------------------------------------------ */
/* Lookaside lists                                                          */
/* ------------------------------------------------------------------------ */

/* The checks of an initialisation; false if one fired. P2 the list. */
static bool check_lookaside_init(ke_call *call, PVOID_VA Lookaside, uint64_t Size)
{
    uint32_t minimum = ex_lookaside_minimum_size(call->m->config.arch);
    if (Size < minimum && vf_rule_enabled(call, RULE_lookaside_block_too_small)) {
        kd_raise(call, RULE_lookaside_block_too_small, Lookaside, Size, minimum);
        return false;
    }
    ex_lookaside *l = ex_lookaside_at(call->m, Lookaside);
    if (l != NULL && l->active && vf_rule_enabled(call, RULE_lookaside_init_twice)) {
        kd_raise(call, RULE_lookaside_init_twice, Lookaside, 0, 0);
        return false;
    }
    return true;
}

static bool check_lookaside_delete(ke_call *call, PVOID_VA Lookaside)
{
    ex_lookaside *l = ex_lookaside_at(call->m, Lookaside);
    if ((l == NULL || !l->active) && vf_rule_enabled(call, RULE_lookaside_delete_uninitialized)) {
        kd_raise(call, RULE_lookaside_delete_uninitialized, Lookaside, 0, 0);
        return false;
    }
    return true;
}

static void vf_ExInitializeNPagedLookasideList(ke_call *call, PVOID_VA Lookaside, uint32_t Allocate,
                                               uint32_t Free, ULONG Flags, uint64_t Size, ULONG Tag,
                                               ULONG Depth)
{
    if (check_lookaside_init(call, Lookaside, Size))
        ExInitializeNPagedLookasideList(call, Lookaside, Allocate, Free, Flags, Size, Tag, Depth);
}

static void vf_ExInitializePagedLookasideList(ke_call *call, PVOID_VA Lookaside, uint32_t Allocate,
                                              uint32_t Free, ULONG Flags, uint64_t Size, ULONG Tag,
                                              ULONG Depth)
{
    if (check_lookaside_init(call, Lookaside, Size))
        ExInitializePagedLookasideList(call, Lookaside, Allocate, Free, Flags, Size, Tag, Depth);
}

static void vf_ExDeleteNPagedLookasideList(ke_call *call, PVOID_VA Lookaside)
{
    if (check_lookaside_delete(call, Lookaside))
        ExDeleteNPagedLookasideList(call, Lookaside);
}

static void vf_ExDeletePagedLookasideList(ke_call *call, PVOID_VA Lookaside)
{
    if (check_lookaside_delete(call, Lookaside))
        ExDeletePagedLookasideList(call, Lookaside);
}

/* ------------------------------------------------------------------------ */
/* Spin locks                                                               */
/* ------------------------------------------------------------------------ */

/* An acquire that succeeded (not one that spins and will be retried): the
 * counter, and force IRQL checking's trim. */
static void acquired(ke_call *call)
{
    if (call->spin || ke_stopped(call->m))
        return;
    (*counter(call, DRVSIM_GC_AcquireSpinLocks))++;
    force_irql_trim(call);
}

static void vf_KeAcquireSpinLock(ke_call *call, PVOID_VA SpinLock, KIRQL *OldIrql)
{
    KIRQL irql = ke_call_irql(call);
    if (irql > DISPATCH_LEVEL && vf_rule_enabled(call, RULE_spinlock_acquire_above_dispatch)) {
        kd_raise(call, RULE_spinlock_acquire_above_dispatch, irql, SpinLock, 0);
        return;
    }
    KeAcquireSpinLock(call, SpinLock, OldIrql);
    acquired(call);
}

static void vf_KeReleaseSpinLock(ke_call *call, PVOID_VA SpinLock, KIRQL NewIrql)
{
    KIRQL irql = ke_call_irql(call);
    if (irql != DISPATCH_LEVEL && vf_rule_enabled(call, RULE_spinlock_release_not_dispatch)) {
        kd_raise(call, RULE_spinlock_release_not_dispatch, irql, SpinLock, 0);
        return;
    }
    KeReleaseSpinLock(call, SpinLock, NewIrql);
}

static void vf_KeAcquireSpinLockAtDpcLevel(ke_call *call, PVOID_VA SpinLock)
{
    KIRQL irql = ke_call_irql(call);
    if (irql < DISPATCH_LEVEL && vf_rule_enabled(call, RULE_spinlock_acquire_dpc_below_dispatch)) {
        kd_raise(call, RULE_spinlock_acquire_dpc_below_dispatch, irql, SpinLock, 0);
        return;
    }
    KeAcquireSpinLockAtDpcLevel(call, SpinLock);
    acquired(call);
}

static void vf_KeReleaseSpinLockFromDpcLevel(ke_call *call, PVOID_VA SpinLock)
{
    KIRQL irql = ke_call_irql(call);
    if (irql < DISPATCH_LEVEL && vf_rule_enabled(call, RULE_spinlock_release_dpc_below_dispatch)) {
        kd_raise(call, RULE_spinlock_release_dpc_below_dispatch, irql, SpinLock, 0);
        return;
    }
    KeReleaseSpinLockFromDpcLevel(call, SpinLock);
}

static void vf_KeAcquireInStackQueuedSpinLock(ke_call *call, PVOID_VA SpinLock, PVOID_VA LockHandle)
{
    KeAcquireInStackQueuedSpinLock(call, SpinLock, LockHandle);
    acquired(call);
}

static void vf_KeAcquireInStackQueuedSpinLockAtDpcLevel(ke_call *call, PVOID_VA SpinLock,
                                                        PVOID_VA LockHandle)
{
    KeAcquireInStackQueuedSpinLockAtDpcLevel(call, SpinLock, LockHandle);
    acquired(call);
}

/* ------------------------------------------------------------------------ */
/* Fast mutexes, critical regions                                           */
/* ------------------------------------------------------------------------ */

/* The thread's APC-disable count as the 0x34/0x39/0x3A parameter gives it:
 * KernelApcDisable, a SHORT, widened with its sign to a ULONG_PTR. */
static uint64_t apc_disable_param(const ke_call *call)
{
    uint64_t v = (uint64_t)(int64_t)call->thread->kernel_apc_disable;
    return call->m->config.arch == KE_ARCH_X86 ? (uint32_t)v : v;
}

static void vf_ExAcquireFastMutex(ke_call *call, PVOID_VA FastMutex)
{
    KIRQL irql = ke_call_irql(call);
    if (irql > APC_LEVEL && vf_rule_enabled(call, RULE_fast_mutex_acquire_above_apc)) {
        kd_raise(call, RULE_fast_mutex_acquire_above_apc, irql, FastMutex, 0);
        return;
    }
    ExAcquireFastMutex(call, FastMutex);
}

static bool vf_ExTryToAcquireFastMutex(ke_call *call, PVOID_VA FastMutex)
{
    KIRQL irql = ke_call_irql(call);
    if (irql > APC_LEVEL && vf_rule_enabled(call, RULE_fast_mutex_acquire_above_apc)) {
        kd_raise(call, RULE_fast_mutex_acquire_above_apc, irql, FastMutex, 0);
        return false;
    }
    return ExTryToAcquireFastMutex(call, FastMutex);
}

/* The acquire raised to APC_LEVEL: a release anywhere else means the IRQL
 * was changed while the mutex was held, or the mutex was not acquired. */
static void vf_ExReleaseFastMutex(ke_call *call, PVOID_VA FastMutex)
{
    KIRQL irql = ke_call_irql(call);
    if (irql != APC_LEVEL && vf_rule_enabled(call, RULE_fast_mutex_release_not_apc)) {
        kd_raise(call, RULE_fast_mutex_release_not_apc, irql, apc_disable_param(call), FastMutex);
        return;
    }
    ExReleaseFastMutex(call, FastMutex);
}

/* The Unsafe forms do not raise: the caller must hold off APCs itself, at
 * APC_LEVEL or in a critical (or guarded) region, and may not be above
 * APC_LEVEL since the acquire can wait. */
static bool unsafe_ok(ke_call *call)
{
    KIRQL irql = ke_call_irql(call);
    if (irql > APC_LEVEL)
        return false;
    return irql == APC_LEVEL || ke_combined_apc_disable(call->thread) != 0;
}

static void vf_ExAcquireFastMutexUnsafe(ke_call *call, PVOID_VA FastMutex)
{
    if (!unsafe_ok(call) && vf_rule_enabled(call, RULE_fast_mutex_unsafe_acquire_bad_irql)) {
        kd_raise(call, RULE_fast_mutex_unsafe_acquire_bad_irql, ke_call_irql(call),
                 apc_disable_param(call), FastMutex);
        return;
    }
    ExAcquireFastMutexUnsafe(call, FastMutex);
}

static void vf_ExReleaseFastMutexUnsafe(ke_call *call, PVOID_VA FastMutex)
{
    if (!unsafe_ok(call) && vf_rule_enabled(call, RULE_fast_mutex_unsafe_release_bad_irql)) {
        kd_raise(call, RULE_fast_mutex_unsafe_release_bad_irql, ke_call_irql(call),
                 apc_disable_param(call), FastMutex);
        return;
    }
    ExReleaseFastMutexUnsafe(call, FastMutex);
}

/* Force IRQL checking (Windows 7 and later) also holds the critical region
 * routines to their IRQL bound, APC_LEVEL: 0xC4/0x11A and 0x11B, P2 the
 * IRQL. */
static void vf_KeEnterCriticalRegion(ke_call *call)
{
    KIRQL irql = ke_call_irql(call);
    if (irql > APC_LEVEL && vf_rule_enabled(call, RULE_critical_region_enter_above_apc)) {
        kd_raise(call, RULE_critical_region_enter_above_apc, irql, 0, 0);
        return;
    }
    KeEnterCriticalRegion(call);
}

/* KernelApcDisable is negative inside a critical region: 0 (or positive,
 * after an earlier unbalanced leave) means there is none to leave. */
static void vf_KeLeaveCriticalRegion(ke_call *call)
{
    KIRQL irql = ke_call_irql(call);
    if (irql > APC_LEVEL && vf_rule_enabled(call, RULE_critical_region_leave_above_apc)) {
        kd_raise(call, RULE_critical_region_leave_above_apc, irql, 0, 0);
        return;
    }
    if (call->thread->kernel_apc_disable >= 0 &&
        vf_rule_enabled(call, RULE_critical_region_leave_not_entered)) {
        kd_raise(call, RULE_critical_region_leave_not_entered, 0, 0, 0);
        return;
    }
    KeLeaveCriticalRegion(call);
}

/* ------------------------------------------------------------------------ */
/* Executive resources                                                      */
/* ------------------------------------------------------------------------ */

/* The checks of an acquire (ViMiscCheckResourceAcquire). An ERESOURCE must be
 * pointer aligned (0x3D: P4 the resource). Then it must be acquired with
 * normal kernel APCs disabled, so that no APC suspends the thread while it
 * owns it (0x37: P2 the IRQL, P3 CombinedApcDisable, P4 the resource):
 * APC_LEVEL does it, a critical or guarded region does it; DISPATCH_LEVEL
 * with Wait FALSE is let through, and system threads are exempt, since
 * nothing suspends them from user mode. False if one fired. */
static bool check_resource_acquire(ke_call *call, PVOID_VA Resource, bool Wait)
{
    uint64_t mask = call->m->config.arch == KE_ARCH_X86 ? 3 : 7;
    if ((Resource & mask) != 0 && vf_rule_enabled(call, RULE_resource_unaligned)) {
        kd_raise(call, RULE_resource_unaligned, 0, 0, Resource);
        return false;
    }
    KIRQL irql = ke_call_irql(call);
    uint32_t combined = ke_combined_apc_disable(call->thread);
    if (irql != APC_LEVEL && !ke_system_thread(call->thread) && combined == 0 &&
        (irql != DISPATCH_LEVEL || Wait) &&
        vf_rule_enabled(call, RULE_resource_acquire_apcs_enabled)) {
        kd_raise(call, RULE_resource_acquire_apcs_enabled, irql, combined, Resource);
        return false;
    }
    return true;
}

/* The same at release (ViMiscCheckResourceRelease), 0x38; any release at
 * DISPATCH_LEVEL is let through. */
static bool check_resource_release(ke_call *call, PVOID_VA Resource)
{
    KIRQL irql = ke_call_irql(call);
    uint32_t combined = ke_combined_apc_disable(call->thread);
    if (irql != APC_LEVEL && irql != DISPATCH_LEVEL && !ke_system_thread(call->thread) &&
        combined == 0 && vf_rule_enabled(call, RULE_resource_release_apcs_enabled)) {
        kd_raise(call, RULE_resource_release_apcs_enabled, irql, combined, Resource);
        return false;
    }
    return true;
}

static bool vf_ExAcquireResourceExclusiveLite(ke_call *call, PVOID_VA Resource, bool Wait)
{
    if (!check_resource_acquire(call, Resource, Wait))
        return false;
    return ExAcquireResourceExclusiveLite(call, Resource, Wait);
}

static bool vf_ExAcquireResourceSharedLite(ke_call *call, PVOID_VA Resource, bool Wait)
{
    if (!check_resource_acquire(call, Resource, Wait))
        return false;
    return ExAcquireResourceSharedLite(call, Resource, Wait);
}

static bool vf_ExAcquireSharedStarveExclusive(ke_call *call, PVOID_VA Resource, bool Wait)
{
    if (!check_resource_acquire(call, Resource, Wait))
        return false;
    return ExAcquireSharedStarveExclusive(call, Resource, Wait);
}

static bool vf_ExAcquireSharedWaitForExclusive(ke_call *call, PVOID_VA Resource, bool Wait)
{
    if (!check_resource_acquire(call, Resource, Wait))
        return false;
    return ExAcquireSharedWaitForExclusive(call, Resource, Wait);
}

static bool vf_ExTryToAcquireResourceExclusiveLite(ke_call *call, PVOID_VA Resource)
{
    if (!check_resource_acquire(call, Resource, false))
        return false;
    return ExTryToAcquireResourceExclusiveLite(call, Resource);
}

static void vf_ExReleaseResourceLite(ke_call *call, PVOID_VA Resource)
{
    if (check_resource_release(call, Resource))
        ExReleaseResourceLite(call, Resource);
}

static void vf_ExReleaseResourceForThreadLite(ke_call *call, PVOID_VA Resource,
                                              uint64_t ResourceThreadId)
{
    if (check_resource_release(call, Resource))
        ExReleaseResourceForThreadLite(call, Resource, ResourceThreadId);
}

/* Miscellaneous checks track the resources a verified driver initialises
 * (VfTrackResource): one initialised again before ExDeleteResourceLite is
 * 0xD0, P2 the resource; the free check (0xD2) looks for tracked ones. */
static NTSTATUS vf_ExInitializeResourceLite(ke_call *call, PVOID_VA Resource)
{
    ex_resource *before = ex_resource_at(call->m, Resource);
    bool tracked = before != NULL && before->listed && before->vf_tracked;
    NTSTATUS status = ExInitializeResourceLite(call, Resource);
    if (!NT_SUCCESS(status) || !vf_rule_enabled(call, RULE_resource_initialized_twice))
        return status;
    if (tracked) {
        kd_raise(call, RULE_resource_initialized_twice, Resource, 0, 0);
        return status;
    }
    ex_resource_at(call->m, Resource)->vf_tracked = true;
    return status;
}

/* VfDeleteResource: a resource that is not initialised (never, or deleted
 * already) is 0xD1, P2 the resource. */
static NTSTATUS vf_ExDeleteResourceLite(ke_call *call, PVOID_VA Resource)
{
    ex_resource *r = ex_resource_at(call->m, Resource);
    if ((r == NULL || !r->listed) && vf_rule_enabled(call, RULE_resource_delete_uninitialized)) {
        kd_raise(call, RULE_resource_delete_uninitialized, Resource, 0, 0);
        return STATUS_UNSUCCESSFUL;
    }
    return ExDeleteResourceLite(call, Resource);
}

/* ------------------------------------------------------------------------ */
/* Waits, events, object references                                          */
/* ------------------------------------------------------------------------ */

/* A wait at raised IRQL: above DISPATCH_LEVEL never; at DISPATCH_LEVEL only
 * with a zero timeout (a poll). P2 is the IRQL (Windows gives the address of
 * its IRQL variable, which a scenario has no use for), P3 the object, P4 the
 * timeout (the value; ~0 for none). False if it fired. */
static bool check_wait(ke_call *call, PVOID_VA object, ke_timeout timeout)
{
    KIRQL irql = ke_call_irql(call);
    uint64_t timeout_value = timeout.given ? (uint64_t)timeout.value_100ns : UINT64_MAX;
    rule_id rule;
    if (irql > DISPATCH_LEVEL)
        rule = RULE_wait_above_dispatch;
    else if (irql == DISPATCH_LEVEL && !timeout.given)
        rule = RULE_wait_at_dispatch_forever;
    else if (irql == DISPATCH_LEVEL && timeout.value_100ns != 0)
        rule = RULE_wait_at_dispatch_timeout;
    else
        return true;
    if (!vf_rule_enabled(call, rule))
        return true;
    kd_raise(call, rule, irql, object, timeout_value);
    return false;
}

static NTSTATUS vf_KeWaitForSingleObject(ke_call *call, PVOID_VA Object, ULONG WaitReason,
                                         ULONG WaitMode, bool Alertable, ke_timeout Timeout)
{
    if (!check_wait(call, Object, Timeout))
        return STATUS_UNSUCCESSFUL;
    return KeWaitForSingleObject(call, Object, WaitReason, WaitMode, Alertable, Timeout);
}

static NTSTATUS vf_KeWaitForMultipleObjects(ke_call *call, ULONG Count, const ke_ptr_array *Object,
                                            ULONG WaitType, ULONG WaitReason, ULONG WaitMode,
                                            bool Alertable, ke_timeout Timeout,
                                            PVOID_VA WaitBlockArray)
{
    if (!check_wait(call, Object->count > 0 ? Object->items[0] : 0, Timeout))
        return STATUS_UNSUCCESSFUL;
    return KeWaitForMultipleObjects(call, Count, Object, WaitType, WaitReason, WaitMode, Alertable,
                                    Timeout, WaitBlockArray);
}

static NTSTATUS vf_KeDelayExecutionThread(ke_call *call, ULONG WaitMode, bool Alertable,
                                          ke_timeout Interval)
{
    if (!check_wait(call, 0, Interval))
        return STATUS_UNSUCCESSFUL;
    return KeDelayExecutionThread(call, WaitMode, Alertable, Interval);
}

static int32_t vf_KeSetEvent(ke_call *call, PVOID_VA Event, int32_t Increment, bool Wait)
{
    KIRQL irql = ke_call_irql(call);
    if (irql > DISPATCH_LEVEL && vf_rule_enabled(call, RULE_set_event_above_dispatch)) {
        kd_raise(call, RULE_set_event_above_dispatch, irql, Event, 0);
        return 0;
    }
    return KeSetEvent(call, Event, Increment, Wait);
}

static NTSTATUS vf_ObReferenceObjectByHandle(ke_call *call, uint64_t Handle, ULONG DesiredAccess,
                                             PVOID_VA ObjectType, ULONG AccessMode,
                                             PVOID_VA *Object, PVOID_VA *HandleInformation)
{
    if (ob_handle_object(call->m, Handle) == NULL && vf_rule_enabled(call, RULE_ob_bad_handle)) {
        kd_raise(call, RULE_ob_bad_handle, Handle, ObjectType, 0);
        return STATUS_UNSUCCESSFUL;
    }
    return ObReferenceObjectByHandle(call, Handle, DesiredAccess, ObjectType, AccessMode, Object,
                                     HandleInformation);
}

/* Reference counts that reach zero are checked from Windows 7 on: P3 is the
 * new count, -1 on the dereference path and 1 on the reference path. */
static void vf_ObDereferenceObject(ke_call *call, PVOID_VA Object)
{
    ke_object *o = ke_object_at(call->m, Object);
    if (o != NULL && o->references <= 0 && vf_rule_enabled(call, RULE_ob_reference_count_zero)) {
        kd_raise(call, RULE_ob_reference_count_zero, Object, (uint64_t)-1, 0);
        return;
    }
    ObDereferenceObject(call, Object);
}

static void vf_ObReferenceObject(ke_call *call, PVOID_VA Object)
{
    ke_object *o = ke_object_at(call->m, Object);
    if (o != NULL && o->references <= 0 && vf_rule_enabled(call, RULE_ob_reference_count_zero)) {
        kd_raise(call, RULE_ob_reference_count_zero, Object, 1, 0);
        return;
    }
    ObReferenceObject(call, Object);
}

/* ------------------------------------------------------------------------ */
/* Rtl string routines                                                      */
/* ------------------------------------------------------------------------ */

/* Pool tracking follows the buffers the allocating string routines give a
 * verified driver (Windows 7 and later), so a string never freed is a leak
 * at unload like any other. */
static void track_string_buffer(ke_call *call, PVOID_VA string, ke_type_id type)
{
    uint64_t buffer = 0;
    if (ke_stopped(call->m) || !ke_field_get(call, string, ke_type_field(type, "Buffer"), &buffer))
        return;
    ex_block *b = ex_pool_find(call->m->pool, buffer);
    if (b != NULL && !b->freed && !b->tracked)
        vf_pool_track(call, b);
}

static NTSTATUS vf_RtlAnsiStringToUnicodeString(ke_call *call, PVOID_VA DestinationString,
                                                PVOID_VA SourceString,
                                                bool AllocateDestinationString)
{
    /* Windows 7 and later fail the allocating Rtl string routines too. */
    if (AllocateDestinationString &&
        vf_inject_fault(call, RTL_STRING_POOL_TAG_UNICODE, PagedPool, true, false))
        return STATUS_NO_MEMORY;
    NTSTATUS status = RtlAnsiStringToUnicodeString(call, DestinationString, SourceString,
                                                   AllocateDestinationString);
    if (NT_SUCCESS(status) && AllocateDestinationString)
        track_string_buffer(call, DestinationString, KE_TYPE_UNICODE_STRING);
    return status;
}

static NTSTATUS vf_RtlUnicodeStringToAnsiString(ke_call *call, PVOID_VA DestinationString,
                                                PVOID_VA SourceString,
                                                bool AllocateDestinationString)
{
    if (AllocateDestinationString &&
        vf_inject_fault(call, RTL_STRING_POOL_TAG_ANSI, PagedPool, true, false))
        return STATUS_NO_MEMORY;
    NTSTATUS status = RtlUnicodeStringToAnsiString(call, DestinationString, SourceString,
                                                   AllocateDestinationString);
    if (NT_SUCCESS(status) && AllocateDestinationString)
        track_string_buffer(call, DestinationString, KE_TYPE_ANSI_STRING);
    return status;
}

/* ------------------------------------------------------------------------ */
/* I/O verification (/flags 0x10)                                           */
/* ------------------------------------------------------------------------ */

bool vf_io_watched(const ke_machine *m, const io_driver *d)
{
    if (d == NULL || !d->verified || d->graphics)
        return false;
    return (m->vf->settings.flags & VF_FLAG_IO_VERIFICATION) != 0;
}

/* Level 2 (the WDM DRIVER ERROR checks): /iolevel 2, the default. */
static bool io_level2(const ke_machine *m)
{
    return m->vf->settings.iolevel >= 2;
}

/*
 * A 0xC9 whose P1 is the rule's code, blaming `blame` (NULL: the caller).
 * A level 2 error (a WDM DRIVER ERROR, P1 0x200 and up) with a kernel
 * debugger attached is printed, as the debugger shows it, and ignored
 * (seed 003, 2.1.1.6): returns false then, and the call goes on as if the
 * check had passed. Returns true when the machine stopped.
 */
static bool io_raise(ke_call *call, rule_id rule, io_driver *blame, uint64_t p2, uint64_t p3,
                     uint64_t p4)
{
    const rule_row *row = &rule_table[rule];
    if (row->sub_value >= 0x200 && call->m->config.kd_attached) {
        const io_driver *d = blame != NULL ? blame : call->driver;
        char text[400];
        snprintf(text, sizeof text,
                 "WDM DRIVER ERROR 0x%X (%s): %s; P2 0x%llX, P3 0x%llX, P4 0x%llX\n",
                 (unsigned)row->sub_value, d != NULL ? d->name : "?",
                 row->description + strlen("WDM DRIVER ERROR: "), (unsigned long long)p2,
                 (unsigned long long)p3, (unsigned long long)p4);
        kd_debug_output(call, 0 /* DPFLTR_SYSTEM_ID */, 0 /* DPFLTR_ERROR_LEVEL */, text);
        return false;
    }
    const uint64_t params[4] = {row->sub_value, p2, p3, p4};
    kd_raise_full(call, rule, row->code, params, blame, NULL);
    return true;
}

static uint64_t irp_field(ke_machine *m, PVOID_VA irp, const char *name)
{
    const ke_field *f = ke_type_field(KE_TYPE_IRP, name);
    uint64_t v = 0;
    mm_peek(m->mm, irp + f->offset[m->config.arch], &v, ke_field_size(m->config.arch, f));
    return v;
}

static PVOID_VA irp_location(ke_machine *m, PVOID_VA irp)
{
    PVOID_VA tail = irp + ke_type_field(KE_TYPE_IRP, "Tail")->offset[m->config.arch];
    const ke_field *f = ke_type_field(KE_TYPE_IRP_TAIL_OVERLAY, "CurrentStackLocation");
    uint64_t v = 0;
    mm_peek(m->mm, tail + f->offset[m->config.arch], &v, ke_field_size(m->config.arch, f));
    return v;
}

static uint64_t sl_field(ke_machine *m, PVOID_VA sl, const char *name)
{
    const ke_field *f = ke_type_field(KE_TYPE_IO_STACK_LOCATION, name);
    uint64_t v = 0;
    mm_peek(m->mm, sl + f->offset[m->config.arch], &v, ke_field_size(m->config.arch, f));
    return v;
}

/* Whether len bytes at va can be read without a fault (resident pages). */
static bool readable(ke_machine *m, PVOID_VA va, uint64_t len)
{
    if (len == 0)
        return true;
    if (va == 0)
        return false;
    for (PVOID_VA p = va & ~(PVOID_VA)(PAGE_SIZE - 1); p < va + len; p += PAGE_SIZE) {
        mm_page *page = mm_lookup(m->mm, p);
        if (page == NULL)
            return false;
    }
    return true;
}

/* Low resources simulation fails IRP allocations too (Vista and later:
 * IoAllocateIrp; Windows 7 and later: every routine that allocates one). */
static bool inject_irp(ke_call *call)
{
    return inject_pool(call, NonPagedPool, IO_IRP_POOL_TAG, false);
}

static PVOID_VA vf_IoAllocateIrp(ke_call *call, uint8_t StackSize, bool ChargeQuota)
{
    if (inject_irp(call))
        return 0;
    return IoAllocateIrp(call, StackSize, ChargeQuota);
}

static void vf_IoFreeIrp(ke_call *call, PVOID_VA Irp)
{
    ke_machine *m = call->m;
    if (vf_rule_enabled(call, RULE_io_free_not_irp)) {
        io_irp *irp = io_irp_at(m, Irp);
        uint16_t type = 0;
        if (!mm_access(call, Irp, &type, sizeof type, false))
            return;
        if (type != IO_TYPE_IRP || irp == NULL) {
            io_raise(call, RULE_io_free_not_irp, NULL, Irp, 0, 0);
            return;
        }
        if (irp->thread != NULL) {
            io_raise(call, RULE_io_free_irp_on_thread, NULL, Irp, 0, 0);
            return;
        }
        if (io_level2(m) && (irp->dispatching > 0 || irp->in_flight) &&
            io_raise(call, RULE_io2_free_irp_in_use, NULL, 0, Irp, 0))
            return;
    }
    IoFreeIrp(call, Irp);
}

static NTSTATUS vf_IoCallDriver(ke_call *call, PVOID_VA DeviceObject, PVOID_VA Irp)
{
    ke_machine *m = call->m;
    if (vf_option_enabled(call, VF_FLAG_IO_VERIFICATION)) {
        KIRQL irql = ke_call_irql(call);
        if (irql > DISPATCH_LEVEL) {
            io_raise(call, RULE_io_call_above_dispatch, NULL, irql, 0, 0);
            return STATUS_UNSUCCESSFUL;
        }
        uint16_t type = 0;
        if (!mm_access(call, Irp, &type, sizeof type, false))
            return STATUS_ACCESS_VIOLATION;
        io_irp *irp = io_irp_at(m, Irp);
        if (type != IO_TYPE_IRP || irp == NULL) {
            io_raise(call, RULE_io_call_not_irp, NULL, Irp, 0, 0);
            return STATUS_UNSUCCESSFUL;
        }
        io_device *dev = io_device_at(m, DeviceObject);
        if (dev == NULL || dev->deleted) {
            io_raise(call, RULE_io_call_bad_device, NULL, DeviceObject, 0, 0);
            return STATUS_UNSUCCESSFUL;
        }
        if (io_level2(m)) {
            uint64_t cancel = irp_field(m, Irp, "CancelRoutine");
            if (cancel != 0 &&
                io_raise(call, RULE_io2_call_cancel_routine_set, NULL, 0, Irp, cancel))
                return STATUS_UNSUCCESSFUL;
            /* The device needs StackSize locations from here down. */
            uint64_t stack_size = 0;
            mm_peek(m->mm,
                    DeviceObject + KE_FIELD(DEVICE_OBJECT, StackSize)->offset[m->config.arch],
                    &stack_size, 1);
            if (irp_field(m, Irp, "CurrentLocation") <= stack_size &&
                io_raise(call, RULE_io2_out_of_stack_locations, NULL, 0, Irp, 0))
                return STATUS_UNSUCCESSFUL;
            /* A manual copy of the whole location takes the upper driver's
             * completion routine with it: the lower location's routine is
             * the current one's (IoCopyCurrentIrpStackLocationToNext stops
             * before it). */
            PVOID_VA sl = irp_location(m, Irp);
            PVOID_VA next = sl - io_stack_location_bytes(m);
            uint64_t upper = irp_field(m, Irp, "CurrentLocation") <= irp->stack_count
                                 ? sl_field(m, sl, "CompletionRoutine")
                                 : 0;
            if (upper != 0 && sl_field(m, next, "CompletionRoutine") == upper &&
                io_raise(call, RULE_io2_copied_completion_routine, NULL, 0, Irp, upper))
                return STATUS_UNSUCCESSFUL;
        }
    }
    return IoCallDriver(call, DeviceObject, Irp);
}

static void vf_IoCompleteRequest(ke_call *call, PVOID_VA Irp, uint8_t PriorityBoost)
{
    ke_machine *m = call->m;
    if (vf_option_enabled(call, VF_FLAG_IO_VERIFICATION)) {
        KIRQL irql = ke_call_irql(call);
        if (irql > DISPATCH_LEVEL) {
            io_raise(call, RULE_io_complete_above_dispatch, NULL, irql, Irp, 0);
            return;
        }
        uint16_t type = 0;
        if (!mm_access(call, Irp, &type, sizeof type, false))
            return;
        if (io_irp_at(m, Irp) != NULL) {
            uint32_t status = 0;
            const ke_field *f = KE_FIELD(IO_STATUS_BLOCK, Status);
            PVOID_VA iosb = Irp + ke_type_field(KE_TYPE_IRP, "IoStatus")->offset[m->config.arch];
            mm_peek(m->mm, iosb + f->offset[m->config.arch], &status, 4);
            if (status == (uint32_t)STATUS_PENDING || status == 0xFFFFFFFFu) {
                io_raise(call, RULE_io_complete_status_pending, NULL, status, Irp, 0);
                return;
            }
            uint64_t cancel = irp_field(m, Irp, "CancelRoutine");
            if (cancel != 0) {
                io_raise(call, RULE_io_complete_cancel_routine_set, NULL, cancel, Irp, 0);
                return;
            }
            /* A buffered IOCTL's Information is what the I/O manager copies
             * back: no more than the caller's output buffer. */
            PVOID_VA sl = irp_location(m, Irp);
            uint64_t major = sl_field(m, sl, "MajorFunction");
            PVOID_VA p =
                sl + ke_type_field(KE_TYPE_IO_STACK_LOCATION, "Parameters")->offset[m->config.arch];
            const ke_type_id T = KE_TYPE_IO_PARAMETERS_IOCTL;
            uint64_t code = 0, out = 0, info = 0;
            mm_peek(m->mm, p + ke_type_field(T, "IoControlCode")->offset[m->config.arch], &code, 4);
            mm_peek(m->mm, p + ke_type_field(T, "OutputBufferLength")->offset[m->config.arch], &out,
                    4);
            mm_peek(m->mm,
                    Irp + ke_type_field(KE_TYPE_IRP, "IoStatus")->offset[m->config.arch] +
                        KE_FIELD(IO_STATUS_BLOCK, Information)->offset[m->config.arch],
                    &info, m->config.arch == KE_ARCH_X86 ? 4 : 8);
            bool location_valid =
                irp_field(m, Irp, "CurrentLocation") <= io_irp_at(m, Irp)->stack_count;
            if (io_level2(m) && location_valid &&
                (major == IRP_MJ_DEVICE_CONTROL || major == IRP_MJ_INTERNAL_DEVICE_CONTROL) &&
                (code & 3u) == METHOD_BUFFERED && NT_SUCCESS((NTSTATUS)status) && info > out &&
                io_raise(call, RULE_io2_information_too_large, NULL, 0, Irp, info))
                return;
        }
    }
    IoCompleteRequest(call, Irp, PriorityBoost);
}

void vf_io_dispatch_returned(ke_call *call, const ke_callout *c, io_irp *irp, NTSTATUS status)
{
    ke_machine *m = call->m;
    KIRQL irql = ke_call_irql(call);
    uint64_t dispatch = io_routine_token(c->driver, c->routine);
    if (irql != c->irql_before) {
        io_raise(call, RULE_io_dispatch_irql_changed, c->driver, c->device, c->irql_before, irql);
        return;
    }
    if (!io_level2(m) || irp == NULL)
        return; /* an IRP freed already: the I/O manager's free came after */
    /* The location this dispatch routine had: its Control still says
     * whether it marked the IRP pending, unless completion passed it
     * (which zeroed it, and left PendingReturned behind). */
    bool done = irp->completions > c->result; /* completed during this dispatch */
    PVOID_VA sl =
        irp->va + io_irp_bytes(m, 0) + (uint64_t)(c->location - 1) * io_stack_location_bytes(m);
    bool marked = done ? irp_field(m, irp->va, "PendingReturned") != 0
                       : (sl_field(m, sl, "Control") & SL_PENDING_RETURNED) != 0;
    /* Forwarded during the dispatch: the location below answers for the
     * pending state, and a completion routine of this driver marks it
     * when it runs (0x228 if it does not). */
    bool forwarded = irp->sent > c->argument;
    if (status == STATUS_PENDING && !marked && !forwarded) {
        io_raise(call, RULE_io2_pending_not_marked, c->driver, dispatch, irp->va, (uint32_t)status);
        return;
    }
    if (status != STATUS_PENDING && marked && !done) {
        io_raise(call, RULE_io2_marked_not_pending, c->driver, dispatch, irp->va, (uint32_t)status);
        return;
    }
    if (status == STATUS_PENDING)
        return;
    if ((uint32_t)status == 0xFFFFFFFFu) {
        io_raise(call, RULE_io2_illegal_status_returned, c->driver, dispatch, irp->va,
                 (uint32_t)status);
        return;
    }
    if (!done && !forwarded) {
        io_raise(call, RULE_io2_not_completed_not_pending, c->driver, dispatch, irp->va,
                 (uint32_t)status);
        return;
    }
    if (done && irp->origin != IO_IRP_ALLOCATED) {
        uint32_t expected = 0;
        const ke_field *f = KE_FIELD(IO_STATUS_BLOCK, Status);
        PVOID_VA iosb = irp->va + ke_type_field(KE_TYPE_IRP, "IoStatus")->offset[m->config.arch];
        mm_peek(m->mm, iosb + f->offset[m->config.arch], &expected, 4);
        if (expected != (uint32_t)status)
            io_raise(call, RULE_io2_status_mismatch, c->driver, dispatch, irp->va, expected);
    }
}

void vf_io_completion_returned(ke_call *call, const ke_callout *c, io_irp *irp, NTSTATUS status)
{
    ke_machine *m = call->m;
    if (!io_level2(m) || irp == NULL || status == STATUS_MORE_PROCESSING_REQUIRED)
        return;
    /* The routine's own location is the current one now; with the IRP
     * pending below, it must mark it pending (IoMarkIrpPending) so the
     * pending state reaches the top. */
    uint64_t location = irp_field(m, irp->va, "CurrentLocation");
    if (location > irp->stack_count || irp_field(m, irp->va, "PendingReturned") == 0)
        return;
    PVOID_VA sl = irp_location(m, irp->va);
    if ((sl_field(m, sl, "Control") & SL_PENDING_RETURNED) == 0)
        io_raise(call, RULE_io2_completion_not_marked_pending, c->driver,
                 io_routine_token(c->driver, c->routine), irp->va, 0);
}

static PVOID_VA vf_IoBuildDeviceIoControlRequest(ke_call *call, ULONG IoControlCode,
                                                 PVOID_VA DeviceObject, PVOID_VA InputBuffer,
                                                 ULONG InputBufferLength, PVOID_VA OutputBuffer,
                                                 ULONG OutputBufferLength,
                                                 bool InternalDeviceIoControl, PVOID_VA Event,
                                                 PVOID_VA IoStatusBlock)
{
    if (vf_rule_enabled(call, RULE_io_build_ioctl_bad_buffer) &&
        (IoControlCode & 3u) != METHOD_NEITHER &&
        !readable(call->m, InputBuffer, InputBufferLength)) {
        io_raise(call, RULE_io_build_ioctl_bad_buffer, NULL, DeviceObject, IoControlCode,
                 (uint32_t)STATUS_ACCESS_VIOLATION);
        return 0;
    }
    if (inject_irp(call))
        return 0;
    return IoBuildDeviceIoControlRequest(call, IoControlCode, DeviceObject, InputBuffer,
                                         InputBufferLength, OutputBuffer, OutputBufferLength,
                                         InternalDeviceIoControl, Event, IoStatusBlock);
}

static bool fsd_buffer_bad(ke_call *call, PVOID_VA DeviceObject, ULONG MajorFunction,
                           PVOID_VA Buffer, ULONG Length)
{
    if (!vf_rule_enabled(call, RULE_io_build_fsd_bad_buffer) ||
        (MajorFunction != IRP_MJ_READ && MajorFunction != IRP_MJ_WRITE))
        return false;
    if (readable(call->m, Buffer, Length))
        return false;
    io_raise(call, RULE_io_build_fsd_bad_buffer, NULL, DeviceObject, MajorFunction,
             (uint32_t)STATUS_ACCESS_VIOLATION);
    return true;
}

static PVOID_VA vf_IoBuildSynchronousFsdRequest(ke_call *call, ULONG MajorFunction,
                                                PVOID_VA DeviceObject, PVOID_VA Buffer,
                                                ULONG Length, PVOID_VA StartingOffset,
                                                PVOID_VA Event, PVOID_VA IoStatusBlock)
{
    if (fsd_buffer_bad(call, DeviceObject, MajorFunction, Buffer, Length) || inject_irp(call))
        return 0;
    return IoBuildSynchronousFsdRequest(call, MajorFunction, DeviceObject, Buffer, Length,
                                        StartingOffset, Event, IoStatusBlock);
}

static PVOID_VA vf_IoBuildAsynchronousFsdRequest(ke_call *call, ULONG MajorFunction,
                                                 PVOID_VA DeviceObject, PVOID_VA Buffer,
                                                 ULONG Length, PVOID_VA StartingOffset,
                                                 PVOID_VA IoStatusBlock)
{
    if (fsd_buffer_bad(call, DeviceObject, MajorFunction, Buffer, Length) || inject_irp(call))
        return 0;
    return IoBuildAsynchronousFsdRequest(call, MajorFunction, DeviceObject, Buffer, Length,
                                         StartingOffset, IoStatusBlock);
}

/* IoSetCompletionRoutineEx allocates its context block for the caller:
 * pool tracking tracks it as the caller's. */
static NTSTATUS vf_IoSetCompletionRoutineEx(ke_call *call, PVOID_VA DeviceObject, PVOID_VA Irp,
                                            uint32_t CompletionRoutine, PVOID_VA Context,
                                            bool InvokeOnSuccess, bool InvokeOnError,
                                            bool InvokeOnCancel)
{
    /* It allocates, so low resources simulation may fail it (Windows 7
     * and later): no routine is set. */
    if (inject_pool(call, NonPagedPool, IO_COMPLETION_CONTEXT_TAG, false))
        return STATUS_INSUFFICIENT_RESOURCES;
    NTSTATUS status = IoSetCompletionRoutineEx(call, DeviceObject, Irp, CompletionRoutine, Context,
                                               InvokeOnSuccess, InvokeOnError, InvokeOnCancel);
    if (status == STATUS_SUCCESS && vf_option_enabled(call, VF_FLAG_POOL_TRACKING)) {
        PVOID_VA next = IoGetNextIrpStackLocation(call, Irp);
        uint64_t block = sl_field(call->m, next, "Context");
        ex_block *b = ex_pool_find(call->m->pool, block);
        if (b != NULL)
            vf_pool_track(call, b);
    }
    return status;
}

static NTSTATUS vf_IoInitializeTimer(ke_call *call, PVOID_VA DeviceObject, uint32_t TimerRoutine,
                                     PVOID_VA Context)
{
    io_device *dev = io_device_at(call->m, DeviceObject);
    if (dev != NULL && dev->timer_initialized &&
        vf_rule_enabled(call, RULE_io_timer_initialized_twice)) {
        io_raise(call, RULE_io_timer_initialized_twice, NULL, DeviceObject, 0, 0);
        return STATUS_UNSUCCESSFUL;
    }
    return IoInitializeTimer(call, DeviceObject, TimerRoutine, Context);
}

static void vf_IoDeleteDevice(ke_call *call, PVOID_VA DeviceObject)
{
    io_device *dev = io_device_at(call->m, DeviceObject);
    if (vf_option_enabled(call, VF_FLAG_IO_VERIFICATION) && io_level2(call->m)) {
        /* Deleted before: still referenced, or its object gone from the
         * pool (the verifier tracks device objects it has seen). */
        ex_block *b = dev == NULL ? ex_pool_find(call->m->pool, DeviceObject) : NULL;
        bool twice =
            (dev != NULL && dev->deleted) ||
            (b != NULL && b->freed && b->va == DeviceObject && b->tag == IO_DEVICE_POOL_TAG);
        if (twice && io_raise(call, RULE_io2_delete_device_twice, NULL, 0, DeviceObject, 0))
            return;
    }
    if (dev != NULL && !dev->deleted && dev->lower != NULL &&
        vf_option_enabled(call, VF_FLAG_IO_VERIFICATION) && io_level2(call->m) &&
        io_raise(call, RULE_io2_delete_device_attached, NULL, 0, DeviceObject, dev->lower->va))
        return;
    IoDeleteDevice(call, DeviceObject);
}

static void vf_IoDetachDevice(ke_call *call, PVOID_VA TargetDevice)
{
    io_device *dev = io_device_at(call->m, TargetDevice);
    if (dev != NULL && dev->attached == NULL && vf_option_enabled(call, VF_FLAG_IO_VERIFICATION) &&
        io_level2(call->m)) {
        io_raise(call, RULE_io2_detach_not_attached, NULL, 0, TargetDevice, 0);
        return;
    }
    IoDetachDevice(call, TargetDevice);
}

void vf_patch_imports(ddi_imports *imports)
{
    imports->KeRaiseIrql = vf_KeRaiseIrql;
    imports->KeRaiseIrqlToDpcLevel = vf_KeRaiseIrqlToDpcLevel;
    imports->KeLowerIrql = vf_KeLowerIrql;
    imports->ExAllocatePool = vf_ExAllocatePool;
    imports->ExAllocatePoolWithTag = vf_ExAllocatePoolWithTag;
    imports->ExAllocatePoolWithQuotaTag = vf_ExAllocatePoolWithQuotaTag;
    imports->ExAllocatePoolWithTagPriority = vf_ExAllocatePoolWithTagPriority;
    imports->ExAllocatePool2 = vf_ExAllocatePool2;
    imports->ExAllocatePool3 = vf_ExAllocatePool3;
    imports->ExFreePool = vf_ExFreePool;
    imports->ExFreePoolWithTag = vf_ExFreePoolWithTag;
    imports->IoAllocateMdl = vf_IoAllocateMdl;
    imports->IoFreeMdl = vf_IoFreeMdl;
    imports->MmProbeAndLockPages = vf_MmProbeAndLockPages;
    imports->MmUnlockPages = vf_MmUnlockPages;
    imports->MmMapLockedPagesSpecifyCache = vf_MmMapLockedPagesSpecifyCache;
    imports->MmGetSystemAddressForMdlSafe = vf_MmGetSystemAddressForMdlSafe;
    imports->MmUnmapLockedPages = vf_MmUnmapLockedPages;
    imports->RtlAnsiStringToUnicodeString = vf_RtlAnsiStringToUnicodeString;
    imports->KeWaitForSingleObject = vf_KeWaitForSingleObject;
    imports->KeAcquireSpinLock = vf_KeAcquireSpinLock;
    imports->KeReleaseSpinLock = vf_KeReleaseSpinLock;
    imports->KeAcquireSpinLockAtDpcLevel = vf_KeAcquireSpinLockAtDpcLevel;
    imports->KeReleaseSpinLockFromDpcLevel = vf_KeReleaseSpinLockFromDpcLevel;
    imports->KeAcquireInStackQueuedSpinLock = vf_KeAcquireInStackQueuedSpinLock;
    imports->KeAcquireInStackQueuedSpinLockAtDpcLevel = vf_KeAcquireInStackQueuedSpinLockAtDpcLevel;
    imports->KeWaitForMultipleObjects = vf_KeWaitForMultipleObjects;
    imports->KeDelayExecutionThread = vf_KeDelayExecutionThread;
    imports->KeSetEvent = vf_KeSetEvent;
    imports->ObReferenceObjectByHandle = vf_ObReferenceObjectByHandle;
    imports->ObDereferenceObject = vf_ObDereferenceObject;
    imports->ObReferenceObject = vf_ObReferenceObject;
    imports->RtlUnicodeStringToAnsiString = vf_RtlUnicodeStringToAnsiString;
    imports->ExAcquireFastMutex = vf_ExAcquireFastMutex;
    imports->ExTryToAcquireFastMutex = vf_ExTryToAcquireFastMutex;
    imports->ExReleaseFastMutex = vf_ExReleaseFastMutex;
    imports->ExAcquireFastMutexUnsafe = vf_ExAcquireFastMutexUnsafe;
    imports->ExReleaseFastMutexUnsafe = vf_ExReleaseFastMutexUnsafe;
    imports->KeEnterCriticalRegion = vf_KeEnterCriticalRegion;
    imports->KeLeaveCriticalRegion = vf_KeLeaveCriticalRegion;
    imports->KeSynchronizeExecution = vf_KeSynchronizeExecution;
    imports->IoAllocateWorkItem = vf_IoAllocateWorkItem;
    imports->IoQueueWorkItem = vf_IoQueueWorkItem;
    imports->IoQueueWorkItemEx = vf_IoQueueWorkItemEx;
    imports->ExInitializeNPagedLookasideList = vf_ExInitializeNPagedLookasideList;
    imports->ExInitializePagedLookasideList = vf_ExInitializePagedLookasideList;
    imports->ExDeleteNPagedLookasideList = vf_ExDeleteNPagedLookasideList;
    imports->ExDeletePagedLookasideList = vf_ExDeletePagedLookasideList;
    imports->ExInitializeResourceLite = vf_ExInitializeResourceLite;
    imports->ExDeleteResourceLite = vf_ExDeleteResourceLite;
    imports->ExAcquireResourceExclusiveLite = vf_ExAcquireResourceExclusiveLite;
    imports->ExAcquireResourceSharedLite = vf_ExAcquireResourceSharedLite;
    imports->ExAcquireSharedStarveExclusive = vf_ExAcquireSharedStarveExclusive;
    imports->ExAcquireSharedWaitForExclusive = vf_ExAcquireSharedWaitForExclusive;
    imports->ExTryToAcquireResourceExclusiveLite = vf_ExTryToAcquireResourceExclusiveLite;
    imports->ExReleaseResourceLite = vf_ExReleaseResourceLite;
    imports->ExReleaseResourceForThreadLite = vf_ExReleaseResourceForThreadLite;
    imports->EngAllocMem = vf_EngAllocMem;
    imports->EngFreeMem = vf_EngFreeMem;
    imports->IoAllocateIrp = vf_IoAllocateIrp;
    imports->IoFreeIrp = vf_IoFreeIrp;
    imports->IoCallDriver = vf_IoCallDriver;
    imports->IoCompleteRequest = vf_IoCompleteRequest;
    imports->IoBuildDeviceIoControlRequest = vf_IoBuildDeviceIoControlRequest;
    imports->IoBuildSynchronousFsdRequest = vf_IoBuildSynchronousFsdRequest;
    imports->IoBuildAsynchronousFsdRequest = vf_IoBuildAsynchronousFsdRequest;
    imports->IoSetCompletionRoutineEx = vf_IoSetCompletionRoutineEx;
    imports->IoDeleteDevice = vf_IoDeleteDevice;
    imports->IoDetachDevice = vf_IoDetachDevice;
    imports->IoInitializeTimer = vf_IoInitializeTimer;
}
