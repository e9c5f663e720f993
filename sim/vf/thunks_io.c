/*
 * thunks_io.c - the verifier's thunks for work items, lookaside lists and
 * I/O verification (/flags 0x10, levels 1 and 2; see thunks.c).
 */
#include "ddi_table.h"
#include "ex/lookaside.h"
#include "ex/pool.h"
#include "ex/work.h"
#include "ex/resource.h"
#include "io/io.h"
#include "kd/kd.h"
#include "ke/types.h"
#include "mm/mdl.h"
#include "ob/ob.h"
#include "mm/mm.h"
#include "mm/special.h"
#include "vf/vf.h"
#include "vf/thunks.h"

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
 * The WDM DRIVER ERRORs give "the address in the driver's code where the
 * error was detected" in P2 (bug-check-0xc9--driver-verifier-iomanager-
 * violation.md): the routine that made the call (ke_caller_code), or the
 * dispatch or completion routine that returned.
 * A level 2 error (a WDM DRIVER ERROR, P1 0x200 and up) with a kernel
 * debugger attached is printed, as the debugger shows it, and ignored
 * (seed 003, 2.1.1.6): returns false then, and the call goes on as if the
 * check had passed. Returns true when the machine stopped.
 */
bool vf_io_raise(ke_call *call, rule_id rule, io_driver *blame, uint64_t p2, uint64_t p3,
                 uint64_t p4)
{
    const rule_row *row = &rule_table[rule];
    const uint64_t params[4] = {row->sub_value, p2, p3, p4};
    if (rule_is_warning(rule)) {
        /* A WDM DRIVER WARNING: Windows beeps and goes on (with a kernel
         * debugger attached it prints it, without breaking in). */
        if (call->m->config.kd_attached) {
            const io_driver *d = blame != NULL ? blame : call->driver;
            char text[400];
            snprintf(text, sizeof text,
                     "WDM DRIVER WARNING 0x%X (%s): %s; P2 0x%llX, P3 0x%llX, P4 0x%llX\n",
                     (unsigned)row->sub_value, d != NULL ? d->name : "?",
                     row->description + strlen(RULE_WARNING_PREFIX), (unsigned long long)p2,
                     (unsigned long long)p3, (unsigned long long)p4);
            kd_debug_output(call, 0 /* DPFLTR_SYSTEM_ID */, 0 /* DPFLTR_ERROR_LEVEL */, text);
        }
        kd_warn(call, rule, params, blame);
        return false;
    }
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
    return vf_inject_pool(call, NonPagedPool, IO_IRP_POOL_TAG, false);
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
            vf_io_raise(call, RULE_io_free_not_irp, NULL, Irp, 0, 0);
            return;
        }
        if (irp->thread != NULL) {
            vf_io_raise(call, RULE_io_free_irp_on_thread, NULL, Irp, 0, 0);
            return;
        }
        /* C9 lists two codes for this fault: 0x20A, "original IRP and IRP
         * in use specified" with P2 and P3 reserved, and 0x20B, "IRP
         * specified", P2 the code address and P3 the IRP. What is checked
         * here is one IRP its caller frees while it is still in use: 0x20B's
         * case and layout. */
        /* Completion that reached the top location is the owner's again:
         * its completion routine may have set the event the freeing thread
         * waited on, on another processor, before it returns, or may free
         * the IRP itself and return STATUS_MORE_PROCESSING_REQUIRED (the
         * documented pattern for a driver-allocated IRP) while the lower
         * driver's dispatch routine that completed it is still on the stack:
         * that routine may not touch the IRP after IoCompleteRequest. */
        bool returned = irp->completing && irp_field(m, Irp, "CurrentLocation") > irp->stack_count;
        if (io_level2(m) && !returned && (irp->dispatching > 0 || irp->in_flight) &&
            vf_io_raise(call, RULE_io2_free_irp_in_use, NULL, ke_caller_code(call), Irp, 0))
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
            vf_io_raise(call, RULE_io_call_above_dispatch, NULL, irql, 0, 0);
            return STATUS_UNSUCCESSFUL;
        }
        if (DeviceObject == 0 && io_level2(m) &&
            vf_io_raise(call, RULE_io2_null_device, NULL, ke_caller_code(call), Irp, 0))
            return STATUS_UNSUCCESSFUL;
        uint16_t type = 0;
        if (!mm_access(call, Irp, &type, sizeof type, false))
            return STATUS_ACCESS_VIOLATION;
        io_irp *irp = io_irp_at(m, Irp);
        if (type != IO_TYPE_IRP || irp == NULL) {
            vf_io_raise(call, RULE_io_call_not_irp, NULL, Irp, 0, 0);
            return STATUS_UNSUCCESSFUL;
        }
        io_device *dev = io_device_at(m, DeviceObject);
        if (dev == NULL || dev->deleted) {
            vf_io_raise(call, RULE_io_call_bad_device, NULL, DeviceObject, 0, 0);
            return STATUS_UNSUCCESSFUL;
        }
        if (io_level2(m)) {
            if (vf_iov_forward_queued(call, Irp))
                return STATUS_UNSUCCESSFUL;
            uint64_t cancel = irp_field(m, Irp, "CancelRoutine");
            if (cancel != 0 && vf_io_raise(call, RULE_io2_call_cancel_routine_set, NULL,
                                           ke_caller_code(call), Irp, cancel))
                return STATUS_UNSUCCESSFUL;
            /* The device needs StackSize locations from here down. */
            uint64_t stack_size = 0;
            mm_peek(m->mm,
                    DeviceObject + KE_FIELD(DEVICE_OBJECT, StackSize)->offset[m->config.arch],
                    &stack_size, 1);
            if (irp_field(m, Irp, "CurrentLocation") <= stack_size &&
                vf_io_raise(call, RULE_io2_out_of_stack_locations, NULL, ke_caller_code(call), Irp,
                            0))
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
                vf_io_raise(call, RULE_io2_copied_completion_routine, NULL, ke_caller_code(call),
                            Irp, upper))
                return STATUS_UNSUCCESSFUL;
            if (vf_iov_call(call, DeviceObject, Irp))
                return STATUS_UNSUCCESSFUL;
        }
    }
    /* Security checks, once the IRP is known to be one (with 0x10). */
    if (!vf_sec_irp(call, Irp))
        return STATUS_UNSUCCESSFUL;
    /* Force pending I/O (0x200): a chosen IRP's completion is held where
     * it comes back to this driver. Its dispatch routine's return gives
     * the answer (io_callout_end); without one (the I/O manager answered
     * at once) it is given here. */
    vf_pend_call(call, Irp);
    NTSTATUS status = IoCallDriver(call, DeviceObject, Irp);
    io_irp *sent = call->callout ? NULL : io_irp_at(m, Irp);
    if (sent != NULL && sent->pend_armed)
        status = vf_pend_returned(call, sent, status);
    return status;
}

