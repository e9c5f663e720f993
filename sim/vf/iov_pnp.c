/*
 * iov_pnp.c - I/O verification's checks of how drivers handle Plug and
 * Play, power and WMI IRPs (IRP_MJ_PNP, IRP_MJ_POWER, IRP_MJ_SYSTEM_CONTROL),
 * and the rest of level 2's WDM DRIVER ERRORs about forwarding and
 * completing IRPs (0xC9, P1 0x204-0x248, 0x300-0x311).
 *
 * The checks are keyed on the IRP's major and minor function, at four
 * moments: a driver sends or forwards an IRP (its IoCallDriver or
 * PoCallDriver), a dispatch routine is called and returns, a driver
 * completes an IRP (IoCompleteRequest), a completion routine returns. They
 * apply to any IRP, whoever built it: the PnP and power managers' own, the
 * scenario's (which stand in for them), a driver's (IoAllocateIrp). What a
 * dispatch routine was given is in its callout (status_in, information_in,
 * attached_in, io/irp.c).
 *
 * Roles without the PnP manager's device tree: the physical device object
 * (PDO) of a stack is its bottom device, the one attached to nothing; the
 * others are function and filter devices. A driver that "does not
 * understand" a PnP, power or WMI IRP is one given a minor code wdm.h does
 * not define (Driver Verifier sends such IRPs itself to find out).
 *
 * Where bug-check-0xc9 gives two codes the same text (0x213 and 0x23B, "the
 * caller has changed the status field of an IRP it does not understand"),
 * drvsim raises 0x213 for a change on the way down (the IRP forwarded with
 * a new status) and 0x23B on the way up (a completion routine's change).
 */
#include <string.h>

#include "io/io.h"
#include "kd/kd.h"
#include "ke/types.h"
#include "mm/mm.h"
#include "vf/thunks.h"
#include "vf/vf.h"

#define IRP_MJ_POWER          0x16
#define IRP_MJ_SYSTEM_CONTROL 0x17
#define IRP_MJ_PNP            0x1B

/* PnP minor codes (wdm.h). */
#define IRP_MN_START_DEVICE           0x00
#define IRP_MN_QUERY_REMOVE_DEVICE    0x01
#define IRP_MN_REMOVE_DEVICE          0x02
#define IRP_MN_CANCEL_REMOVE_DEVICE   0x03
#define IRP_MN_STOP_DEVICE            0x04
#define IRP_MN_QUERY_STOP_DEVICE      0x05
#define IRP_MN_CANCEL_STOP_DEVICE     0x06
#define IRP_MN_QUERY_DEVICE_RELATIONS 0x07
#define IRP_MN_QUERY_INTERFACE        0x08
#define IRP_MN_QUERY_CAPABILITIES     0x09
#define IRP_MN_QUERY_RESOURCES        0x0A
#define IRP_MN_EJECT                  0x11
#define IRP_MN_SET_LOCK               0x12
#define IRP_MN_QUERY_ID               0x13
#define IRP_MN_QUERY_BUS_INFORMATION  0x15
#define IRP_MN_SURPRISE_REMOVAL       0x17
#define IRP_MN_DEVICE_ENUMERATED      0x19
/* Power minor codes. */
#define IRP_MN_WAIT_WAKE   0x00
#define IRP_MN_SET_POWER   0x02
#define IRP_MN_QUERY_POWER 0x03
/* WMI minor codes: IRP_MN_QUERY_ALL_DATA (0) to IRP_MN_REGINFO_EX (0xB). */
#define IRP_MN_REGINFO_EX 0x0B

#define TargetDeviceRelation 4
#define SystemPowerState     0
#define DO_POWER_PAGABLE     0x00002000u
#define STATUS_PENDING_VALUE 0x00000103u
/* NTSTATUS bit 28 is reserved (ntstatus.h's "N" bit): no status has it. */
#define NTSTATUS_RESERVED_BIT 0x10000000u
/* DEVICE_CAPABILITIES (wdm.h): Size, Version, a ULONG of flags, Address,
 * UINumber; Version 1 is 64 bytes. */
#define CAPS_SIZE_OFFSET     0
#define CAPS_VERSION_OFFSET  2
#define CAPS_ADDRESS_OFFSET  8
#define CAPS_UINUMBER_OFFSET 12
#define CAPS_SIZE            64u

/* ------------------------------------------------------------------------ */
/* Reading the IRP                                                          */
/* ------------------------------------------------------------------------ */

