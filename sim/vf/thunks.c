/*
 * thunks.c - the verifier's thunks: what a verified image's imports point
 * at. Each checks the call against the rules in force, counts it, then calls
 * the kernel's own routine, exactly as Driver Verifier's Vf* thunks wrap the
 * kernel exports of a verified driver.
 *
 * Precondition of every thunk: call->driver is a verified image (its import
 * table is the only way here); vf_rule_enabled still decides per rule, since
 * options change with /volatile and graphics drivers are exempt from some.
 *
 * This file holds the IRQL, pool, MDL and Rtl string thunks and fills the
 * import table; thunks_ke.c and thunks_io.c hold the rest (vf/thunks.h).
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
#include "vf/thunks.h"

/* ------------------------------------------------------------------------ */
/* IRQL                                                                     */
/* ------------------------------------------------------------------------ */

/* Force IRQL checking (0x2): whenever a verified driver raises to
 * DISPATCH_LEVEL or above, all pageable memory leaves the working set, so a
 * touch of paged memory at that IRQL faults now instead of on the one day
 * the page happened to be out. */
void vf_irql_trim(ke_call *call)
{
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
        vf_force_irql_trim(call);
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
    vf_force_irql_trim(call);
    return KeRaiseIrqlToDpcLevel(call);
}