static void vf_IoCompleteRequest(ke_call *call, PVOID_VA Irp, uint8_t PriorityBoost)
{
    ke_machine *m = call->m;
    if (vf_option_enabled(call, VF_FLAG_IO_VERIFICATION)) {
        KIRQL irql = ke_call_irql(call);
        if (irql > DISPATCH_LEVEL) {
            vf_io_raise(call, RULE_io_complete_above_dispatch, NULL, irql, Irp, 0);
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
                vf_io_raise(call, RULE_io_complete_status_pending, NULL, status, Irp, 0);
                return;
            }
            uint64_t cancel = irp_field(m, Irp, "CancelRoutine");
            if (cancel != 0) {
                vf_io_raise(call, RULE_io_complete_cancel_routine_set, NULL, cancel, Irp, 0);
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
                vf_io_raise(call, RULE_io2_information_too_large, NULL, ke_caller_code(call), Irp,
                            info))
                return;
            if (vf_pend_complete(call, Irp) || vf_iov_complete(call, Irp))
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
        vf_io_raise(call, RULE_io_dispatch_irql_changed, c->driver, c->device, c->irql_before,
                    irql);
        return;
    }
    /* A critical or guarded region entered and not left (0xC4/0xC5). */
    uint32_t apc = call->thread != NULL ? ke_combined_apc_disable(call->thread) : 0;
    if (apc != c->apc_disable_in) {
        vf_io_raise(call, RULE_io_dispatch_apc_disable_changed, c->driver, dispatch, apc,
                    c->apc_disable_in);
        return;
    }
    if (!io_level2(m) || irp == NULL)
        return; /* an IRP freed already: the I/O manager's free came after */
    if (vf_iov_dispatch_returned(call, c, irp, status))
        return;
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
        vf_io_raise(call, RULE_io2_pending_not_marked, c->driver, dispatch, irp->va,
                    (uint32_t)status);
        return;
    }
    if (status != STATUS_PENDING && marked && !done) {
        vf_io_raise(call, RULE_io2_marked_not_pending, c->driver, dispatch, irp->va,
                    (uint32_t)status);
        return;
    }
    if (status == STATUS_PENDING)
        return;
    if ((uint32_t)status == 0xFFFFFFFFu) {
        vf_io_raise(call, RULE_io2_illegal_status_returned, c->driver, dispatch, irp->va,
                    (uint32_t)status);
        return;
    }
    if (!done && !forwarded) {
        vf_io_raise(call, RULE_io2_not_completed_not_pending, c->driver, dispatch, irp->va,
                    (uint32_t)status);
        return;
    }
    if (done && irp->origin != IO_IRP_ALLOCATED) {
        uint32_t expected = 0;
        const ke_field *f = KE_FIELD(IO_STATUS_BLOCK, Status);
        PVOID_VA iosb = irp->va + ke_type_field(KE_TYPE_IRP, "IoStatus")->offset[m->config.arch];
        mm_peek(m->mm, iosb + f->offset[m->config.arch], &expected, 4);
        if (expected != (uint32_t)status)
            vf_io_raise(call, RULE_io2_status_mismatch, c->driver, dispatch, irp->va, expected);
    }
}

