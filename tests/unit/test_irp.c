/*
 * test_irp.c - the IRP model, driven through the kernel's DDIs from C: the
 * IRP and IO_STACK_LOCATION layouts on x64 and x86; IoCallDriver as a
 * dispatch callout (and the I/O manager's own invalid-request completion);
 * IoCompleteRequest walking the completion routines up the stack, stopping
 * at STATUS_MORE_PROCESSING_REQUIRED, propagating the pending state;
 * cancellation; the requests IoBuild*Request makes; IoSetCompletionRoutineEx;
 * device stacks and symbolic links; and level 1 I/O verification.
 *
 * The test is the host: when a DDI pushes a callout, the test plays the
 * driver routine and hands its result to ke_callout_end.
 */
#include "test_machine.h"
#include <stdio.h>
#include <string.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "ke/types.h"
#include "mm/mm.h"
#include "vf/vf.h"

static ke_machine *m;
static ke_call call;
static io_driver *drv;

static void boot_with(ke_arch arch, const char *verifier)
{
    ke_config config = tm_config(3, 1, arch);
    ke_host host = tm_passive_host();
    m = tm_create(&config, &host, verifier);
    ke_thread *t = ke_create_thread(m, m->system_process, NULL);
    cr_assert_not_null(t);
    cr_assert_eq(m->ready_head, t);
    ke_unready_thread(m, t);
    t->state = KE_THREAD_RUNNING;
    m->cpus[0].current = t;
    ke_cpu_note_busy(m, &m->cpus[0]);
    memset(&call, 0, sizeof call);
    call.m = m;
    call.exec = &t->exec;
    call.thread = t;
    drv = io_register_driver(m, "unit.sys", false, NULL);
    cr_assert_not_null(drv);
    cr_assert_eq(io_load_begin(&call, drv), STATUS_SUCCESS);
    call.driver = drv;
}

static void boot_x64(void)
{
    boot_with(KE_ARCH_X64, NULL);
}

static void boot_x86(void)
{
    boot_with(KE_ARCH_X86, NULL);
}

static void boot_verified(void)
{
    boot_with(KE_ARCH_X64, "/standard /driver unit.sys");
}

static void shutdown(void)
{
    ke_machine_destroy(m);
    m = NULL;
}

static uint64_t field(PVOID_VA va, ke_type_id type, const char *name)
{
    const ke_field *f = ke_type_field(type, name);
    cr_assert_not_null(f, "no field %s", name);
    uint64_t v = 0;
    cr_assert(mm_peek(m->mm, va + f->offset[m->config.arch], &v, ke_field_size(m->config.arch, f)));
    return v;
}

static void set_field(PVOID_VA va, ke_type_id type, const char *name, uint64_t v)
{
    const ke_field *f = ke_type_field(type, name);
    cr_assert_not_null(f, "no field %s", name);
    cr_assert(mm_poke(m->mm, va + f->offset[m->config.arch], &v, ke_field_size(m->config.arch, f)));
}

static PVOID_VA sub(PVOID_VA va, ke_type_id type, const char *name)
{
    return va + ke_type_field(type, name)->offset[m->config.arch];
}

static uint64_t irp_status(PVOID_VA irp)
{
    return field(sub(irp, KE_TYPE_IRP, "IoStatus"), KE_TYPE_IO_STATUS_BLOCK, "Status");
}

static void set_irp_status(PVOID_VA irp, NTSTATUS s)
{
    set_field(sub(irp, KE_TYPE_IRP, "IoStatus"), KE_TYPE_IO_STATUS_BLOCK, "Status", (uint32_t)s);
}

static PVOID_VA current_sl(PVOID_VA irp)
{
    return field(sub(sub(irp, KE_TYPE_IRP, "Tail"), KE_TYPE_IRP_TAIL, "Overlay"),
                 KE_TYPE_IRP_TAIL_OVERLAY, "CurrentStackLocation");
}