static uint64_t peek(ke_machine *m, PVOID_VA va, const ke_field *f)
{
    uint64_t v = 0;
    mm_peek(m->mm, va + f->offset[m->config.arch], &v, ke_field_size(m->config.arch, f));
    return v;
}

static uint64_t peek_bytes(ke_machine *m, PVOID_VA va, uint32_t bytes)
{
    uint64_t v = 0;
    mm_peek(m->mm, va, &v, bytes);
    return v;
}

static uint32_t ptr_bytes(const ke_machine *m)
{
    return m->config.arch == KE_ARCH_X86 ? 4u : 8u;
}

static PVOID_VA iosb_of(ke_machine *m, PVOID_VA irp)
{
    return irp + KE_FIELD(IRP, IoStatus)->offset[m->config.arch];
}

static uint32_t irp_status(ke_machine *m, PVOID_VA irp)
{
    return (uint32_t)peek(m, iosb_of(m, irp), KE_FIELD(IO_STATUS_BLOCK, Status));
}

static uint64_t irp_information(ke_machine *m, PVOID_VA irp)
{
    return peek(m, iosb_of(m, irp), KE_FIELD(IO_STATUS_BLOCK, Information));
}

/* Stack location `n` (1-based, as CurrentLocation counts). */
static PVOID_VA location_va(ke_machine *m, PVOID_VA irp, uint64_t n)
{
    return irp + io_irp_bytes(m, 0) + (n - 1) * io_stack_location_bytes(m);
}

static uint64_t sl(ke_machine *m, PVOID_VA loc, const char *name)
{
    return peek(m, loc, ke_type_field(KE_TYPE_IO_STACK_LOCATION, name));
}

/* Parameters.Others.ArgumentN: the union's pointer-sized slots. */
static uint64_t argument(ke_machine *m, PVOID_VA loc, uint32_t n)
{
    PVOID_VA p = loc + KE_FIELD(IO_STACK_LOCATION, Parameters)->offset[m->config.arch];
    return peek_bytes(m, p + (uint64_t)n * ptr_bytes(m), ptr_bytes(m));
}

static bool pnp_power_wmi(uint64_t major)
{
    return major == IRP_MJ_PNP || major == IRP_MJ_POWER || major == IRP_MJ_SYSTEM_CONTROL;
}

/* A minor code wdm.h defines for the major: one the driver may not
 * understand, but the system does. */
static bool minor_known(uint64_t major, uint64_t minor)
{
    switch (major) {
    case IRP_MJ_PNP:
        return minor <= IRP_MN_DEVICE_ENUMERATED;
    case IRP_MJ_POWER:
        return minor <= IRP_MN_QUERY_POWER;
    case IRP_MJ_SYSTEM_CONTROL:
        return minor <= IRP_MN_REGINFO_EX;
    default:
        return true;
    }
}

/* The PnP IRPs each driver of the stack must handle: it sets the status
 * (STATUS_SUCCESS, or a failure) before it passes one down (the pages of
 * IRP_MN_QUERY_REMOVE_DEVICE and the others: "set Irp->IoStatus.Status"). */
static bool pnp_required(uint64_t minor)
{
    switch (minor) {
    case IRP_MN_QUERY_REMOVE_DEVICE:
    case IRP_MN_REMOVE_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE:
    case IRP_MN_STOP_DEVICE:
    case IRP_MN_QUERY_STOP_DEVICE:
    case IRP_MN_CANCEL_STOP_DEVICE:
    case IRP_MN_SURPRISE_REMOVAL:
        return true;
    default:
        return false;
    }
}

/* The PnP IRPs only the PnP manager sends ("Drivers must not send this
 * IRP", each minor's page). */
static bool pnp_system_only(uint64_t minor)
{
    return minor == IRP_MN_START_DEVICE || pnp_required(minor) || minor == IRP_MN_DEVICE_ENUMERATED;
}

/* The PnP IRPs a bus driver answers for its PDO; function and filter
 * drivers pass them down ("Function and filter drivers do not handle this
 * IRP"). */
static bool pnp_pdo_only(uint64_t minor, uint64_t relation)
{
    switch (minor) {
    case IRP_MN_QUERY_RESOURCES:
    case IRP_MN_EJECT:
    case IRP_MN_SET_LOCK:
    case IRP_MN_QUERY_ID:
    case IRP_MN_QUERY_BUS_INFORMATION:
        return true;
    case IRP_MN_QUERY_DEVICE_RELATIONS:
        return relation == TargetDeviceRelation;
    default:
        return false;
    }
}