static void vf_KeLowerIrql(ke_call *call, KIRQL NewIrql)
{
    KIRQL irql = ke_call_irql(call);
    if ((NewIrql > irql || NewIrql > ke_high_level(call->m->config.arch)) &&
        vf_rule_enabled(call, RULE_irql_lower_above_current)) {
        /* P4 = 0: the new IRQL is bad. */
        kd_raise(call, RULE_irql_lower_above_current, irql, NewIrql, 0);
        return;
    }
    /* P4 = 1: a DPC routine runs at DISPATCH_LEVEL from start to end and
     * may not go below it (bug-check-0xc4--driver-verifier-detected-
     * violation.md, 0x31). */
    if (call->exec->is_dpc && NewIrql < DISPATCH_LEVEL &&
        vf_rule_enabled(call, RULE_irql_lower_above_current)) {
        kd_raise(call, RULE_irql_lower_above_current, irql, NewIrql, 1);
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
bool vf_inject_pool(ke_call *call, ULONG PoolType, ULONG Tag, bool raise)
{
    bool must_succeed = (PoolType & MUST_SUCCEED_POOL_TYPE_MASK) != 0;
    if (!vf_inject_fault(call, Tag, PoolType, true, must_succeed))
        return false;
    if (raise)
        call->raised = STATUS_INSUFFICIENT_RESOURCES;
    return true;
}

/*
 * The pool allocation counters (Attempted, Succeeded, SucceededSpecialPool,
 * WithNoTag, Failed: the special pool group of monitoring-global-
 * counters.md) "do not track allocations whose size is one page or larger,
 * since the special pool is not applicable to them" (special-pool.md), so
 * the 95% warning compares like with like. UnTrackedPool counts those.
 */
static bool pool_counted(uint64_t NumberOfBytes)
{
    return NumberOfBytes < PAGE_SIZE;
}

/* Counts an allocation request (WithNoTag for one that gives no tag). */
static void attempted(ke_call *call, uint64_t NumberOfBytes, bool no_tag)
{
    if (!pool_counted(NumberOfBytes))
        return;
    (*counter(call, DRVSIM_GC_AllocationsAttempted))++;
    if (no_tag)
        (*counter(call, DRVSIM_GC_AllocationsWithNoTag))++;
}

/* Counts the outcome of an allocation and tracks the new block. */
static PVOID_VA allocated(ke_call *call, uint64_t NumberOfBytes, PVOID_VA va)
{
    if (ke_stopped(call->m))
        return va;
    if (pool_counted(NumberOfBytes)) {
        (*counter(call, va != 0 ? DRVSIM_GC_AllocationsSucceeded : DRVSIM_GC_AllocationsFailed))++;
        if (va != 0 && mm_special_contains(call->m, va))
            (*counter(call, DRVSIM_GC_AllocationsSucceededSpecialPool))++;
    }
    if (va != 0 && vf_option_enabled(call, VF_FLAG_POOL_TRACKING))
        vf_pool_track(call, ex_pool_find(call->m->pool, va));
    return va;
}

static PVOID_VA vf_ExAllocatePool(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes)
{
    attempted(call, NumberOfBytes, true);
    if (!check_allocation(call, PoolType, NumberOfBytes, false) ||
        !vf_ci_pool(call, PoolType, 0) ||
        vf_inject_pool(call, PoolType, EX_TAG_NONE,
                       (PoolType & POOL_RAISE_IF_ALLOCATION_FAILURE) != 0))
        return 0;
    return allocated(call, NumberOfBytes, ExAllocatePool(call, PoolType, NumberOfBytes));
}

static PVOID_VA vf_ExAllocatePoolWithTag(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes,
                                         ULONG Tag)
{
    attempted(call, NumberOfBytes, false);
    if (!check_allocation(call, PoolType, NumberOfBytes, false) || !vf_ci_pool(call, PoolType, Tag) ||
        vf_inject_pool(call, PoolType, Tag, (PoolType & POOL_RAISE_IF_ALLOCATION_FAILURE) != 0))
        return 0;
    return allocated(call, NumberOfBytes,
                     ExAllocatePoolWithTag(call, PoolType, NumberOfBytes, Tag));
}

static PVOID_VA vf_ExAllocatePoolWithQuotaTag(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes,
                                              ULONG Tag)
{
    attempted(call, NumberOfBytes, false);
    /* Quota allocations raise on failure unless told not to. */
    if (!check_allocation(call, PoolType & ~POOL_QUOTA_FAIL_INSTEAD_OF_RAISE, NumberOfBytes,
                          true) ||
        !vf_ci_pool(call, PoolType & ~POOL_QUOTA_FAIL_INSTEAD_OF_RAISE, Tag) ||
        vf_inject_pool(call, PoolType, Tag, (PoolType & POOL_QUOTA_FAIL_INSTEAD_OF_RAISE) == 0))
        return 0;
    return allocated(call, NumberOfBytes,
                     ExAllocatePoolWithQuotaTag(call, PoolType, NumberOfBytes, Tag));
}

static PVOID_VA vf_ExAllocatePoolWithTagPriority(ke_call *call, ULONG PoolType,
                                                 uint64_t NumberOfBytes, ULONG Tag, ULONG Priority)
{
    attempted(call, NumberOfBytes, false);
    if (!check_allocation(call, PoolType, NumberOfBytes, false) || !vf_ci_pool(call, PoolType, Tag) ||
        vf_inject_pool(call, PoolType, Tag, (PoolType & POOL_RAISE_IF_ALLOCATION_FAILURE) != 0))
        return 0;
    return allocated(call, NumberOfBytes,
                     ExAllocatePoolWithTagPriority(call, PoolType, NumberOfBytes, Tag, Priority));
}

/* ExAllocatePool2/3: flags the kernel refuses are its business (a NULL);
 * a request it would serve gets the same automatic checks as the others. */
static bool check_allocation2(ke_call *call, uint64_t Flags, uint64_t NumberOfBytes, ULONG Tag)
{
    ULONG pool_type;
    if (!ex_pool2_type(Flags, &pool_type) || Tag == 0)
        return true;
    return check_allocation(call, pool_type, NumberOfBytes, (Flags & POOL_FLAG_USE_QUOTA) != 0) &&
           vf_ci_pool(call, pool_type, Tag);
}

/* Low resources simulation of an ExAllocatePool2/3 request the kernel would
 * serve: POOL_FLAG_RAISE_ON_FAILURE asks for the raise. */
static bool inject_pool2(ke_call *call, uint64_t Flags, ULONG Tag)
{
    ULONG pool_type;
    if (!ex_pool2_type(Flags, &pool_type) || Tag == 0)
        return false; /* the kernel fails it anyway */
    return vf_inject_pool(call, pool_type, Tag, (Flags & POOL_FLAG_RAISE_ON_FAILURE) != 0);
}

static PVOID_VA vf_ExAllocatePool2(ke_call *call, uint64_t Flags, uint64_t NumberOfBytes, ULONG Tag)
{
    attempted(call, NumberOfBytes, false);
    if (!check_allocation2(call, Flags, NumberOfBytes, Tag) || inject_pool2(call, Flags, Tag))
        return 0;
    return allocated(call, NumberOfBytes, ExAllocatePool2(call, Flags, NumberOfBytes, Tag));
}

static PVOID_VA vf_ExAllocatePool3(ke_call *call, uint64_t Flags, uint64_t NumberOfBytes, ULONG Tag,
                                   PVOID_VA ExtendedParameters, ULONG ExtendedParametersCount)
{
    attempted(call, NumberOfBytes, false);
    if (!check_allocation2(call, Flags, NumberOfBytes, Tag) || inject_pool2(call, Flags, Tag))
        return 0;
    return allocated(call, NumberOfBytes,
                     ExAllocatePool3(call, Flags, NumberOfBytes, Tag, ExtendedParameters,
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

/* I/O verification: an IRP goes back with IoFreeIrp, which the I/O
 * manager's lookaside lists and its IRP tracking need (0xC4/0x105). */
static bool check_free_irp(ke_call *call, PVOID_VA P)
{
    io_irp *irp = io_irp_at(call->m, P);
    if (irp == NULL || irp->in_place || !vf_rule_enabled(call, RULE_io_irp_freed_with_pool))
        return true;
    kd_raise(call, RULE_io_irp_freed_with_pool, P, 0, 0);
    return false;
}

static void vf_ExFreePool(ke_call *call, PVOID_VA P)
{
    if (check_free_irp(call, P) && check_free(call, P))
        ExFreePool(call, P);
}

static void vf_ExFreePoolWithTag(ke_call *call, PVOID_VA P, ULONG Tag)
{
    if (check_free_irp(call, P) && check_free(call, P))
        ExFreePoolWithTag(call, P, Tag);
}

/* GDI memory: the verifier hooks EngAllocMem for graphics drivers, which
 * is how their allocations reach special pool and the counters. The
 * automatic checks do not apply to graphics drivers (vf_option_enabled). */
static PVOID_VA vf_EngAllocMem(ke_call *call, ULONG Flags, ULONG cjMemSize, ULONG ulTag)
{
    attempted(call, cjMemSize, false);
    if (cjMemSize == 0)
        return EngAllocMem(call, Flags, cjMemSize, ulTag); /* refused: no allocation */
    /* Low resources simulation fails EngAllocMem too (a NULL, never a raise). */
    if (vf_inject_pool(call, (Flags & FL_NONPAGED_MEMORY) ? NonPagedPool : PagedPool, ulTag, false))
        return 0;
    return allocated(call, cjMemSize, EngAllocMem(call, Flags, cjMemSize, ulTag));
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
    /* A partial MDL's inherited mapping is its source's: only one it
     * mapped itself (MDL_PARTIAL_HAS_BEEN_MAPPED) is left behind. */
    if (mdl_read(call->m, Mdl, &v) && (v.flags & MDL_MAPPED_TO_SYSTEM_VA) &&
        !(v.flags & MDL_SOURCE_IS_NONPAGED_POOL) &&
        (!(v.flags & MDL_PARTIAL) || (v.flags & MDL_PARTIAL_HAS_BEEN_MAPPED)) &&
        vf_rule_enabled(call, RULE_mdl_free_mapped)) {
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
        /* A partial MDL never locked anything: its source's pages are the
         * source's to unlock (0xB4, before the flags checks below). */
        if ((v.flags & MDL_PARTIAL) && vf_rule_enabled(call, RULE_mdl_unlock_partial)) {
            kd_raise(call, RULE_mdl_unlock_partial, MemoryDescriptorList, v.flags, MDL_PARTIAL);
            return;
        }
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
    if (AccessMode == 1 /* UserMode */ && irql > APC_LEVEL &&
        vf_rule_enabled(call, RULE_mdl_map_user_above_apc)) {
        kd_raise(call, RULE_mdl_map_user_above_apc, irql, Mdl, AccessMode);
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
    /* A partial MDL's pages are its source's, locked there. */
    if (!(v.flags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL)) &&
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
    if (!check_map(call, MemoryDescriptorList, AccessMode, BugCheckOnFailure) ||
        !vf_ci_mdl_mapping(call, AccessMode, Priority))
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
    if (maps && (!check_map(call, Mdl, 0 /* KernelMode */, 0) ||
                 !vf_ci_mdl_mapping(call, 0 /* KernelMode */, Priority)))
        return 0;
    /* Only a call that maps can fail: one that reads MappedSystemVa cannot. */
    if (maps && vf_inject_fault(call, 0, 0, false, false))
        return 0;
    return MmGetSystemAddressForMdlSafe(call, Mdl, Priority);
}

/* MmProbeAndLockProcessPages: MmProbeAndLockPages' checks with their own
 * codes (0x71 for the IRQL, P4 the process; 0xB1 for the flags). Low
 * resources simulation does not fail it: its page lists MmProbeAndLockPages
 * only. */
static void vf_MmProbeAndLockProcessPages(ke_call *call, PVOID_VA MemoryDescriptorList,
                                          PVOID_VA Process, ULONG AccessMode, ULONG Operation)
{
    KIRQL irql = ke_call_irql(call);
    if (irql > DISPATCH_LEVEL && vf_rule_enabled(call, RULE_mdl_probe_process_above_dispatch)) {
        kd_raise(call, RULE_mdl_probe_process_above_dispatch, irql, MemoryDescriptorList,
                 Process);
        return;
    }
    mdl_view v;
    uint16_t offending = 0;
    if (mdl_read(call->m, MemoryDescriptorList, &v))
        offending = v.flags & (MDL_SOURCE_IS_NONPAGED_POOL | MDL_PAGES_LOCKED | MDL_PARTIAL);
    if (offending != 0 && vf_rule_enabled(call, RULE_mdl_probe_process_wrong_flags)) {
        kd_raise(call, RULE_mdl_probe_process_wrong_flags, MemoryDescriptorList, v.flags,
                 offending);
        return;
    }
    MmProbeAndLockProcessPages(call, MemoryDescriptorList, Process, AccessMode, Operation);
}

static void vf_MmUnmapLockedPages(ke_call *call, PVOID_VA BaseAddress,
                                  PVOID_VA MemoryDescriptorList)
{
    KIRQL irql = ke_call_irql(call);
    /* A user-space mapping (0x7A above APC_LEVEL) is not modelled: every
     * mapping drvsim makes is a system address. */
    bool user = BaseAddress < mm_user_probe_address(call->m->config.arch);
    if (!user && irql > DISPATCH_LEVEL && vf_rule_enabled(call, RULE_mdl_unmap_above_dispatch)) {
        kd_raise(call, RULE_mdl_unmap_above_dispatch, irql, BaseAddress, MemoryDescriptorList);
        return;
    }
    mdl_view v;
    if (!user && mdl_read(call->m, MemoryDescriptorList, &v)) {
        /* A partial MDL that was not mapped itself carries its source's
         * mapping: unmapping it takes the source's away (0xB5). One
         * mapped on its own (MDL_PARTIAL_HAS_BEEN_MAPPED) is unmapped so
         * by MmPrepareMdlForReuse. */
        if ((v.flags & MDL_PARTIAL) && !(v.flags & MDL_PARTIAL_HAS_BEEN_MAPPED) &&
            vf_rule_enabled(call, RULE_mdl_unmap_partial)) {
            kd_raise(call, RULE_mdl_unmap_partial, MemoryDescriptorList, v.flags, MDL_PARTIAL);
            return;
        }
        if (!(v.flags & MDL_MAPPED_TO_SYSTEM_VA) &&
            vf_rule_enabled(call, RULE_mdl_unmap_not_mapped)) {
            kd_raise(call, RULE_mdl_unmap_not_mapped, MemoryDescriptorList, v.flags,
                     MDL_MAPPED_TO_SYSTEM_VA);
            return;
        }
    }
    MmUnmapLockedPages(call, BaseAddress, MemoryDescriptorList);
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
    imports->MmProbeAndLockProcessPages = vf_MmProbeAndLockProcessPages;
    imports->RtlAnsiStringToUnicodeString = vf_RtlAnsiStringToUnicodeString;
    imports->RtlUnicodeStringToAnsiString = vf_RtlUnicodeStringToAnsiString;
    imports->EngAllocMem = vf_EngAllocMem;
    imports->EngFreeMem = vf_EngFreeMem;
    vf_patch_imports_ke(imports);
    vf_patch_imports_io(imports);
    vf_patch_imports_cm(imports);
    vf_patch_imports_mm(imports);
    vf_patch_imports_dma(imports);
    vf_patch_imports_wmi(imports);
    vf_patch_imports_iov2(imports);
}