static PVOID_VA create_device(void)
{
    PVOID_VA dev = 0;
    cr_assert_eq(IoCreateDevice(&call, drv->driver_object, 0, 0, 0x22, 0, false, &dev),
                 STATUS_SUCCESS);
    return dev;
}

/* An IRP for dev with its next location set to `major`. */
static PVOID_VA irp_for(PVOID_VA dev, uint8_t stack_size, uint8_t major)
{
    (void)dev;
    PVOID_VA irp = IoAllocateIrp(&call, stack_size, false);
    cr_assert_neq(irp, 0);
    set_field(IoGetNextIrpStackLocation(&call, irp), KE_TYPE_IO_STACK_LOCATION, "MajorFunction",
              major);
    return irp;
}

/* Nonpaged pool, as the test driver's own allocation. */
static PVOID_VA alloc(uint64_t bytes)
{
    PVOID_VA va = ExAllocatePoolWithTag(&call, NonPagedPoolNx, bytes, 0x74736554u /* "Test" */);
    cr_assert_neq(va, 0);
    return va;
}

static bool live_block(PVOID_VA va)
{
    ex_block *b = ex_pool_find(m->pool, va);
    return b != NULL && !b->freed;
}

static ke_callout *top_callout(void)
{
    cr_assert_gt(call.exec->callout_count, 0);
    return &call.exec->callouts[call.exec->callout_count - 1];
}

/* ------------------------------------------------------------------------ */
/* Layout                                                                   */
/* ------------------------------------------------------------------------ */

static void check_layout(uint32_t irp_bytes, uint32_t sl_bytes)
{
    PVOID_VA irp = IoAllocateIrp(&call, 3, false);
    cr_assert_neq(irp, 0);
    cr_assert_eq(field(irp, KE_TYPE_IRP, "Type"), IO_TYPE_IRP);
    cr_assert_eq(field(irp, KE_TYPE_IRP, "Size"), irp_bytes + 3 * sl_bytes);
    cr_assert_eq(field(irp, KE_TYPE_IRP, "StackCount"), 3);
    cr_assert_eq(field(irp, KE_TYPE_IRP, "CurrentLocation"), 4);
    cr_assert_eq(current_sl(irp), irp + irp_bytes + 3 * sl_bytes);
    cr_assert_eq(IoGetNextIrpStackLocation(&call, irp), irp + irp_bytes + 2 * sl_bytes);
    IoSetNextIrpStackLocation(&call, irp);
    cr_assert_eq(field(irp, KE_TYPE_IRP, "CurrentLocation"), 3);
    cr_assert_eq(IoGetCurrentIrpStackLocation(&call, irp), irp + irp_bytes + 2 * sl_bytes);
    IoSkipCurrentIrpStackLocation(&call, irp);
    cr_assert_eq(field(irp, KE_TYPE_IRP, "CurrentLocation"), 4);
    cr_assert_eq(io_irp_at(m, irp)->owner, drv);
    IoFreeIrp(&call, irp);
    cr_assert_null(io_irp_at(m, irp));
}

Test(irp, layout_x64, .init = boot_x64, .fini = shutdown)
{
    check_layout(0xD0, 0x48);
    /* wdm.h offsets drivers read. */
    const ke_field *f = KE_FIELD(IRP, CancelRoutine);
    cr_assert_eq(f->offset[KE_ARCH_X64], 0x68);
    cr_assert_eq(ke_type_field(KE_TYPE_IO_STACK_LOCATION, "CompletionRoutine")->offset[KE_ARCH_X64],
                 0x38);
}

Test(irp, layout_x86, .init = boot_x86, .fini = shutdown)
{
    check_layout(0x70, 0x24);
    cr_assert_eq(KE_FIELD(IRP, CancelRoutine)->offset[KE_ARCH_X86], 0x38);
    cr_assert_eq(ke_type_field(KE_TYPE_IO_STACK_LOCATION, "Context")->offset[KE_ARCH_X86], 0x20);
}

