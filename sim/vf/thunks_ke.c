/*
 * thunks_ke.c - the verifier's thunks for the kernel's synchronisation:
 * interrupts, spin locks, fast mutexes and critical regions, executive
 * resources, waits, events and object references (see thunks.c).
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
#include "vf/deadlock.h"
#include "vf/vf.h"
#include "vf/thunks.h"

/* ------------------------------------------------------------------------ */
/* Interrupts                                                               */
/* ------------------------------------------------------------------------ */

/* A synchronized call that got the lock (not one that spins and will be
 * retried): the counter, and force IRQL checking's trim, which the verifier
 * makes at every KeSynchronizeExecution of a verified driver
 * (force-irql-checking.md). Order: KeSynchronizeExecution takes the
 * interrupt spin lock at SynchronizeIrql and only queues the
 * SynchCritSection routine as a callout, which runs once this thunk has
 * returned: so the trim comes after the raise and before the routine, and
 * pageable memory the routine touches faults (0xD1), as on Windows. */
static bool vf_KeSynchronizeExecution(ke_call *call, PVOID_VA Interrupt,
                                      uint32_t SynchronizeRoutine, PVOID_VA SynchronizeContext)
{
    bool result = KeSynchronizeExecution(call, Interrupt, SynchronizeRoutine, SynchronizeContext);
    if (call->callout && !ke_stopped(call->m)) {
        (*counter(call, DRVSIM_GC_SynchronizeExecutions))++;
        vf_force_irql_trim(call);
    }
    return result;
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
    vf_force_irql_trim(call);
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
    if (!check_resource_acquire(call, Resource, Wait) ||
        vf_deadlock_exclusive_of_shared(call, Resource))
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
static bool check_session_object(ke_call *call, PVOID_VA object);

static NTSTATUS vf_ExInitializeResourceLite(ke_call *call, PVOID_VA Resource)
{
    if (!check_session_object(call, Resource) ||
        !vf_sec_kernel_object(call, Resource, KE_TYPE_ERESOURCE))
        return STATUS_UNSUCCESSFUL;
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
 * with a zero timeout (a poll). False if it fired.
 *
 * Parameters, a deliberate difference from
 * bug-check-0xc4--driver-verifier-detected-violation.md, which gives the
 * addresses of the IRQL value (P2) and of the timeout (P4): simulated
 * threads have no stacks in simulated memory for those to point into, so P2
 * is the IRQL itself and P4 the timeout's value (100 ns units, negative =
 * relative), or 0 for a NULL timeout, which is what the address of none is.
 * P3 the object (0 for KeDelayExecutionThread). README "Parameters that
 * differ from Windows" and `drvsim rules` say the same. */
static bool check_sync_object(ke_call *call, PVOID_VA object);

/* Miscellaneous checks: a UserMode wait may let the kernel stack be paged
 * out (the thread can be swapped while it waits for user mode), so an
 * object on the stack must not be waited on in UserMode (0xC4/0x123, P2 the
 * object). False if it fired. */
static bool check_wait_mode(ke_call *call, PVOID_VA object, ULONG WaitMode)
{
    if (WaitMode != 1 /* UserMode */ || !mm_on_kernel_stack(call->m, object) ||
        !vf_rule_enabled(call, RULE_wait_user_mode_stack_object))
        return true;
    kd_raise(call, RULE_wait_user_mode_stack_object, object, 0, 0);
    return false;
}

static bool check_wait(ke_call *call, PVOID_VA object, ke_timeout timeout)
{
    KIRQL irql = ke_call_irql(call);
    uint64_t timeout_value = timeout.given ? (uint64_t)timeout.value_100ns : 0;
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

/* Low resources simulation (Windows Vista and later): an alertable wait of
 * a thread of a non-privileged process (an application's, not the System
 * process's) may end at once with STATUS_ALERTED, a simulated alert, as if
 * the thread had been alerted. True if this wait is failed so. */
static bool inject_alert(ke_call *call, bool Alertable)
{
    return Alertable && call->thread->process != call->m->system_process &&
           vf_inject_fault(call, 0, 0, false, false);
}

static NTSTATUS vf_KeWaitForSingleObject(ke_call *call, PVOID_VA Object, ULONG WaitReason,
                                         ULONG WaitMode, bool Alertable, ke_timeout Timeout)
{
    if (!check_wait(call, Object, Timeout) || !check_sync_object(call, Object) ||
        !check_wait_mode(call, Object, WaitMode))
        return STATUS_UNSUCCESSFUL;
    if (inject_alert(call, Alertable))
        return STATUS_ALERTED;
    return KeWaitForSingleObject(call, Object, WaitReason, WaitMode, Alertable, Timeout);
}

static NTSTATUS vf_KeWaitForMultipleObjects(ke_call *call, ULONG Count, const ke_ptr_array *Object,
                                            ULONG WaitType, ULONG WaitReason, ULONG WaitMode,
                                            bool Alertable, ke_timeout Timeout,
                                            PVOID_VA WaitBlockArray)
{
    if (!check_wait(call, Object->count > 0 ? Object->items[0] : 0, Timeout))
        return STATUS_UNSUCCESSFUL;
    for (size_t i = 0; i < Object->count; i++) {
        if (!check_wait_mode(call, Object->items[i], WaitMode))
            return STATUS_UNSUCCESSFUL;
    }
    if (inject_alert(call, Alertable))
        return STATUS_ALERTED;
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
    bool kernel_handle = ob_is_kernel_handle(call->m, Handle);
    ps_process *p = call->thread->process;
    bool user_handle = !kernel_handle && ob_user_handle_valid(call->m, p, Handle);
    if (AccessMode == OB_KERNEL_MODE && !user_handle && !ob_is_pseudo_handle(call->m, Handle) &&
        ob_handle_object(call->m, Handle) == NULL) {
        /* Miscellaneous checks turn on bad handle detection: the reference
         * is INVALID_KERNEL_HANDLE, P1 the handle, P2 the handle table (not
         * modelled: 0), P4 = 1 (miscellaneous-checks.md,
         * bug-check-0x93--invalid-kernel-handle.md). Without them, the
         * automatic check's 0xC4/0x3C. */
        if (vf_rule_enabled(call, RULE_ob_bad_kernel_handle_referenced)) {
            kd_raise(call, RULE_ob_bad_kernel_handle_referenced, Handle, 0, 0);
            return STATUS_UNSUCCESSFUL;
        }
        if (vf_rule_enabled(call, RULE_ob_bad_handle)) {
            kd_raise(call, RULE_ob_bad_handle, Handle, ObjectType, 0);
            return STATUS_UNSUCCESSFUL;
        }
    }
    /* An application's handle referenced with KernelMode: the access the
     * handle grants is not checked, so the application reaches what it
     * could not open (miscellaneous checks, 0xC4/0xF6). */
    if (user_handle && AccessMode == OB_KERNEL_MODE && p != call->m->system_process &&
        vf_rule_enabled(call, RULE_ob_user_handle_kernel_mode)) {
        const ke_frame *frame = ke_top_frame(call->exec);
        kd_raise(call, RULE_ob_user_handle_kernel_mode, Handle, p->eprocess,
                 frame != NULL ? frame->code : 0);
        return STATUS_UNSUCCESSFUL;
    }
    /* A kernel handle referenced with UserMode in the System process (a
     * system thread, a work item): the reference fails; the driver meant
     * KernelMode, or passed a RequestorMode that is not its caller's
     * (miscellaneous checks, 0xC4/0xF7). */
    if (kernel_handle && AccessMode == OB_USER_MODE && p == call->m->system_process &&
        vf_rule_enabled(call, RULE_ob_kernel_handle_user_mode)) {
        kd_raise(call, RULE_ob_kernel_handle_user_mode, Handle, ObjectType, AccessMode);
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

/* C4 0x111: an ISR returned at an IRQL other than the one it was called at;
 * P2 the ISR, P3 the IRQL before, P4 after
 * (bug-check-0xc4--driver-verifier-detected-violation.md). Automatic: any
 * verified driver. */
bool vf_isr_irql_changed(ke_call *call, PVOID_VA isr, KIRQL before, KIRQL after)
{
    KE_CHECK(call->m, before != after);
    if (!vf_rule_enabled(call, RULE_isr_irql_changed))
        return false;
    kd_raise(call, RULE_isr_irql_changed, isr, before, after);
    return true;
}

/* ------------------------------------------------------------------------ */
/* Dispatcher objects in pageable memory                                    */
/* ------------------------------------------------------------------------ */

/* Force IRQL checking: the dispatcher lock and the timer DPC touch a
 * dispatcher object at DISPATCH_LEVEL, so one in paged pool (or at an
 * address that is not valid) is reported where it is initialised or waited
 * on (0xC4/0xE1, P2 the object). Session space (0xDF) does not exist here.
 * False if it fired. */
static bool check_sync_object(ke_call *call, PVOID_VA object)
{
    if (!vf_rule_enabled(call, RULE_sync_object_pageable))
        return true;
    const mm_page *p = mm_lookup(call->m->mm, object);
    if (p != NULL && !p->pageable)
        return true;
    kd_raise(call, RULE_sync_object_pageable, object, 0, 0);
    return false;
}

/* How far below an object the pool block holding it is looked for: a
 * synchronisation object inside a session pool allocation of more than a
 * page, past its first page, is not found. */
#define SESSION_BLOCK_SEARCH_BYTES PAGE_SIZE
#define SESSION_POOL_MASK          32u /* the session bit of a POOL_TYPE (wdm.h) */

/* The automatic checks (Windows 7 and later): a synchronisation object
 * initialised in session space (0xC4/0xDF, P2 the object). Session space
 * is where session pool lies (a PagedPoolSession, NonPagedPoolSession or
 * NonPagedPoolSessionNx allocation): it is mapped only in the processes of
 * one session, so a thread of another session, or the System process,
 * that signals or waits on the object touches another session's memory.
 * drvsim has no session-space images (a display driver's globals); its
 * session space is session pool. False if it fired. */
static bool check_session_object(ke_call *call, PVOID_VA object)
{
    ke_machine *m = call->m;
    ke_arch arch = m->config.arch;
    bool pool = (object >= mm_region_base(arch, MM_REGION_NONPAGED_POOL) &&
                 object < mm_region_end(arch, MM_REGION_NONPAGED_POOL)) ||
                (object >= mm_region_base(arch, MM_REGION_PAGED_POOL) &&
                 object < mm_region_end(arch, MM_REGION_PAGED_POOL)) ||
                (object >= mm_region_base(arch, MM_REGION_SPECIAL_POOL) &&
                 object < mm_region_end(arch, MM_REGION_SPECIAL_POOL));
    if (!pool || !vf_rule_enabled(call, RULE_sync_object_session))
        return true;
    uint32_t gran = ex_pool_granularity(arch);
    PVOID_VA start = object - object % gran;
    for (uint64_t back = 0; back <= SESSION_BLOCK_SEARCH_BYTES && back <= start; back += gran) {
        const ex_block *b = ex_pool_find(m->pool, start - back);
        if (b == NULL || b->freed)
            continue;
        if (object >= b->va + b->size_bytes || (b->pool_type & SESSION_POOL_MASK) == 0)
            return true; /* the nearest block below is not a session block holding it */
        kd_raise(call, RULE_sync_object_session, object, 0, 0);
        return false;
    }
    return true;
}

/* Where a dispatcher object is initialised: the automatic checks' session
 * space (0xDF), security checks' user-mode address (0xE0), then force IRQL
 * checking's 0xE1, in the order of their codes. */
static bool check_new_sync_object(ke_call *call, PVOID_VA object, ke_type_id type)
{
    return check_session_object(call, object) && vf_sec_kernel_object(call, object, type) &&
           check_sync_object(call, object);
}

static void vf_KeInitializeEvent(ke_call *call, PVOID_VA Event, ULONG Type, bool State)
{
    if (check_new_sync_object(call, Event, KE_TYPE_KEVENT))
        KeInitializeEvent(call, Event, Type, State);
}

static void vf_KeInitializeTimer(ke_call *call, PVOID_VA Timer)
{
    if (check_new_sync_object(call, Timer, KE_TYPE_KTIMER))
        KeInitializeTimer(call, Timer);
}

static void vf_KeInitializeTimerEx(ke_call *call, PVOID_VA Timer, ULONG Type)
{
    if (check_new_sync_object(call, Timer, KE_TYPE_KTIMER))
        KeInitializeTimerEx(call, Timer, Type);
}

static void vf_KeInitializeSemaphore(ke_call *call, PVOID_VA Semaphore, int32_t Count,
                                     int32_t Limit)
{
    if (check_new_sync_object(call, Semaphore, KE_TYPE_KSEMAPHORE))
        KeInitializeSemaphore(call, Semaphore, Count, Limit);
}

static void vf_KeInitializeMutex(ke_call *call, PVOID_VA Mutex, ULONG Level)
{
    if (check_new_sync_object(call, Mutex, KE_TYPE_KMUTEX))
        KeInitializeMutex(call, Mutex, Level);
}

/* ------------------------------------------------------------------------ */
/* Push locks                                                               */
/* ------------------------------------------------------------------------ */

/* A push lock is acquired and released with normal kernel APCs disabled
 * (ExAcquirePushLockExclusive: KeEnterCriticalRegion first), as an
 * ERESOURCE is: below APC_LEVEL outside a critical or guarded region is
 * 0xEA at acquire, 0xEB at release (P2 the IRQL, P3 CombinedApcDisable, P4
 * the lock). Unlike 0x37/0x38, system threads are not exempt: the page
 * names no exemption. False if one fired. */
static bool check_pushlock(ke_call *call, PVOID_VA PushLock, rule_id rule)
{
    KIRQL irql = ke_call_irql(call);
    uint32_t combined = ke_combined_apc_disable(call->thread);
    if (irql >= APC_LEVEL || combined != 0 || !vf_rule_enabled(call, rule))
        return true;
    kd_raise(call, rule, irql, combined, PushLock);
    return false;
}

static void vf_ExAcquirePushLockExclusiveEx(ke_call *call, PVOID_VA PushLock, ULONG Flags)
{
    if (check_pushlock(call, PushLock, RULE_pushlock_acquire_apcs_enabled))
        ExAcquirePushLockExclusiveEx(call, PushLock, Flags);
}

static void vf_ExAcquirePushLockSharedEx(ke_call *call, PVOID_VA PushLock, ULONG Flags)
{
    if (check_pushlock(call, PushLock, RULE_pushlock_acquire_apcs_enabled))
        ExAcquirePushLockSharedEx(call, PushLock, Flags);
}

static void vf_ExReleasePushLockExclusiveEx(ke_call *call, PVOID_VA PushLock, ULONG Flags)
{
    if (check_pushlock(call, PushLock, RULE_pushlock_release_apcs_enabled))
        ExReleasePushLockExclusiveEx(call, PushLock, Flags);
}

static void vf_ExReleasePushLockSharedEx(ke_call *call, PVOID_VA PushLock, ULONG Flags)
{
    if (check_pushlock(call, PushLock, RULE_pushlock_release_apcs_enabled))
        ExReleasePushLockSharedEx(call, PushLock, Flags);
}

static void vf_ExAcquirePushLockExclusive(ke_call *call, PVOID_VA PushLock)
{
    if (check_pushlock(call, PushLock, RULE_pushlock_acquire_apcs_enabled))
        ExAcquirePushLockExclusive(call, PushLock);
}

static void vf_ExAcquirePushLockShared(ke_call *call, PVOID_VA PushLock)
{
    if (check_pushlock(call, PushLock, RULE_pushlock_acquire_apcs_enabled))
        ExAcquirePushLockShared(call, PushLock);
}

static void vf_ExReleasePushLockExclusive(ke_call *call, PVOID_VA PushLock)
{
    if (check_pushlock(call, PushLock, RULE_pushlock_release_apcs_enabled))
        ExReleasePushLockExclusive(call, PushLock);
}

static void vf_ExReleasePushLockShared(ke_call *call, PVOID_VA PushLock)
{
    if (check_pushlock(call, PushLock, RULE_pushlock_release_apcs_enabled))
        ExReleasePushLockShared(call, PushLock);
}

void vf_patch_imports_ke(ddi_imports *imports)
{
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
    imports->ExAcquireFastMutex = vf_ExAcquireFastMutex;
    imports->ExTryToAcquireFastMutex = vf_ExTryToAcquireFastMutex;
    imports->ExReleaseFastMutex = vf_ExReleaseFastMutex;
    imports->ExAcquireFastMutexUnsafe = vf_ExAcquireFastMutexUnsafe;
    imports->ExReleaseFastMutexUnsafe = vf_ExReleaseFastMutexUnsafe;
    imports->KeEnterCriticalRegion = vf_KeEnterCriticalRegion;
    imports->KeLeaveCriticalRegion = vf_KeLeaveCriticalRegion;
    imports->KeSynchronizeExecution = vf_KeSynchronizeExecution;
    imports->ExInitializeResourceLite = vf_ExInitializeResourceLite;
    imports->ExDeleteResourceLite = vf_ExDeleteResourceLite;
    imports->ExAcquireResourceExclusiveLite = vf_ExAcquireResourceExclusiveLite;
    imports->ExAcquireResourceSharedLite = vf_ExAcquireResourceSharedLite;
    imports->ExAcquireSharedStarveExclusive = vf_ExAcquireSharedStarveExclusive;
    imports->ExAcquireSharedWaitForExclusive = vf_ExAcquireSharedWaitForExclusive;
    imports->ExTryToAcquireResourceExclusiveLite = vf_ExTryToAcquireResourceExclusiveLite;
    imports->ExReleaseResourceLite = vf_ExReleaseResourceLite;
    imports->ExReleaseResourceForThreadLite = vf_ExReleaseResourceForThreadLite;
    imports->KeInitializeEvent = vf_KeInitializeEvent;
    imports->KeInitializeTimer = vf_KeInitializeTimer;
    imports->KeInitializeTimerEx = vf_KeInitializeTimerEx;
    imports->KeInitializeSemaphore = vf_KeInitializeSemaphore;
    imports->KeInitializeMutex = vf_KeInitializeMutex;
    imports->ExAcquirePushLockExclusiveEx = vf_ExAcquirePushLockExclusiveEx;
    imports->ExAcquirePushLockSharedEx = vf_ExAcquirePushLockSharedEx;
    imports->ExReleasePushLockExclusiveEx = vf_ExReleasePushLockExclusiveEx;
    imports->ExReleasePushLockSharedEx = vf_ExReleasePushLockSharedEx;
    imports->ExAcquirePushLockExclusive = vf_ExAcquirePushLockExclusive;
    imports->ExAcquirePushLockShared = vf_ExAcquirePushLockShared;
    imports->ExReleasePushLockExclusive = vf_ExReleasePushLockExclusive;
    imports->ExReleasePushLockShared = vf_ExReleasePushLockShared;
}