void vf_io_completion_returned(ke_call *call, const ke_callout *c, io_irp *irp, NTSTATUS status)
{
    ke_machine *m = call->m;
    uint64_t routine = io_routine_token(c->driver, c->routine);
    KIRQL irql = ke_call_irql(call);
    if (irql != c->irql_before) {
        vf_io_raise(call, RULE_io_completion_irql_changed, c->driver, routine, c->irql_before,
                    irql);
        return;
    }
    uint32_t apc = call->thread != NULL ? ke_combined_apc_disable(call->thread) : 0;
    if (apc != c->apc_disable_in) {
        vf_io_raise(call, RULE_io_completion_apc_disable_changed, c->driver, routine, apc,
                    c->apc_disable_in);
        return;
    }
    if (!io_level2(m) || irp == NULL || status == STATUS_MORE_PROCESSING_REQUIRED)
        return;
    /* The routine's own location is the current one now; with the IRP
     * pending below, it must mark it pending (IoMarkIrpPending) so the
     * pending state reaches the top. */
    uint64_t location = irp_field(m, irp->va, "CurrentLocation");
    if (location <= irp->stack_count && irp_field(m, irp->va, "PendingReturned") != 0 &&
        (sl_field(m, irp_location(m, irp->va), "Control") & SL_PENDING_RETURNED) == 0 &&
        vf_io_raise(call, RULE_io2_completion_not_marked_pending, c->driver,
                    io_routine_token(c->driver, c->routine), irp->va, 0))
        return;
    if (vf_iov_completed_with_cancel(call, c, irp))
        return;
    vf_iov_completion_returned(call, c, irp);
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
        vf_io_raise(call, RULE_io_build_ioctl_bad_buffer, NULL, DeviceObject, IoControlCode,
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
    vf_io_raise(call, RULE_io_build_fsd_bad_buffer, NULL, DeviceObject, MajorFunction,
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
    if (vf_inject_pool(call, NonPagedPool, IO_COMPLETION_CONTEXT_TAG, false))
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
        vf_io_raise(call, RULE_io_timer_initialized_twice, NULL, DeviceObject, 0, 0);
        return STATUS_UNSUCCESSFUL;
    }
    return IoInitializeTimer(call, DeviceObject, TimerRoutine, Context);
}

static void vf_IoDeleteDevice(ke_call *call, PVOID_VA DeviceObject)
{
    io_device *dev = io_device_at(call->m, DeviceObject);
    if (vf_wmi_device_deleting(call, DeviceObject))
        return;
    if (vf_option_enabled(call, VF_FLAG_IO_VERIFICATION) && io_level2(call->m)) {
        /* Deleted before: still referenced, or its object gone from the
         * pool (the verifier tracks device objects it has seen). */
        ex_block *b = dev == NULL ? ex_pool_find(call->m->pool, DeviceObject) : NULL;
        bool twice =
            (dev != NULL && dev->deleted) ||
            (b != NULL && b->freed && b->va == DeviceObject && b->tag == IO_DEVICE_POOL_TAG);
        if (twice && vf_io_raise(call, RULE_io2_delete_device_twice, NULL, ke_caller_code(call),
                                 DeviceObject, 0))
            return;
    }
    if (dev != NULL && !dev->deleted && dev->lower != NULL &&
        vf_option_enabled(call, VF_FLAG_IO_VERIFICATION) && io_level2(call->m) &&
        vf_io_raise(call, RULE_io2_delete_device_attached, NULL, ke_caller_code(call), DeviceObject,
                    dev->lower->va))
        return;
    vf_iov_device_deleted(call->m, DeviceObject);
    IoDeleteDevice(call, DeviceObject);
}

static void vf_IoDetachDevice(ke_call *call, PVOID_VA TargetDevice)
{
    io_device *dev = io_device_at(call->m, TargetDevice);
    if (dev != NULL && dev->attached == NULL && vf_option_enabled(call, VF_FLAG_IO_VERIFICATION) &&
        io_level2(call->m)) {
        vf_io_raise(call, RULE_io2_detach_not_attached, NULL, ke_caller_code(call), TargetDevice,
                    0);
        return;
    }
    IoDetachDevice(call, TargetDevice);
}

static void vf_IoReuseIrp(ke_call *call, PVOID_VA Irp, NTSTATUS Iostatus)
{
    if (vf_iov_reinitialize(call, Irp))
        return;
    IoReuseIrp(call, Irp, Iostatus);
}

static uint32_t vf_IoSetCancelRoutine(ke_call *call, PVOID_VA Irp, uint32_t CancelRoutine)
{
    if (vf_iov_set_cancel_routine(call, Irp, CancelRoutine))
        return 0;
    return IoSetCancelRoutine(call, Irp, CancelRoutine);
}

/* Windows Vista and later: PoCallDriver is IoCallDriver, checks included. */
static NTSTATUS vf_PoCallDriver(ke_call *call, PVOID_VA DeviceObject, PVOID_VA Irp)
{
    return vf_IoCallDriver(call, DeviceObject, Irp);
}

static void vf_IoInitializeIrp(ke_call *call, PVOID_VA Irp, ULONG PacketSize, uint8_t StackSize)
{
    /* An IRP from IoAllocateIrp is reused with IoReuseIrp: initialising it
     * again loses what IoAllocateIrp recorded (its quota charge leaks). */
    if (vf_iov_reinitialize(call, Irp))
        return;
    io_irp *irp = io_irp_at(call->m, Irp);
    if (irp != NULL && irp->origin == IO_IRP_ALLOCATED && !irp->in_place &&
        vf_option_enabled(call, VF_FLAG_IO_VERIFICATION) && io_level2(call->m) &&
        vf_io_raise(call,
                    irp->charge_quota ? RULE_io2_initialize_allocated_irp
                                      : RULE_io2_initialize_allocated_irp_no_quota,
                    NULL, ke_caller_code(call), Irp, 0))
        return;
    IoInitializeIrp(call, Irp, PacketSize, StackSize);
}

/* ------------------------------------------------------------------------ */
/* Remove locks (I/O verification, Windows Vista and later)                 */
/* ------------------------------------------------------------------------ */

/*
 * Driver Verifier checks every remove lock of a verified driver against the
 * acquisitions it tracked (on a free build of Windows, in a shadow copy of
 * the lock it makes for the driver; drvsim's kernel keeps the tracking
 * beside the lock, io/removelock.c, and P2 gives the driver's own lock).
 */
static void vf_IoInitializeRemoveLockEx(ke_call *call, PVOID_VA Lock, ULONG AllocateTag,
                                        ULONG MaxLockedMinutes, ULONG HighWatermark,
                                        ULONG RemlockSize)
{
    io_remove_lock *l = io_remove_lock_at(call->m, Lock);
    if (l != NULL && l->waited && vf_rule_enabled(call, RULE_io_remove_lock_reinitialized)) {
        kd_raise(call, RULE_io_remove_lock_reinitialized, Lock, Lock, 0);
        return;
    }
    IoInitializeRemoveLockEx(call, Lock, AllocateTag, MaxLockedMinutes, HighWatermark, RemlockSize);
}

static void vf_IoReleaseRemoveLockEx(ke_call *call, PVOID_VA RemoveLock, PVOID_VA Tag,
                                     ULONG RemlockSize)
{
    io_remove_lock *l = io_remove_lock_at(call->m, RemoveLock);
    if (l != NULL && io_remove_lock_outstanding(l, Tag) == 0 &&
        vf_rule_enabled(call, RULE_io_remove_lock_release_tag)) {
        kd_raise(call, RULE_io_remove_lock_release_tag, RemoveLock, Tag, 0);
        return;
    }
    IoReleaseRemoveLockEx(call, RemoveLock, Tag, RemlockSize);
}

static void vf_IoReleaseRemoveLockAndWaitEx(ke_call *call, PVOID_VA RemoveLock, PVOID_VA Tag,
                                            ULONG RemlockSize)
{
    io_remove_lock *l = io_remove_lock_at(call->m, RemoveLock);
    if (l != NULL && io_remove_lock_outstanding(l, Tag) == 0 &&
        vf_rule_enabled(call, RULE_io_remove_lock_wait_tag)) {
        kd_raise(call, RULE_io_remove_lock_wait_tag, RemoveLock, Tag, io_remove_lock_any_tag(l));
        return;
    }
    IoReleaseRemoveLockAndWaitEx(call, RemoveLock, Tag, RemlockSize);
}

void vf_patch_imports_io(ddi_imports *imports)
{
    imports->IoAllocateWorkItem = vf_IoAllocateWorkItem;
    imports->IoQueueWorkItem = vf_IoQueueWorkItem;
    imports->IoQueueWorkItemEx = vf_IoQueueWorkItemEx;
    imports->ExInitializeNPagedLookasideList = vf_ExInitializeNPagedLookasideList;
    imports->ExInitializePagedLookasideList = vf_ExInitializePagedLookasideList;
    imports->ExDeleteNPagedLookasideList = vf_ExDeleteNPagedLookasideList;
    imports->ExDeletePagedLookasideList = vf_ExDeletePagedLookasideList;
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
    imports->IoInitializeRemoveLockEx = vf_IoInitializeRemoveLockEx;
    imports->IoReleaseRemoveLockEx = vf_IoReleaseRemoveLockEx;
    imports->IoReleaseRemoveLockAndWaitEx = vf_IoReleaseRemoveLockAndWaitEx;
    imports->PoCallDriver = vf_PoCallDriver;
    imports->IoInitializeIrp = vf_IoInitializeIrp;
    imports->IoSetCancelRoutine = vf_IoSetCancelRoutine;
    imports->IoReuseIrp = vf_IoReuseIrp;
}