/* ------------------------------------------------------------------------ */
/* IoCallDriver                                                             */
/* ------------------------------------------------------------------------ */

Test(irp, call_driver_runs_the_dispatch_routine, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA dev = create_device();
    drv->major[IRP_MJ_READ] = 11;
    PVOID_VA irp = irp_for(dev, 1, IRP_MJ_READ);
    call.callout = false;
    IoCallDriver(&call, dev, irp);
    cr_assert(call.callout);
    ke_callout *c = top_callout();
    cr_assert_eq(c->kind, KE_CALLOUT_DISPATCH);
    cr_assert_eq(c->routine, 11);
    cr_assert_eq(c->driver, drv);
    cr_assert_eq(c->argc, 2);
    cr_assert_eq(c->args[0], dev);
    cr_assert_eq(c->args[1], irp);
    cr_assert_str_eq(c->name, "IRP_MJ_READ");
    cr_assert_eq(field(irp, KE_TYPE_IRP, "CurrentLocation"), 1);
    cr_assert_eq(field(current_sl(irp), KE_TYPE_IO_STACK_LOCATION, "DeviceObject"), dev);
    call.callout = false;
    cr_assert_eq(ke_callout_end(&call, (uint32_t)STATUS_PENDING), (uint32_t)STATUS_PENDING);
    cr_assert_not(call.callout);
    cr_assert_eq(call.exec->callout_count, 0);
}

Test(irp, call_driver_without_dispatch_completes_invalid_request, .init = boot_x64,
     .fini = shutdown)
{
    PVOID_VA dev = create_device();
    PVOID_VA irp = irp_for(dev, 1, IRP_MJ_WRITE);
    call.callout = false;
    cr_assert_eq(IoCallDriver(&call, dev, irp), STATUS_INVALID_DEVICE_REQUEST);
    cr_assert_not(call.callout);
    cr_assert_eq(irp_status(irp), (uint32_t)STATUS_INVALID_DEVICE_REQUEST);
    cr_assert(io_irp_at(m, irp)->completed);
    /* A completed IRP stands one past StackCount + 1 (StackCount 1 here),
     * as IopfCompleteRequest leaves it. */
    cr_assert_eq(field(irp, KE_TYPE_IRP, "CurrentLocation"), 3);
}

/* ------------------------------------------------------------------------ */
/* IoCompleteRequest                                                        */
/* ------------------------------------------------------------------------ */

/* A two-location IRP sent to dev, with the upper driver's completion
 * routine (21) on the lower location; the lower dispatch is running. */
static PVOID_VA two_level(PVOID_VA dev, bool success, bool error)
{
    PVOID_VA irp = IoAllocateIrp(&call, 2, false);
    IoSetNextIrpStackLocation(&call, irp); /* the upper driver's own location */
    set_field(IoGetCurrentIrpStackLocation(&call, irp), KE_TYPE_IO_STACK_LOCATION, "DeviceObject",
              dev);
    PVOID_VA next = IoGetNextIrpStackLocation(&call, irp);
    set_field(next, KE_TYPE_IO_STACK_LOCATION, "MajorFunction", IRP_MJ_READ);
    IoSetCompletionRoutine(&call, irp, 21, 0x5555, success, error, true);
    cr_assert_eq(field(next, KE_TYPE_IO_STACK_LOCATION, "Control"),
                 (success ? SL_INVOKE_ON_SUCCESS : 0) | (error ? SL_INVOKE_ON_ERROR : 0) |
                     SL_INVOKE_ON_CANCEL);
    IoSetNextIrpStackLocation(&call, irp); /* as IoCallDriver: the lower location */
    return irp;
}