/* A status no routine produces: an uninitialised variable's. */
static bool status_suspicious(uint32_t status)
{
    return (status & NTSTATUS_RESERVED_BIT) != 0 && status != 0xFFFFFFFFu;
}

/* The dispatch routine of `irp` running innermost on this execution. */
static ke_callout *running_dispatch(ke_call *call, PVOID_VA irp)
{
    ke_exec *e = call->exec;
    if (e == NULL)
        return NULL;
    for (uint32_t i = e->callout_count; i > 0; i--) {
        ke_callout *c = &e->callouts[i - 1];
        if (c->kind == KE_CALLOUT_DISPATCH && c->irp == irp)
            return c;
    }
    return NULL;
}

static bool level2(ke_call *call)
{
    return vf_option_enabled(call, VF_FLAG_IO_VERIFICATION) && call->m->vf->settings.iolevel >= 2;
}

/* Relations name PDOs only: the list in IoStatus.Information of a
 * successful IRP_MN_QUERY_DEVICE_RELATIONS, passed down or completed. */
static bool check_relations(ke_call *call, PVOID_VA Irp, uint64_t code)
{
    ke_machine *m = call->m;
    PVOID_VA relations = irp_information(m, Irp);
    if (relations == 0 || !NT_SUCCESS((NTSTATUS)irp_status(m, Irp)))
        return false;
    uint64_t count = peek_bytes(m, relations, 4);
    for (uint64_t i = 0; i < count && i < 256; i++) {
        PVOID_VA object = peek_bytes(m, relations + ptr_bytes(m) * (i + 1), ptr_bytes(m));
        io_device *rel = io_device_at(m, object);
        if (rel != NULL && rel->lower != NULL)
            return vf_io_raise(call, RULE_io2_relation_not_pdo, NULL, code, Irp, object);
    }
    return false;
}

/* ------------------------------------------------------------------------ */
/* A driver sends or forwards an IRP                                        */
/* ------------------------------------------------------------------------ */

/* A new IRP's first send by the driver that built it. */
static bool check_first_send(ke_call *call, io_irp *irp, io_device *target, uint64_t major,
                             uint64_t minor, PVOID_VA loc)
{
    ke_machine *m = call->m;
    PVOID_VA Irp = irp->va;
    uint64_t code = ke_caller_code(call);
    KIRQL irql = ke_call_irql(call);
    /* A threaded IRP completes through an APC to its thread: sent at
     * APC_LEVEL or above, the APC cannot run while the caller waits. */
    if (irp->origin == IO_IRP_SYNCHRONOUS && irql >= APC_LEVEL &&
        vf_io_raise(call, RULE_io2_sent_at_apc_level, NULL, code, Irp, irql))
        return true;
    if (!pnp_power_wmi(major))
        return false;
    if (major == IRP_MJ_PNP && pnp_system_only(minor))
        return vf_io_raise(call, RULE_io2_system_irp_sent, NULL, code, Irp, target->va);
    /* Power IRPs that change or query a power state, or arm wake, come
     * from PoRequestPowerIrp (IRP_MN_SET_POWER's page: a driver must not
     * allocate one itself). */
    if (major == IRP_MJ_POWER && minor != 1 /* IRP_MN_POWER_SEQUENCE */ && irp->owner != NULL)
        return vf_io_raise(call, RULE_io2_system_irp_sent, NULL, code, Irp, target->va);
    if (irp_status(m, Irp) != (uint32_t)STATUS_NOT_SUPPORTED) {
        rule_id rule = major == IRP_MJ_PNP     ? RULE_io2_pnp_irp_bad_status
                       : major == IRP_MJ_POWER ? RULE_io2_power_irp_bad_status
                                               : RULE_io2_wmi_irp_bad_status;
        if (vf_io_raise(call, rule, NULL, code, Irp, irp_status(m, Irp)))
            return true;
    }
    if (major == IRP_MJ_PNP && minor == IRP_MN_QUERY_CAPABILITIES) {
        /* The sender initialises the structure the stack fills: Size,
         * Version 1, Address and UINumber -1 (IRP_MN_QUERY_CAPABILITIES). */
        PVOID_VA caps = argument(m, loc, 0);
        uint64_t size = peek_bytes(m, caps + CAPS_SIZE_OFFSET, 2);
        uint64_t version = peek_bytes(m, caps + CAPS_VERSION_OFFSET, 2);
        uint64_t address = peek_bytes(m, caps + CAPS_ADDRESS_OFFSET, 4);
        uint64_t ui_number = peek_bytes(m, caps + CAPS_UINUMBER_OFFSET, 4);
        if (version != 1)
            return vf_io_raise(call, RULE_io2_capabilities_version, NULL, code, Irp, version);
        if (size != CAPS_SIZE)
            return vf_io_raise(call, RULE_io2_capabilities_size, NULL, code, Irp, size);
        if (address != 0xFFFFFFFFu)
            return vf_io_raise(call, RULE_io2_capabilities_address, NULL, code, Irp, address);
        if (ui_number != 0xFFFFFFFFu)
            return vf_io_raise(call, RULE_io2_capabilities_ui_number, NULL, code, Irp, ui_number);
    }
    return false;
}