Test(irp, completion_routine_runs_with_the_upper_device, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA dev = create_device();
    PVOID_VA irp = two_level(dev, true, true);
    set_irp_status(irp, STATUS_SUCCESS);
    call.callout = false;
    IoCompleteRequest(&call, irp, 0);
    cr_assert(call.callout);
    ke_callout *c = top_callout();
    cr_assert_eq(c->kind, KE_CALLOUT_COMPLETION);
    cr_assert_eq(c->routine, 21);
    cr_assert_eq(c->args[0], dev); /* the location above: the setter's device */
    cr_assert_eq(c->args[1], irp);
    cr_assert_eq(c->args[2], 0x5555);
    /* The location below was zeroed; the walk is at the upper location. */
    cr_assert_eq(field(irp, KE_TYPE_IRP, "CurrentLocation"), 2);
    call.callout = false;
    ke_callout_end(&call, (uint32_t)STATUS_SUCCESS);
    cr_assert_not(call.callout);
    cr_assert_eq(field(irp, KE_TYPE_IRP, "CurrentLocation"), 4); /* StackCount + 2 */
    cr_assert(io_irp_at(m, irp)->completed);
}

Test(irp, more_processing_required_stops_the_walk, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA dev = create_device();
    PVOID_VA irp = two_level(dev, true, true);
    set_irp_status(irp, STATUS_SUCCESS);
    call.callout = false;
    IoCompleteRequest(&call, irp, 0);
    call.callout = false;
    ke_callout_end(&call, (uint32_t)STATUS_MORE_PROCESSING_REQUIRED);
    cr_assert_not(call.callout);
    cr_assert_eq(field(irp, KE_TYPE_IRP, "CurrentLocation"), 2); /* stopped there */
    cr_assert_not(io_irp_at(m, irp)->completing);
}

Test(irp, invoke_on_error_only_skips_success, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA dev = create_device();
    PVOID_VA irp = two_level(dev, false, true);
    set_irp_status(irp, STATUS_SUCCESS);
    call.callout = false;
    IoCompleteRequest(&call, irp, 0);
    cr_assert_not(call.callout);
    cr_assert_eq(field(irp, KE_TYPE_IRP, "CurrentLocation"), 4); /* StackCount + 2 */
    /* A second completion: the kernel's MULTIPLE_IRP_COMPLETE_REQUESTS. */
    IoCompleteRequest(&call, irp, 0);
    cr_assert(ke_stopped(m));
    cr_assert_eq(m->bugcheck.code, 0x44);
    cr_assert_eq(m->bugcheck.params[0], irp);
}

Test(irp, pending_propagates_without_a_routine, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA irp = IoAllocateIrp(&call, 2, false);
    IoSetNextIrpStackLocation(&call, irp);
    IoSetNextIrpStackLocation(&call, irp);
    IoMarkIrpPending(&call, irp);
    PVOID_VA lower = IoGetCurrentIrpStackLocation(&call, irp);
    cr_assert_eq(field(lower, KE_TYPE_IO_STACK_LOCATION, "Control"), SL_PENDING_RETURNED);
    set_irp_status(irp, STATUS_SUCCESS);
    IoCompleteRequest(&call, irp, 0);
    /* The I/O manager marked the upper location pending on its way up,
     * and PendingReturned shows it at the top. */
    cr_assert_eq(field(irp, KE_TYPE_IRP, "PendingReturned"), 1);
}

/* ------------------------------------------------------------------------ */
/* Cancellation                                                             */
/* ------------------------------------------------------------------------ */

Test(irp, cancel_runs_the_cancel_routine_with_the_lock_held, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA dev = create_device();
    PVOID_VA irp = IoAllocateIrp(&call, 1, false);
    IoSetNextIrpStackLocation(&call, irp);
    set_field(IoGetCurrentIrpStackLocation(&call, irp), KE_TYPE_IO_STACK_LOCATION, "DeviceObject",
              dev);
    cr_assert_eq(IoSetCancelRoutine(&call, irp, 33), 0);
    cr_assert_neq(field(irp, KE_TYPE_IRP, "CancelRoutine"), 0);
    call.callout = false;
    cr_assert(IoCancelIrp(&call, irp));
    cr_assert(call.callout);
    ke_callout *c = top_callout();
    cr_assert_eq(c->kind, KE_CALLOUT_CANCEL);
    cr_assert_eq(c->routine, 33);
    cr_assert_eq(c->args[0], dev);
    cr_assert_eq(field(irp, KE_TYPE_IRP, "Cancel"), 1);
    cr_assert_eq(field(irp, KE_TYPE_IRP, "CancelRoutine"), 0);
    cr_assert_eq(m->cpus[0].irql, DISPATCH_LEVEL); /* the cancel spin lock */
    cr_assert_eq(field(irp, KE_TYPE_IRP, "CancelIrql"), PASSIVE_LEVEL);
    call.callout = false;
    cr_assert_eq(ke_callout_end(&call, 0), 1);
    IoReleaseCancelSpinLock(&call, PASSIVE_LEVEL);
    cr_assert_eq(m->cpus[0].irql, PASSIVE_LEVEL);
}

Test(irp, cancel_without_routine_returns_false, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA irp = IoAllocateIrp(&call, 1, false);
    call.callout = false;
    cr_assert_not(IoCancelIrp(&call, irp));
    cr_assert_not(call.callout);
    cr_assert_eq(field(irp, KE_TYPE_IRP, "Cancel"), 1);
    cr_assert_eq(m->cpus[0].irql, PASSIVE_LEVEL);
    /* IoSetCancelRoutine returns the previous routine. */
    IoSetCancelRoutine(&call, irp, 7);
    cr_assert_eq(IoSetCancelRoutine(&call, irp, 0), 7);
}

/* ------------------------------------------------------------------------ */
/* Requests the I/O manager builds                                          */
/* ------------------------------------------------------------------------ */

Test(irp, buffered_ioctl_copies_back_and_signals, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA dev = create_device();
    PVOID_VA in = alloc(8), out = alloc(8), event = alloc(24), iosb = alloc(16);
    mm_poke(m->mm, in, "ABCDEFGH", 8);
    KeInitializeEvent(&call, event, 0 /* NotificationEvent */, false);
    PVOID_VA irp =
        IoBuildDeviceIoControlRequest(&call, 0x222000, dev, in, 8, out, 8, false, event, iosb);
    cr_assert_neq(irp, 0);
    io_irp *rec = io_irp_at(m, irp);
    cr_assert_eq(rec->thread, call.thread); /* a threaded request */
    PVOID_VA sl = IoGetNextIrpStackLocation(&call, irp);
    cr_assert_eq(field(sl, KE_TYPE_IO_STACK_LOCATION, "MajorFunction"), IRP_MJ_DEVICE_CONTROL);
    PVOID_VA p = sub(sl, KE_TYPE_IO_STACK_LOCATION, "Parameters");
    cr_assert_eq(field(p, KE_TYPE_IO_PARAMETERS_IOCTL, "IoControlCode"), 0x222000);
    cr_assert_eq(field(p, KE_TYPE_IO_PARAMETERS_IOCTL, "InputBufferLength"), 8);
    PVOID_VA system =
        field(sub(irp, KE_TYPE_IRP, "AssociatedIrp"), KE_TYPE_IRP_ASSOCIATED, "SystemBuffer");
    char buf[9] = {0};
    mm_peek(m->mm, system, buf, 8);
    cr_assert_str_eq(buf, "ABCDEFGH");
    /* The driver answers 4 bytes. */
    mm_poke(m->mm, system, "wxyz", 4);
    set_irp_status(irp, STATUS_SUCCESS);
    set_field(sub(irp, KE_TYPE_IRP, "IoStatus"), KE_TYPE_IO_STATUS_BLOCK, "Information", 4);
    IoSetNextIrpStackLocation(&call, irp);
    IoCompleteRequest(&call, irp, 0);
    cr_assert_null(io_irp_at(m, irp)); /* freed by the I/O manager */
    memset(buf, 0, sizeof buf);
    mm_peek(m->mm, out, buf, 4); /* Information bytes only */
    cr_assert_str_eq(buf, "wxyz");
    cr_assert_eq(field(iosb, KE_TYPE_IO_STATUS_BLOCK, "Information"), 4);
    cr_assert_eq(KeReadStateEvent(&call, event), 1);
}