/* A dispatch routine of the device `c->device` passes its IRP on. */
static bool check_forward(ke_call *call, const ke_callout *c, io_irp *irp, io_device *target,
                          uint64_t location)
{
    ke_machine *m = call->m;
    PVOID_VA Irp = irp->va;
    uint64_t code = ke_caller_code(call);
    io_device *self = io_device_at(m, c->device);
    if (self == NULL)
        return false;
    /* The device below, as IoAttachDeviceToDeviceStack returned it, not
     * one further down its stack (the PDO). */
    if (self->lower != NULL && target != self->lower) {
        for (io_device *d = self->lower->lower; d != NULL; d = d->lower)
            if (d == target)
                return vf_io_raise(call, RULE_io2_skipped_device, NULL, code, Irp, target->va);
    }
    PVOID_VA own = location_va(m, Irp, (uint64_t)c->location);
    uint64_t major = sl(m, own, "MajorFunction"), minor = sl(m, own, "MinorFunction");
    if ((uint64_t)c->location == location && c->location > 1) {
        /* The next location was written (IoCopyCurrentIrpStackLocationToNext
         * or by hand), not skipped to. */
        PVOID_VA next = location_va(m, Irp, location - 1);
        uint64_t control = sl(m, next, "Control");
        uint64_t routine = sl(m, next, "CompletionRoutine");
        if (((control & SL_PENDING_RETURNED) != 0 ||
             ((control & (SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_ERROR | SL_INVOKE_ON_CANCEL)) != 0 &&
              routine == 0)) &&
            vf_io_raise(call, RULE_io2_control_not_zeroed, NULL, code, Irp, control))
            return true;
        if (pnp_power_wmi(major) &&
            (sl(m, next, "MajorFunction") != major || sl(m, next, "MinorFunction") != minor) &&
            vf_io_raise(call, RULE_io2_stack_trashed, NULL, code, Irp,
                        sl(m, next, "MajorFunction")))
            return true;
        /* Copied for nothing: a warning, the call goes on. */
        if (routine == 0)
            vf_io_raise(call, RULE_io2_copied_no_completion, NULL, code, Irp, 0);
    }
    if (!pnp_power_wmi(major))
        return false;
    uint32_t status = irp_status(m, Irp);
    bool failed = !NT_SUCCESS((NTSTATUS)status) && status != (uint32_t)STATUS_NOT_SUPPORTED;
    if (failed && major == IRP_MJ_PNP)
        return vf_io_raise(call, RULE_io2_pnp_failure_passed_down, NULL, code, Irp, status);
    if (failed && major == IRP_MJ_POWER)
        return vf_io_raise(call, RULE_io2_power_failure_passed_down, NULL, code, Irp, status);
    if (c->status_in != (uint32_t)STATUS_NOT_SUPPORTED &&
        status == (uint32_t)STATUS_NOT_SUPPORTED && major != IRP_MJ_SYSTEM_CONTROL)
        return vf_io_raise(call,
                           major == IRP_MJ_PNP ? RULE_io2_pnp_status_not_supported
                                               : RULE_io2_power_status_not_supported,
                           NULL, code, Irp, c->status_in);
    if (!minor_known(major, minor)) {
        if (status != c->status_in)
            return vf_io_raise(call, RULE_io2_unknown_irp_status_changed, NULL, code, Irp, status);
        if (irp_information(m, Irp) != c->information_in)
            return vf_io_raise(call, RULE_io2_unknown_irp_information_changed, NULL, code, Irp,
                               irp_information(m, Irp));
    }
    if (major == IRP_MJ_PNP && pnp_required(minor) && status == (uint32_t)STATUS_NOT_SUPPORTED)
        return vf_io_raise(call, RULE_io2_required_irp_not_handled, NULL, code, Irp, minor);
    if (major == IRP_MJ_PNP && minor == IRP_MN_QUERY_DEVICE_RELATIONS)
        return check_relations(call, Irp, code);
    return false;
}

bool vf_iov_call(ke_call *call, PVOID_VA DeviceObject, PVOID_VA Irp)
{
    ke_machine *m = call->m;
    if (!level2(call))
        return false;
    io_irp *irp = io_irp_at(m, Irp);
    io_device *target = io_device_at(m, DeviceObject);
    if (irp == NULL || target == NULL || target->deleted)
        return false; /* level 1 reports those (0x03, 0x04) */
    uint64_t location = peek(m, Irp, KE_FIELD(IRP, CurrentLocation));
    if (location < 2 || location > (uint64_t)irp->stack_count + 1)
        return false; /* out of locations: 0x208 */
    PVOID_VA next = location_va(m, Irp, location - 1);
    uint64_t major = sl(m, next, "MajorFunction"), minor = sl(m, next, "MinorFunction");
    KIRQL irql = ke_call_irql(call);
    uint64_t code = ke_caller_code(call);
    /* PnP and WMI IRPs are sent at PASSIVE_LEVEL; a power IRP to a device
     * that pages (DO_POWER_PAGABLE) too. */
    uint64_t flags = peek(m, DeviceObject, KE_FIELD(DEVICE_OBJECT, Flags));
    if (irql > PASSIVE_LEVEL && (major == IRP_MJ_PNP || major == IRP_MJ_SYSTEM_CONTROL ||
                                 (major == IRP_MJ_POWER && (flags & DO_POWER_PAGABLE) != 0)))
        return vf_io_raise(call, RULE_io2_sent_at_bad_irql, NULL, code, Irp, irql);
    /* Sent from its top location for the first time (a driver skipping
     * the top location of an IRP it holds sends it again). */
    if (location == (uint64_t)irp->stack_count + 1 && irp->sent == 0)
        return check_first_send(call, irp, target, major, minor, next);
    ke_callout *c = running_dispatch(call, Irp);
    if (c != NULL && ((uint64_t)c->location == location || (uint64_t)c->location + 1 == location))
        return check_forward(call, c, irp, target, location);
    return false;
}

/* Sent again while a driver below holds it (pending: its dispatch routine
 * returned, its completion has not come): the sender lost track of its
 * IRP. Checked before the stack locations, which such an IRP has used. */
bool vf_iov_forward_queued(ke_call *call, PVOID_VA Irp)
{
    ke_machine *m = call->m;
    if (!level2(call))
        return false;
    io_irp *irp = io_irp_at(m, Irp);
    if (irp == NULL || !irp->in_flight || irp->completing || irp->dispatching > 0)
        return false;
    uint64_t location = peek(m, Irp, KE_FIELD(IRP, CurrentLocation));
    if (location < 1 || location > irp->stack_count)
        return false;
    io_device *holder = io_device_at(m, sl(m, location_va(m, Irp, location), "DeviceObject"));
    if (holder == NULL || holder->driver == call->driver)
        return false;
    return vf_io_raise(call, RULE_io2_forward_queued_irp, NULL, ke_caller_code(call), Irp,
                       holder->va);
}

/* ------------------------------------------------------------------------ */
/* A dispatch routine is called and returns                                 */
/* ------------------------------------------------------------------------ */

void vf_io_dispatch_called(ke_call *call, ke_callout *c, io_irp *irp)
{
    ke_machine *m = call->m;
    if (m->vf->settings.iolevel < 2 || irp == NULL)
        return;
    /* A new request's event, signalled already: its sender cannot tell
     * when the request completes (0x307, when it returns STATUS_PENDING). */
    if ((uint64_t)c->location == irp->stack_count) {
        ke_object *event = ke_object_at(m, peek(m, irp->va, KE_FIELD(IRP, UserEvent)));
        c->event_signaled_in = event != NULL && event->signal_state > 0;
    }
    PVOID_VA loc = location_va(m, irp->va, (uint64_t)c->location);
    if (sl(m, loc, "MajorFunction") != IRP_MJ_PNP ||
        sl(m, loc, "MinorFunction") != IRP_MN_START_DEVICE)
        return;
    /* The stack starts: each device is as AddDevice should have left it. */
    io_device *dev = io_device_at(m, c->device);
    if (dev == NULL)
        return;
    uint64_t dispatch = io_routine_token(c->driver, c->routine);
    uint32_t flags = (uint32_t)peek(m, dev->va, KE_FIELD(DEVICE_OBJECT, Flags));
    if ((flags & DO_DEVICE_INITIALIZING) != 0) {
        vf_io_raise(call, RULE_io2_device_initializing, c->driver, dispatch, irp->va, dev->va);
        return;
    }
    if ((flags & (DO_BUFFERED_IO | DO_DIRECT_IO)) == (DO_BUFFERED_IO | DO_DIRECT_IO)) {
        vf_io_raise(call, RULE_io2_buffered_and_direct, c->driver, dispatch, irp->va, dev->va);
        return;
    }
    if (dev->lower == NULL)
        return;
    uint32_t below = (uint32_t)peek(m, dev->lower->va, KE_FIELD(DEVICE_OBJECT, Flags));
    if ((below & (DO_BUFFERED_IO | DO_DIRECT_IO)) != 0 &&
        (flags & (DO_BUFFERED_IO | DO_DIRECT_IO)) == 0) {
        vf_io_raise(call, RULE_io2_io_flags_not_inherited, c->driver, dispatch, irp->va, dev->va);
        return;
    }
    if ((below & DO_POWER_PAGABLE) != 0 && (flags & DO_POWER_PAGABLE) == 0) {
        vf_io_raise(call, RULE_io2_power_pagable_not_inherited, c->driver, dispatch, irp->va,
                    dev->va);
        return;
    }
    vf_iov_filter_started(call, c, irp, dev);
}