Test(irp, completion_routine_ex_frees_its_block, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA dev = create_device();
    PVOID_VA irp = IoAllocateIrp(&call, 2, false);
    IoSetNextIrpStackLocation(&call, irp);
    set_field(IoGetCurrentIrpStackLocation(&call, irp), KE_TYPE_IO_STACK_LOCATION, "DeviceObject",
              dev);
    cr_assert_eq(IoSetCompletionRoutineEx(&call, dev, irp, 44, 0x77, true, true, true),
                 STATUS_SUCCESS);
    PVOID_VA block =
        field(IoGetNextIrpStackLocation(&call, irp), KE_TYPE_IO_STACK_LOCATION, "Context");
    cr_assert(live_block(block));
    IoSetNextIrpStackLocation(&call, irp);
    set_irp_status(irp, STATUS_SUCCESS);
    call.callout = false;
    IoCompleteRequest(&call, irp, 0);
    cr_assert(call.callout);
    cr_assert_eq(top_callout()->routine, 44);
    cr_assert_eq(top_callout()->args[2], 0x77);
    cr_assert_not(live_block(block));
    ke_callout_end(&call, (uint32_t)STATUS_MORE_PROCESSING_REQUIRED);
}

/* ------------------------------------------------------------------------ */
/* Device stacks, symbolic links, timers                                    */
/* ------------------------------------------------------------------------ */

Test(irp, attach_and_detach, .init = boot_x86, .fini = shutdown)
{
    PVOID_VA lower = create_device(), filter = create_device(), top = create_device();
    cr_assert_eq(IoAttachDeviceToDeviceStack(&call, filter, lower), lower);
    cr_assert_eq(IoAttachDeviceToDeviceStack(&call, top, lower), filter); /* onto the top */
    cr_assert_eq(field(filter, KE_TYPE_DEVICE_OBJECT, "StackSize"), 2);
    cr_assert_eq(field(top, KE_TYPE_DEVICE_OBJECT, "StackSize"), 3);
    cr_assert_eq(field(lower, KE_TYPE_DEVICE_OBJECT, "AttachedDevice"), filter);
    cr_assert_eq(IoGetAttachedDeviceReference(&call, lower), top);
    ObDereferenceObject(&call, top);
    IoDetachDevice(&call, filter);
    cr_assert_eq(field(filter, KE_TYPE_DEVICE_OBJECT, "AttachedDevice"), 0);
    cr_assert_eq(IoGetAttachedDeviceReference(&call, lower), filter);
    ObDereferenceObject(&call, filter);
}