/* The PnP checks when a dispatch routine returns; true if one fired. */
bool vf_iov_dispatch_returned(ke_call *call, const ke_callout *c, io_irp *irp, NTSTATUS status)
{
    ke_machine *m = call->m;
    uint64_t dispatch = io_routine_token(c->driver, c->routine);
    if (status_suspicious((uint32_t)status))
        return vf_io_raise(call, RULE_io2_suspicious_status_returned, c->driver, dispatch, irp->va,
                           (uint32_t)status);
    /* The sender's error: the driver that built the request. */
    if (status == STATUS_PENDING && c->event_signaled_in)
        return vf_io_raise(call, RULE_io2_pending_event_signaled,
                           irp->owner != NULL ? irp->owner : c->driver, dispatch, irp->va,
                           peek(m, irp->va, KE_FIELD(IRP, UserEvent)));
    /* What the routine was given (completion zeroes the location). */
    if (c->major_in != IRP_MJ_PNP)
        return false;
    uint64_t minor = c->minor_in;
    io_device *dev = io_device_at(m, c->device);
    bool deleted = dev == NULL || dev->deleted;
    bool attached = dev != NULL && dev->lower != NULL;
    if (!c->attached_in) /* a PDO: the bus driver deletes it when reported missing */
        return minor == IRP_MN_REMOVE_DEVICE && vf_iov_pdo_remove_returned(call, c, irp);
    if (minor == IRP_MN_REMOVE_DEVICE) {
        if (attached)
            return vf_io_raise(call, RULE_io2_remove_not_detached, c->driver, dispatch, irp->va,
                               c->device);
        if (!deleted)
            return vf_io_raise(call, RULE_io2_remove_not_deleted, c->driver, dispatch, irp->va,
                               c->device);
    }
    if (minor == IRP_MN_SURPRISE_REMOVAL) {
        if (deleted)
            return vf_io_raise(call, RULE_io2_surprise_remove_deleted, c->driver, dispatch, irp->va,
                               c->device);
        if (!attached)
            return vf_io_raise(call, RULE_io2_surprise_remove_detached, c->driver, dispatch,
                               irp->va, c->device);
    }
    return false;
}

/* ------------------------------------------------------------------------ */
/* A driver completes an IRP                                                */
/* ------------------------------------------------------------------------ */

/* A PDO answering TargetDeviceRelation gives one relation, itself,
 * referenced for the caller. */
static bool check_target_relation(ke_call *call, io_irp *irp, io_device *pdo, uint64_t code,
                                  const ke_callout *c)
{
    ke_machine *m = call->m;
    PVOID_VA relations = irp_information(m, irp->va);
    uint64_t count = relations != 0 ? peek_bytes(m, relations, 4) : 0;
    PVOID_VA first = count >= 1 ? peek_bytes(m, relations + ptr_bytes(m), ptr_bytes(m)) : 0;
    if (count != 1 || first != pdo->va)
        return vf_io_raise(call, RULE_io2_target_relation_not_filled, NULL, code, irp->va, pdo->va);
    if (c != NULL && pdo->references <= c->references_in)
        return vf_io_raise(call, RULE_io2_target_relation_not_referenced, NULL, code, irp->va,
                           pdo->va);
    return false;
}

bool vf_iov_complete(ke_call *call, PVOID_VA Irp)
{
    ke_machine *m = call->m;
    if (!level2(call))
        return false;
    io_irp *irp = io_irp_at(m, Irp);
    if (irp == NULL)
        return false;
    uint64_t code = ke_caller_code(call);
    if (irp->sent == 0)
        return vf_io_raise(call, RULE_io2_completed_never_sent, NULL, code, Irp, 0);
    uint64_t location = peek(m, Irp, KE_FIELD(IRP, CurrentLocation));
    if (location < 1 || location > irp->stack_count)
        return false;
    uint32_t status = irp_status(m, Irp);
    if (status_suspicious(status) &&
        vf_io_raise(call, RULE_io2_suspicious_status, NULL, code, Irp, status))
        return true;
    PVOID_VA loc = location_va(m, Irp, location);
    io_device *dev = io_device_at(m, sl(m, loc, "DeviceObject"));
    ke_callout *c = running_dispatch(call, Irp);
    if (c != NULL && (uint64_t)c->location != location)
        c = NULL; /* a lower driver's routine: not this location's */
    /* Completed from above while a driver below holds it pending. */
    if (dev != NULL && c == NULL && dev->driver != call->driver && !irp->completing &&
        irp->dispatching == 0 && call->driver != NULL)
        return vf_io_raise(call, RULE_io2_complete_queued_irp, NULL, code, Irp, dev->va);
    uint64_t major = sl(m, loc, "MajorFunction"), minor = sl(m, loc, "MinorFunction");
    if (!pnp_power_wmi(major))
        return false;
    bool failed = !NT_SUCCESS((NTSTATUS)status);
    /* Before the device test: a driver failing REMOVE_DEVICE has often
     * deleted its device object already (detach, delete, complete). */
    if (major == IRP_MJ_PNP && minor == IRP_MN_REMOVE_DEVICE && failed)
        return vf_io_raise(call, RULE_io2_remove_failed, NULL, code, Irp, status);
    if (dev == NULL)
        return false;
    /* A bus's children and their IDs (iov_pnp2.c). */
    if (major == IRP_MJ_PNP && vf_iov_pnp_completing(call, dev, minor, argument(m, loc, 0), status,
                                                     irp_information(m, Irp)))
        return true;
    bool pdo = dev->lower == NULL;
    if (failed && ((major == IRP_MJ_PNP &&
                    (minor == IRP_MN_CANCEL_REMOVE_DEVICE || minor == IRP_MN_CANCEL_STOP_DEVICE ||
                     minor == IRP_MN_SURPRISE_REMOVAL)) ||
                   (major == IRP_MJ_POWER && minor == IRP_MN_SET_POWER &&
                    argument(m, loc, 1) == SystemPowerState)))
        return vf_io_raise(call, RULE_io2_must_succeed_failed, NULL, code, Irp, status);
    uint64_t relation = argument(m, loc, 0) & 0xFFFFFFFFu;
    if (major == IRP_MJ_PNP && minor == IRP_MN_QUERY_DEVICE_RELATIONS &&
        check_relations(call, Irp, code))
        return true;
    if (pdo) {
        if (major == IRP_MJ_PNP && pnp_required(minor) && status == (uint32_t)STATUS_NOT_SUPPORTED)
            return vf_io_raise(call, RULE_io2_pdo_ignored_required_irp, NULL, code, Irp, minor);
        if (major == IRP_MJ_PNP && minor == IRP_MN_QUERY_DEVICE_RELATIONS &&
            relation == TargetDeviceRelation && !failed)
            return check_target_relation(call, irp, dev, code, c);
        return false;
    }
    /* A function or filter driver completes the IRP: did it pass it down? */
    if (c == NULL || irp->sent > c->argument)
        return false;
    if (major == IRP_MJ_SYSTEM_CONTROL) {
        PVOID_VA provider = argument(m, loc, 0);
        if (provider != dev->va)
            return vf_io_raise(call, RULE_io2_wmi_not_provider, NULL, code, Irp, provider);
        return false;
    }
    bool untouched = status == c->status_in || status == (uint32_t)STATUS_NOT_SUPPORTED;
    if (major == IRP_MJ_POWER) {
        if (!minor_known(major, minor))
            return vf_io_raise(call, RULE_io2_power_unknown_completed, NULL, code, Irp, minor);
        if (untouched)
            return vf_io_raise(call, RULE_io2_power_untouched_completed, NULL, code, Irp, status);
        if (!failed)
            return vf_io_raise(call, RULE_io2_power_success_completed, NULL, code, Irp, minor);
        return false;
    }
    if (!minor_known(major, minor))
        return vf_io_raise(call, RULE_io2_pnp_unknown_completed, NULL, code, Irp, minor);
    if (minor == IRP_MN_QUERY_DEVICE_RELATIONS && relation == TargetDeviceRelation && !failed)
        return vf_io_raise(call, RULE_io2_target_relation_not_forwarded, NULL, code, Irp, dev->va);
    if (pnp_pdo_only(minor, relation) && status != c->status_in)
        return vf_io_raise(call, RULE_io2_pdo_irp_answered, NULL, code, Irp, minor);
    if (untouched)
        return vf_io_raise(call, RULE_io2_pnp_untouched_completed, NULL, code, Irp, status);
    /* QUERY_INTERFACE: the driver that exports the interface answers. */
    if (!failed && minor != IRP_MN_QUERY_INTERFACE)
        return vf_io_raise(call, RULE_io2_pnp_success_completed, NULL, code, Irp, minor);
    return false;
}