Test(irp, symbolic_links_name_devices, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA dev = 0;
    /* A named device, found by its name and through a link. */
    PVOID_VA name = alloc(64), link = alloc(64);
    const char *n = "\\Device\\Unit", *l = "\\DosDevices\\Unit";
    RtlInitUnicodeString(&call, name, 0);
    PVOID_VA nbuf = alloc(64), lbuf = alloc(64);
    for (size_t i = 0; i < strlen(n); i++) {
        uint16_t wc = (uint8_t)n[i];
        mm_poke(m->mm, nbuf + 2 * i, &wc, 2);
    }
    for (size_t i = 0; i < strlen(l); i++) {
        uint16_t wc = (uint8_t)l[i];
        mm_poke(m->mm, lbuf + 2 * i, &wc, 2);
    }
    set_field(name, KE_TYPE_UNICODE_STRING, "Length", 2 * strlen(n));
    set_field(name, KE_TYPE_UNICODE_STRING, "Buffer", nbuf);
    set_field(link, KE_TYPE_UNICODE_STRING, "Length", 2 * strlen(l));
    set_field(link, KE_TYPE_UNICODE_STRING, "Buffer", lbuf);
    cr_assert_eq(IoCreateDevice(&call, drv->driver_object, 0, name, 0x22, 0, false, &dev),
                 STATUS_SUCCESS);
    cr_assert_eq(IoCreateSymbolicLink(&call, link, name), STATUS_SUCCESS);
    cr_assert_eq(IoCreateSymbolicLink(&call, link, name), STATUS_OBJECT_NAME_COLLISION);
    cr_assert_eq(io_device_by_name(m, "\\dosdevices\\unit")->va, dev);
    cr_assert_eq(io_device_by_name(m, "\\Device\\Unit")->va, dev);
    cr_assert_eq(IoDeleteSymbolicLink(&call, link), STATUS_SUCCESS);
    cr_assert_null(io_device_by_name(m, "\\DosDevices\\Unit"));
    cr_assert_eq(IoDeleteSymbolicLink(&call, link), STATUS_OBJECT_NAME_NOT_FOUND);
}

Test(irp, io_timer_is_a_dpc_once_a_second, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA dev = create_device();
    cr_assert_eq(IoInitializeTimer(&call, dev, 55, 0x99), STATUS_SUCCESS);
    io_device *d = io_device_at(m, dev);
    cr_assert(d->timer_initialized);
    IoStartTimer(&call, dev);
    cr_assert(d->timer_started);
    ke_timer *t = des_map_get(&m->timers, d->timer_va);
    cr_assert_not_null(t);
    cr_assert(t->set);
    cr_assert_eq(t->period_100ns, 10000000ull);
    ke_dpc *dpc = des_map_get(&m->dpcs, t->dpc);
    cr_assert_eq(dpc->io_timer_device, dev);
    cr_assert_eq(dpc->routine, 55);
    cr_assert_eq(dpc->context, 0x99);
    IoStopTimer(&call, dev);
    cr_assert_not(t->set);
}

/* ------------------------------------------------------------------------ */
/* Level 1 I/O verification                                                 */
/* ------------------------------------------------------------------------ */

Test(irp, verifier_free_not_irp, .init = boot_verified, .fini = shutdown)
{
    cr_assert(drv->verified);
    PVOID_VA block = alloc(64);
    drv->imports.IoFreeIrp(&call, block);
    cr_assert(ke_stopped(m));
    cr_assert_eq(m->bugcheck.code, 0xC9);
    cr_assert_eq(m->bugcheck.params[0], 0x1);
    cr_assert_eq(m->bugcheck.params[1], block);
}

Test(irp, verifier_complete_pending_status, .init = boot_verified, .fini = shutdown)
{
    PVOID_VA irp = IoAllocateIrp(&call, 1, false);
    set_irp_status(irp, STATUS_PENDING);
    drv->imports.IoCompleteRequest(&call, irp, 0);
    cr_assert_eq(m->bugcheck.code, 0xC9);
    cr_assert_eq(m->bugcheck.params[0], 0x6);
    cr_assert_eq(m->bugcheck.params[1], (uint32_t)STATUS_PENDING);
    cr_assert_eq(m->bugcheck.params[2], irp);
}

Test(irp, verifier_dispatch_irql_changed, .init = boot_verified, .fini = shutdown)
{
    PVOID_VA dev = create_device();
    drv->major[IRP_MJ_READ] = 12;
    PVOID_VA irp = irp_for(dev, 1, IRP_MJ_READ);
    call.callout = false;
    drv->imports.IoCallDriver(&call, dev, irp);
    cr_assert(call.callout);
    cr_assert(top_callout()->verify);
    ke_set_irql(&call, DISPATCH_LEVEL); /* the dispatch routine "forgot" a lock */
    ke_callout_end(&call, (uint32_t)STATUS_SUCCESS);
    cr_assert_eq(m->bugcheck.code, 0xC9);
    cr_assert_eq(m->bugcheck.params[0], 0x5);
    cr_assert_eq(m->bugcheck.params[1], dev);
    cr_assert_eq(m->bugcheck.params[2], PASSIVE_LEVEL);
    cr_assert_eq(m->bugcheck.params[3], DISPATCH_LEVEL);
}

/* ------------------------------------------------------------------------ */
/* Applications' requests                                                   */
/* ------------------------------------------------------------------------ */

Test(irp, application_read_is_buffered_and_completes_the_request, .init = boot_x64,
     .fini = shutdown)
{
    PVOID_VA dev = create_device();
    set_field(dev, KE_TYPE_DEVICE_OBJECT, "Flags", DO_BUFFERED_IO);
    io_file *f = io_file_open(&call, io_device_at(m, dev));
    cr_assert_not_null(f);
    cr_assert_eq(field(f->file_object, KE_TYPE_FILE_OBJECT, "Type"), 5);
    cr_assert_eq(field(f->file_object, KE_TYPE_FILE_OBJECT, "DeviceObject"), dev);
    NTSTATUS status = 0;
    io_request *r = io_request_build(&call, f, IRP_MJ_READ, 0, NULL, 0, 8, 0, 0, &status);
    cr_assert_not_null(r);
    PVOID_VA irp = r->irp;
    cr_assert_eq(field(irp, KE_TYPE_IRP, "RequestorMode"), 1); /* UserMode */
    PVOID_VA sl = IoGetNextIrpStackLocation(&call, irp);
    cr_assert_eq(field(sl, KE_TYPE_IO_STACK_LOCATION, "FileObject"), f->file_object);
    PVOID_VA p = sub(sl, KE_TYPE_IO_STACK_LOCATION, "Parameters");
    cr_assert_eq(field(p, KE_TYPE_IO_PARAMETERS_READ, "Length"), 8);
    PVOID_VA system =
        field(sub(irp, KE_TYPE_IRP, "AssociatedIrp"), KE_TYPE_IRP_ASSOCIATED, "SystemBuffer");
    cr_assert_neq(system, 0);
    /* The driver fills 5 bytes and completes. */
    mm_poke(m->mm, system, "hello", 5);
    set_irp_status(irp, STATUS_SUCCESS);
    set_field(sub(irp, KE_TYPE_IRP, "IoStatus"), KE_TYPE_IO_STATUS_BLOCK, "Information", 5);
    IoSetNextIrpStackLocation(&call, irp);
    IoCompleteRequest(&call, irp, 0);
    cr_assert(r->done);
    cr_assert_eq(r->status, STATUS_SUCCESS);
    cr_assert_eq(r->data_len, 5);
    cr_assert(memcmp(r->data, "hello", 5) == 0);
    cr_assert_eq(KeReadStateEvent(&call, r->event), 1);
    cr_assert_null(io_irp_at(m, irp)); /* the I/O manager freed it */
    io_request_free(&call, r);
    io_file_release(&call, f);
}

/* The System process has no user address space: neither I/O from it has
 * no addresses to hand the driver. */
Test(irp, neither_io_from_the_system_process_is_refused, .init = boot_x86, .fini = shutdown)
{
    PVOID_VA dev = create_device(); /* neither DO_BUFFERED_IO nor DO_DIRECT_IO */
    io_file *f = io_file_open(&call, io_device_at(m, dev));
    NTSTATUS status = 0;
    cr_assert_null(io_request_build(&call, f, IRP_MJ_READ, 0, NULL, 0, 8, 0, 0, &status));
    cr_assert_eq(status, STATUS_NOT_SUPPORTED);
    cr_assert_null(io_request_build(&call, f, IRP_MJ_DEVICE_CONTROL, 0x222003, NULL, 0, 8, 0, 0,
                                    &status)); /* METHOD_NEITHER */
    cr_assert_eq(status, STATUS_NOT_SUPPORTED);
    io_file_release(&call, f);
}