/* A completion routine returned: it changed the status of an IRP it does
 * not understand. */
void vf_iov_completion_returned(ke_call *call, const ke_callout *c, io_irp *irp)
{
    ke_machine *m = call->m;
    uint64_t location = peek(m, irp->va, KE_FIELD(IRP, CurrentLocation));
    if (location > irp->stack_count || location < 1)
        return;
    /* The routine's own location is current; completion zeroed the one
     * below, whose major and minor were the request's. */
    PVOID_VA loc = location_va(m, irp->va, location);
    uint64_t major = sl(m, loc, "MajorFunction"), minor = sl(m, loc, "MinorFunction");
    if (!pnp_power_wmi(major) || minor_known(major, minor))
        return;
    uint32_t status = irp_status(m, irp->va);
    if (status != c->status_in)
        vf_io_raise(call, RULE_io2_unknown_irp_status_changed_up, c->driver,
                    io_routine_token(c->driver, c->routine), irp->va, status);
}

/* IoSetCancelRoutine on an IRP a lower driver holds. */
bool vf_iov_set_cancel_routine(ke_call *call, PVOID_VA Irp, uint32_t CancelRoutine)
{
    ke_machine *m = call->m;
    if (CancelRoutine == 0 || !level2(call))
        return false;
    io_irp *irp = io_irp_at(m, Irp);
    if (irp == NULL || !irp->in_flight || irp->completing)
        return false;
    uint64_t location = peek(m, Irp, KE_FIELD(IRP, CurrentLocation));
    if (location < 1 || location > irp->stack_count)
        return false;
    io_device *holder = io_device_at(m, sl(m, location_va(m, Irp, location), "DeviceObject"));
    if (holder == NULL || holder->driver == call->driver)
        return false;
    return vf_io_raise(call, RULE_io2_cancel_routine_below, NULL, ke_caller_code(call), Irp,
                       io_routine_token(call->driver, CancelRoutine));
}

/* A PnP, power or WMI IRP reached a device of a stack whose driver has no
 * dispatch routine for it (the I/O manager's IopInvalidDeviceRequest
 * would fail it): a WDM driver has them, at least to pass them down. */
void vf_io_no_dispatch(ke_call *call, io_irp *irp, io_device *dev, uint64_t major)
{
    if (!pnp_power_wmi(major) || call->m->vf->settings.iolevel < 2 ||
        (dev->lower == NULL && dev->attached == NULL))
        return;
    vf_io_raise(call, RULE_io2_missing_dispatch, dev->driver, ke_caller_code(call), irp->va,
                dev->va);
}

/* IoInitializeIrp or IoReuseIrp on an IRP: one still in use, or one the
 * I/O manager built (IoBuild*Request), which it frees itself. */
bool vf_iov_reinitialize(ke_call *call, PVOID_VA Irp)
{
    ke_machine *m = call->m;
    if (!level2(call))
        return false;
    io_irp *irp = io_irp_at(m, Irp);
    if (irp == NULL)
        return false;
    bool returned =
        irp->completing && peek(m, Irp, KE_FIELD(IRP, CurrentLocation)) > irp->stack_count;
    if (irp->dispatching > 0 || (irp->in_flight && !returned))
        return vf_io_raise(call, RULE_io2_reinitialize_in_use, NULL, ke_caller_code(call), Irp, 0);
    if (irp->origin == IO_IRP_SYNCHRONOUS || irp->origin == IO_IRP_ASYNCHRONOUS)
        return vf_io_raise(call, RULE_io2_reinitialize_built, NULL, ke_caller_code(call), Irp, 0);
    return false;
}
