/*
 * irp.c - I/O request packets: allocation, the stack locations, sending an
 * IRP down a device stack (IoCallDriver) and completing it back up
 * (IoCompleteRequest), cancellation, and the requests the I/O manager builds
 * for drivers (IoBuild*Request).
 *
 * An IRP lives in nonpaged pool with its stack locations right after it, as
 * IoAllocateIrp lays it out; the fields drivers read are at their wdm.h
 * offsets (ke/types.h), and the kernel reads them back from memory, so a
 * driver that writes them directly (a manual stack copy) is seen as it is.
 * Driver routines run as callouts: IoCallDriver pushes the dispatch routine
 * and the host runs it on the calling thread; IoCompleteRequest pushes the
 * completion routines one at a time, each step reading the IRP again.
 *
 * The routines' addresses in memory (CompletionRoutine, CancelRoutine,
 * MajorFunction[]) are tokens inside the driver's image: 16 bytes a routine
 * after its header page, so a routine stored there reads back as its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "kd/kd.h"
#include "ke/hooks.h"
#include "ke/types.h"
#include "io/pnp.h"
#include "po/po.h"
#include "mm/mm.h"
#include "vf/vf.h"

/* IopUnloadSafeCompletion: the kernel's completion routine that
 * IoSetCompletionRoutineEx installs; its address is in the kernel's image,
 * below the drivers'. */
#define IO_UNLOAD_SAFE_COMPLETION_OFFSET 0x2000u

typedef struct io_symlink {
    char name[128];
    char target[128];
    struct io_symlink *next;
} io_symlink;

typedef struct io_manager {
    PVOID_VA cancel_lock; /* IopCancelSpinLock: a KSPIN_LOCK in nonpaged pool */
    io_symlink *links;
    io_irp *in_place; /* IRPs IoInitializeIrp made in drivers' memory */
    PVOID_VA configuration_information; /* IoGetConfigurationInformation's (iosubs.c) */
} io_manager;

static const char *const major_names[IRP_MJ_MAXIMUM_FUNCTION + 1] = {
    "IRP_MJ_CREATE",
    "IRP_MJ_CREATE_NAMED_PIPE",
    "IRP_MJ_CLOSE",
    "IRP_MJ_READ",
    "IRP_MJ_WRITE",
    "IRP_MJ_QUERY_INFORMATION",
    "IRP_MJ_SET_INFORMATION",
    "IRP_MJ_QUERY_EA",
    "IRP_MJ_SET_EA",
    "IRP_MJ_FLUSH_BUFFERS",
    "IRP_MJ_QUERY_VOLUME_INFORMATION",
    "IRP_MJ_SET_VOLUME_INFORMATION",
    "IRP_MJ_DIRECTORY_CONTROL",
    "IRP_MJ_FILE_SYSTEM_CONTROL",
    "IRP_MJ_DEVICE_CONTROL",
    "IRP_MJ_INTERNAL_DEVICE_CONTROL",
    "IRP_MJ_SHUTDOWN",
    "IRP_MJ_LOCK_CONTROL",
    "IRP_MJ_CLEANUP",
    "IRP_MJ_CREATE_MAILSLOT",
    "IRP_MJ_QUERY_SECURITY",
    "IRP_MJ_SET_SECURITY",
    "IRP_MJ_POWER",
    "IRP_MJ_SYSTEM_CONTROL",
    "IRP_MJ_DEVICE_CHANGE",
    "IRP_MJ_QUERY_QUOTA",
    "IRP_MJ_SET_QUOTA",
    "IRP_MJ_PNP",
};

static io_manager *io_of(ke_machine *m)
{
    if (m->io == NULL) {
        m->io = calloc(1, sizeof *m->io);
        if (m->io == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory creating the I/O manager");
        m->io->cancel_lock = ex_alloc_internal(m, NonPagedPoolNx, 8, 0x636E6143u /* "Canc" */);
        KE_CHECK(m, m->io->cancel_lock != 0);
    }
    return m->io;
}

PVOID_VA *io_configuration_slot(ke_machine *m)
{
    return &io_of(m)->configuration_information;
}

io_irp *io_irp_at(const ke_machine *m, PVOID_VA va)
{
    return des_map_get(&m->irps, va);
}

uint32_t io_stack_location_bytes(const ke_machine *m)
{
    return ke_types[KE_TYPE_IO_STACK_LOCATION].size[m->config.arch];
}

uint32_t io_irp_bytes(const ke_machine *m, uint32_t stack_size)
{
    return ke_types[KE_TYPE_IRP].size[m->config.arch] + stack_size * io_stack_location_bytes(m);
}

uint64_t io_routine_token(const io_driver *d, io_routine r)
{
    if (r == 0)
        return 0;
    return d->image_base + PAGE_SIZE + (uint64_t)r * 16u;
}

uint64_t io_entry_point(const io_driver *d)
{
    return d->image_base + PAGE_SIZE;
}

static uint64_t unload_safe_token(const ke_machine *m)
{
    return mm_region_base(m->config.arch, MM_REGION_SYSTEM_IMAGES) -
           IO_UNLOAD_SAFE_COMPLETION_OFFSET;
}

io_routine io_routine_of_token(const ke_machine *m, uint64_t token, io_driver **d)
{
    *d = NULL;
    PVOID_VA base = mm_region_base(m->config.arch, MM_REGION_SYSTEM_IMAGES);
    if (token < base + PAGE_SIZE)
        return 0;
    uint64_t index = (token - base) / IO_IMAGE_STRIDE;
    if (index >= m->driver_count)
        return 0;
    io_driver *drv = m->drivers[index];
    uint64_t offset = token - drv->image_base;
    if (offset < PAGE_SIZE || (offset - PAGE_SIZE) % 16u != 0)
        return 0;
    *d = drv;
    return (io_routine)((offset - PAGE_SIZE) / 16u);
}

/* The kernel's own access to memory it knows is valid (its records exist
 * only for mapped IRPs): a field read or written without a fault. */
static uint64_t get(ke_machine *m, PVOID_VA va, const ke_field *f)
{
    uint64_t v = 0;
    ke_arch arch = m->config.arch;
    mm_peek(m->mm, va + f->offset[arch], &v, ke_field_size(arch, f));
    return v;
}

static void set(ke_machine *m, PVOID_VA va, const ke_field *f, uint64_t v)
{
    ke_arch arch = m->config.arch;
    mm_poke(m->mm, va + f->offset[arch], &v, ke_field_size(arch, f));
}

#define IRP_F(name)  KE_FIELD(IRP, name)
#define SL_F(name)   KE_FIELD(IO_STACK_LOCATION, name)
#define TAIL_CSL     ke_type_field(KE_TYPE_IRP_TAIL_OVERLAY, "CurrentStackLocation")
#define TAIL_THREAD  ke_type_field(KE_TYPE_IRP_TAIL_OVERLAY, "Thread")
#define IOSB_STATUS  KE_FIELD(IO_STATUS_BLOCK, Status)
#define IOSB_INFO    KE_FIELD(IO_STATUS_BLOCK, Information)
#define ASSOC_SYSBUF ke_type_field(KE_TYPE_IRP_ASSOCIATED, "SystemBuffer")

/* Offsets of the embedded IRP parts, by architecture. */
static PVOID_VA tail_overlay(const ke_machine *m, PVOID_VA irp)
{
    return irp + IRP_F(Tail)->offset[m->config.arch];
}

static PVOID_VA io_status(const ke_machine *m, PVOID_VA irp)
{
    return irp + IRP_F(IoStatus)->offset[m->config.arch];
}

static PVOID_VA current_location(ke_machine *m, PVOID_VA irp)
{
    return get(m, tail_overlay(m, irp), TAIL_CSL);
}

static void set_current_location(ke_machine *m, PVOID_VA irp, PVOID_VA sl)
{
    set(m, tail_overlay(m, irp), TAIL_CSL, sl);
}

static PVOID_VA parameters(const ke_machine *m, PVOID_VA sl)
{
    return sl + SL_F(Parameters)->offset[m->config.arch];
}

PVOID_VA io_irp_memory_allocate(ke_call *call, uint32_t bytes, bool verified)
{
    /* Under I/O verification Windows serves IRPs from the special pool
     * (seed 003, 2.1.1.6): a driver that touches an IRP after completing it
     * faults on the freed page (0xD5), one that runs past its last stack
     * location faults at the page end (0xD6). */
    if (verified)
        return ex_alloc_special_internal(call, NonPagedPoolNx, bytes, IO_IRP_POOL_TAG);
    return ex_alloc_internal(call->m, NonPagedPoolNx, bytes, IO_IRP_POOL_TAG);
}

PVOID_VA io_irp_create(ke_call *call, uint8_t stack_size, io_irp_origin origin, io_driver *owner)
{
    ke_machine *m = call->m;
    uint32_t bytes = io_irp_bytes(m, stack_size);
    bool tracked = owner != NULL && vf_io_watched(m, owner);
    PVOID_VA va = io_irp_memory_allocate(call, bytes, tracked);
    io_irp *irp = calloc(1, sizeof *irp);
    if (va == 0 || irp == NULL) {
        free(irp);
        if (va != 0) {
            ke_call kernel = *call;
            kernel.driver = NULL;
            ExFreePool(&kernel, va);
        }
        return 0;
    }
    if (!des_map_put(&m->irps, va, irp))
        ke_panic(m, __FILE__, __LINE__, "out of host memory creating an IRP");
    irp->va = va;
    irp->stack_count = stack_size;
    irp->origin = origin;
    irp->owner = owner;
    irp->tracked = tracked;
    mm_fill(m->mm, va, bytes, 0);
    set(m, va, IRP_F(Type), IO_TYPE_IRP);
    set(m, va, IRP_F(Size), bytes);
    set(m, va, IRP_F(StackCount), stack_size);
    set(m, va, IRP_F(CurrentLocation), (uint64_t)stack_size + 1u);
    set_current_location(m, va, va + bytes); /* one past the last location */
    return va;
}

void io_irp_free(ke_call *call, io_irp *irp)
{
    ke_machine *m = call->m;
    des_map_remove(&m->irps, irp->va);
    ke_call kernel = *call;
    kernel.driver = NULL; /* the I/O manager frees it */
    /* The type goes first, as IoFreeIrp zeroes it: a stale pointer no
     * longer reads as an IRP. */
    set(m, irp->va, IRP_F(Type), 0);
    ExFreePool(&kernel, irp->va);
    free(irp);
}

io_irp *io_irp_in_place(ke_call *call, PVOID_VA va, uint8_t stack_size)
{
    ke_machine *m = call->m;
    io_irp *irp = io_irp_at(m, va);
    if (irp != NULL)
        return irp;
    irp = calloc(1, sizeof *irp);
    if (irp == NULL || !des_map_put(&m->irps, va, irp))
        ke_panic(m, __FILE__, __LINE__, "out of host memory initialising an IRP");
    irp->va = va;
    irp->stack_count = stack_size;
    irp->origin = IO_IRP_ALLOCATED;
    irp->owner = call->driver;
    irp->in_place = true;
    io_manager *io = io_of(m);
    irp->next_in_place = io->in_place;
    io->in_place = irp;
    return irp;
}

void io_irps_memory_freed(ke_machine *m, PVOID_VA start, PVOID_VA end)
{
    if (m->io == NULL)
        return;
    for (io_irp **p = &m->io->in_place; *p != NULL;) {
        io_irp *irp = *p;
        if (irp->va >= start && irp->va < end) {
            *p = irp->next_in_place;
            des_map_remove(&m->irps, irp->va);
            free(irp);
        } else {
            p = &irp->next_in_place;
        }
    }
}

void io_irps_destroy(ke_machine *m)
{
    for (size_t i = 0; i < m->irps.capacity; i++)
        free(m->irps.slots[i].value);
    des_map_fini(&m->irps);
    if (m->io != NULL) {
        io_symlink *l = m->io->links;
        while (l != NULL) {
            io_symlink *next = l->next;
            free(l);
            l = next;
        }
        free(m->io);
        m->io = NULL;
    }
}

/* ------------------------------------------------------------------------ */
/* Allocation and the stack locations                                       */
/* ------------------------------------------------------------------------ */

PVOID_VA IoAllocateIrp(ke_call *call, uint8_t StackSize, bool ChargeQuota)
{
    /* Quota is not charged: only recorded, for the verifier. */
    PVOID_VA va = io_irp_create(call, StackSize, IO_IRP_ALLOCATED, call->driver);
    io_irp *irp = va != 0 ? io_irp_at(call->m, va) : NULL;
    if (irp != NULL)
        irp->charge_quota = ChargeQuota;
    return va;
}

void IoFreeIrp(ke_call *call, PVOID_VA Irp)
{
    io_irp *irp = io_irp_at(call->m, Irp);
    if (irp == NULL) {
        /* Not an IRP: IoFreeIrp frees it as one (the pool's own checks
         * see a bad address). */
        ExFreePool(call, Irp);
        return;
    }
    io_irp_free(call, irp);
}

PVOID_VA IoGetCurrentIrpStackLocation(ke_call *call, PVOID_VA Irp)
{
    uint64_t sl = 0;
    ke_field_get(call, tail_overlay(call->m, Irp), TAIL_CSL, &sl);
    return sl;
}

PVOID_VA IoGetNextIrpStackLocation(ke_call *call, PVOID_VA Irp)
{
    uint64_t sl = 0;
    if (!ke_field_get(call, tail_overlay(call->m, Irp), TAIL_CSL, &sl))
        return 0;
    return sl - io_stack_location_bytes(call->m);
}

/* Moves the IRP's current location by `delta` locations, as the caller's
 * own stores (inline WDK macros). */
static void move_location(ke_call *call, PVOID_VA Irp, int delta)
{
    uint64_t location = 0, sl = 0;
    if (!ke_field_get(call, Irp, IRP_F(CurrentLocation), &location) ||
        !ke_field_get(call, tail_overlay(call->m, Irp), TAIL_CSL, &sl))
        return;
    ke_field_set(call, Irp, IRP_F(CurrentLocation), (uint8_t)((int)location + delta));
    ke_field_set(call, tail_overlay(call->m, Irp), TAIL_CSL,
                 sl + (uint64_t)((int64_t)delta * io_stack_location_bytes(call->m)));
}

void IoSetNextIrpStackLocation(ke_call *call, PVOID_VA Irp)
{
    move_location(call, Irp, -1);
}

void IoSkipCurrentIrpStackLocation(ke_call *call, PVOID_VA Irp)
{
    move_location(call, Irp, 1);
}

void IoCopyCurrentIrpStackLocationToNext(ke_call *call, PVOID_VA Irp)
{
    /* RtlCopyMemory up to CompletionRoutine, then Control = 0 (wdm.h). */
    PVOID_VA sl = IoGetCurrentIrpStackLocation(call, Irp);
    if (sl == 0 || ke_stopped(call->m))
        return;
    PVOID_VA next = sl - io_stack_location_bytes(call->m);
    uint32_t bytes = SL_F(CompletionRoutine)->offset[call->m->config.arch];
    uint8_t buf[0x48];
    if (!mm_access(call, sl, buf, bytes, false) || !mm_access(call, next, buf, bytes, true))
        return;
    ke_field_set(call, next, SL_F(Control), 0);
}

void IoMarkIrpPending(ke_call *call, PVOID_VA Irp)
{
    PVOID_VA sl = IoGetCurrentIrpStackLocation(call, Irp);
    uint64_t control = 0;
    if (sl == 0 || !ke_field_get(call, sl, SL_F(Control), &control))
        return;
    ke_field_set(call, sl, SL_F(Control), control | SL_PENDING_RETURNED);
}

void IoSetCompletionRoutine(ke_call *call, PVOID_VA Irp, uint32_t CompletionRoutine,
                            PVOID_VA Context, bool InvokeOnSuccess, bool InvokeOnError,
                            bool InvokeOnCancel)
{
    PVOID_VA next = IoGetNextIrpStackLocation(call, Irp);
    if (ke_stopped(call->m))
        return;
    uint64_t routine = call->driver != NULL ? io_routine_token(call->driver, CompletionRoutine) : 0;
    uint8_t control = (uint8_t)((InvokeOnSuccess ? SL_INVOKE_ON_SUCCESS : 0) |
                                (InvokeOnError ? SL_INVOKE_ON_ERROR : 0) |
                                (InvokeOnCancel ? SL_INVOKE_ON_CANCEL : 0));
    if (ke_field_set(call, next, SL_F(CompletionRoutine), routine) &&
        ke_field_set(call, next, SL_F(Context), Context))
        ke_field_set(call, next, SL_F(Control), control);
}

NTSTATUS IoSetCompletionRoutineEx(ke_call *call, PVOID_VA DeviceObject, PVOID_VA Irp,
                                  uint32_t CompletionRoutine, PVOID_VA Context,
                                  bool InvokeOnSuccess, bool InvokeOnError, bool InvokeOnCancel)
{
    /* A context block holds the driver's routine and context; the kernel's
     * IopUnloadSafeCompletion runs it and frees the block. The block is the
     * caller's allocation, so pool tracking sees it (thunks.c). The device
     * object is referenced until the routine returns, so its driver stays
     * loaded while the routine runs, even if it was unloaded meanwhile
     * (what the Ex form is for; IoSetCompletionRoutine gives no such
     * guarantee: 0xCE). */
    ke_machine *m = call->m;
    io_device *dev = io_device_at(m, DeviceObject);
    bool x86 = m->config.arch == KE_ARCH_X86;
    uint32_t ptr = x86 ? 4u : 8u;
    PVOID_VA block = ex_alloc_internal(m, NonPagedPoolNx, 3u * ptr, IO_COMPLETION_CONTEXT_TAG);
    if (block == 0)
        return STATUS_INSUFFICIENT_RESOURCES;
    ex_block *b = ex_pool_find(m->pool, block);
    KE_CHECK(m, b != NULL);
    b->owner = call->driver; /* allocated on the caller's behalf */
    uint64_t values[3] = {call->driver != NULL ? io_routine_token(call->driver, CompletionRoutine)
                                               : 0,
                          Context, DeviceObject};
    for (int i = 0; i < 3; i++)
        mm_poke(m->mm, block + (uint64_t)i * ptr, &values[i], ptr);
    PVOID_VA next = IoGetNextIrpStackLocation(call, Irp);
    if (ke_stopped(m))
        return STATUS_ACCESS_VIOLATION;
    uint8_t control = (uint8_t)((InvokeOnSuccess ? SL_INVOKE_ON_SUCCESS : 0) |
                                (InvokeOnError ? SL_INVOKE_ON_ERROR : 0) |
                                (InvokeOnCancel ? SL_INVOKE_ON_CANCEL : 0));
    if (ke_field_set(call, next, SL_F(CompletionRoutine), unload_safe_token(m)) &&
        ke_field_set(call, next, SL_F(Context), block))
        ke_field_set(call, next, SL_F(Control), control);
    if (dev != NULL)
        io_device_reference(dev);
    return STATUS_SUCCESS;
}

/* ------------------------------------------------------------------------ */
/* IoCallDriver                                                             */
/* ------------------------------------------------------------------------ */

/* The next callout, or NULL when the kernel stack has no room for it (the
 * machine stopped with 0x7F). */
static ke_callout *push_callout(ke_call *call, ke_callout_kind kind)
{
    ke_exec *e = call->exec;
    if (!ke_callout_stack_room(call))
        return NULL;
    ke_callout *c = &e->callouts[e->callout_count++];
    memset(c, 0, sizeof *c);
    c->kind = (uint8_t)kind;
    call->callout = true;
    return c;
}

ke_callout *io_push_callout(ke_call *call, ke_callout_kind kind)
{
    return push_callout(call, kind);
}

NTSTATUS IoCallDriver(ke_call *call, PVOID_VA DeviceObject, PVOID_VA Irp)
{
    ke_machine *m = call->m;
    io_irp *irp = io_irp_at(m, Irp);
    io_device *dev = io_device_at(m, DeviceObject);
    /* The I/O manager reads the IRP and the device object as its caller's
     * loads: a bad pointer faults there. */
    uint64_t location = 0, type = 0;
    if (!ke_field_get(call, Irp, IRP_F(Type), &type) ||
        !ke_field_get(call, Irp, IRP_F(CurrentLocation), &location))
        return STATUS_ACCESS_VIOLATION;
    uint64_t driver_object = 0;
    if (!ke_field_get(call, DeviceObject, KE_FIELD(DEVICE_OBJECT, DriverObject), &driver_object))
        return STATUS_ACCESS_VIOLATION;
    if (irp == NULL || dev == NULL || dev->deleted) {
        /* Not an IRP or not a device object: Windows calls through whatever
         * the memory holds. drvsim does not run garbage: the request goes
         * nowhere (I/O verification catches both, 0xC9 0x03 / 0x04). */
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    /* IoSetNextIrpStackLocation, then the location names the device. */
    move_location(call, Irp, -1);
    PVOID_VA sl = current_location(m, Irp);
    if (location <= 1) {
        /* No location left: the next one is the IRP's own header. Windows
         * bug checks here; the I/O verifier's level 2 reports it first
         * (0x208). drvsim dispatches on, as the memory is. */
    }
    ke_field_set(call, sl, SL_F(DeviceObject), DeviceObject);
    if (ke_hook_wanted(m, KE_EVENT_IRP_CALL)) {
        ke_event ev = {.kind = KE_EVENT_IRP_CALL,
                       .irql = m->cpus[call->exec->cpu].irql,
                       .ddi = call->ddi,
                       .call = call,
                       .exec = call->exec,
                       .thread = call->thread,
                       .driver = call->driver,
                       .address = Irp,
                       .device = DeviceObject};
        ke_hook(m, &ev);
        if (ke_stopped(m))
            return STATUS_INVALID_DEVICE_REQUEST;
    }
    uint64_t major = 0;
    ke_field_get(call, sl, SL_F(MajorFunction), &major);
    io_driver *d = dev->driver;
    io_routine dispatch = major <= IRP_MJ_MAXIMUM_FUNCTION ? d->major[major] : 0;
    irp->sent++;
    irp->in_flight = true;
    if (dispatch == 0 && vf_io_watched(m, d)) {
        vf_io_no_dispatch(call, irp, dev, major);
        if (ke_stopped(m))
            return STATUS_INVALID_DEVICE_REQUEST;
    }
    if (dispatch == 0) {
        if (io_pnp_is_bus(m, d)) /* a PDO: the root bus driver's dispatch */
            return io_pnp_pdo_dispatch(call, dev, Irp, (uint8_t)major);
        /* IopInvalidDeviceRequest: completes the request at once. */
        set(m, io_status(m, Irp), IOSB_STATUS, (uint32_t)STATUS_INVALID_DEVICE_REQUEST);
        set(m, io_status(m, Irp), IOSB_INFO, 0);
        io_complete(call, Irp, (uint32_t)STATUS_INVALID_DEVICE_REQUEST);
        return STATUS_INVALID_DEVICE_REQUEST; /* ignored when a completion routine runs */
    }
    ke_callout *c = push_callout(call, KE_CALLOUT_DISPATCH);
    if (c == NULL)
        return STATUS_ACCESS_VIOLATION; /* the machine stopped */
    irp->dispatching++;
    c->routine = dispatch;
    c->driver = d;
    c->name = major_names[major];
    c->args[0] = DeviceObject;
    c->arg_types[0] = KE_TYPE_DEVICE_OBJECT;
    c->args[1] = Irp;
    c->arg_types[1] = KE_TYPE_IRP;
    c->argc = 2;
    c->irp = Irp;
    c->device = DeviceObject;
    c->location = (int32_t)location - 1;
    c->irql_before = ke_call_irql(call);
    c->verify = vf_io_watched(m, d) || vf_io_watched(m, call->driver);
    c->result = irp->completions; /* completions before this dispatch (for its checks) */
    c->argument = irp->sent;      /* sent before its dispatch routine forwards it */
    c->status_in = (uint32_t)get(m, io_status(m, Irp), IOSB_STATUS);
    c->information_in = get(m, io_status(m, Irp), IOSB_INFO);
    c->attached_in = dev->lower != NULL;
    c->major_in = (uint8_t)major;
    c->minor_in = (uint8_t)get(m, sl, SL_F(MinorFunction));
    c->references_in = dev->references;
    c->apc_disable_in = call->thread != NULL ? ke_combined_apc_disable(call->thread) : 0;
    if (c->verify) {
        vf_io_dispatch_called(call, c, irp);
        vf_irplog_dispatch(call, dev, Irp, sl); /* IRP logging (0x400) */
    }
    return STATUS_SUCCESS; /* the routine's status is the result (io_callout_end) */
}

/* ------------------------------------------------------------------------ */
/* Completion                                                               */
/* ------------------------------------------------------------------------ */

/* The I/O manager's part when completion reaches the top of the stack. */
static void complete_finish(ke_call *call, io_irp *irp, uint64_t result)
{
    ke_machine *m = call->m;
    PVOID_VA Irp = irp->va;
    ke_call kernel = *call;
    kernel.driver = NULL;
    irp->completing = false;
    irp->in_flight = false;
    if (irp->origin == IO_IRP_ALLOCATED)
        return; /* its owner's completion routine had the last word */
    if (irp->origin == IO_IRP_POWER) {
        po_request_completed(call, irp, result); /* the requester's callback, then freed */
        return;
    }
    NTSTATUS status = (NTSTATUS)get(m, io_status(m, Irp), IOSB_STATUS);
    uint64_t information = get(m, io_status(m, Irp), IOSB_INFO);
    if (irp->origin == IO_IRP_USER) {
        /* The application's request: its output and status, its event;
         * the I/O manager frees the IRP (after a dispatch routine still
         * running on it has returned). */
        io_request_completed(call, irp, status, information);
        if (irp->dispatching == 0)
            io_irp_free(call, irp);
        return;
    }
    if (irp->copy_back && NT_SUCCESS(status) && irp->user_buffer != 0) {
        /* A buffered read or IOCTL: the output goes back to the caller's
         * buffer, as much as Information says (at most its size). */
        uint64_t n = information < irp->copy_back_bytes ? information : irp->copy_back_bytes;
        uint8_t buf[256];
        for (uint64_t off = 0; off < n; off += sizeof buf) {
            size_t chunk = (size_t)(n - off < sizeof buf ? n - off : sizeof buf);
            if (!mm_access(&kernel, irp->system_buffer + off, buf, chunk, false) ||
                !mm_access(&kernel, irp->user_buffer + off, buf, chunk, true))
                return;
        }
    }
    if (irp->system_buffer != 0) {
        ExFreePool(&kernel, irp->system_buffer);
        irp->system_buffer = 0;
    }
    if (irp->mdl != 0) {
        IoFreeMdl(&kernel, irp->mdl);
        irp->mdl = 0;
    }
    PVOID_VA iosb = get(m, Irp, IRP_F(UserIosb));
    if (iosb != 0) {
        if (!ke_field_set(&kernel, iosb, IOSB_STATUS, (uint32_t)status) ||
            !ke_field_set(&kernel, iosb, IOSB_INFO, information))
            return;
    }
    PVOID_VA event = get(m, Irp, IRP_F(UserEvent));
    if (event != 0)
        KeSetEvent(&kernel, event, 0, false);
    if (irp->origin == IO_IRP_SYNCHRONOUS) {
        /* A threaded IRP: the completion APC frees it. Later if a dispatch
         * routine of it is still running (its checks read it). */
        irp->thread = NULL;
        if (irp->dispatching == 0)
            io_irp_free(call, irp);
    }
}

/*
 * Runs the completion up the stack from the current location, as
 * IopfCompleteRequest does: each location is zeroed; its completion
 * routine, if the Control bits ask for it, is pushed as a callout and the
 * walk resumes when it returns (io_callout_end). `result` is what the DDI
 * that completes returns.
 */
static void complete_walk(ke_call *call, io_irp *irp, uint64_t result)
{
    ke_machine *m = call->m;
    PVOID_VA Irp = irp->va;
    uint32_t sl_bytes = io_stack_location_bytes(m);
    for (;;) {
        uint64_t location = get(m, Irp, IRP_F(CurrentLocation));
        uint64_t count = get(m, Irp, IRP_F(StackCount));
        if (irp->pend_armed && !irp->pend_held && location == irp->pend_location) {
            /* Force pending I/O: the completion reached the sender's
             * completion routine while its IoCallDriver runs; it waits
             * there (vf/iov_pend.c), the IRP pending below the sender. */
            irp->pend_held = true;
            irp->completing = false;
            return;
        }
        if (location > count) {
            /* IopfCompleteRequest's loop steps past the last location once
             * more before it stops: a completed IRP's CurrentLocation is
             * StackCount + 2, which is what a second completion trips on. */
            set(m, Irp, IRP_F(CurrentLocation), location + 1);
            complete_finish(call, irp, result);
            return;
        }
        PVOID_VA sl = current_location(m, Irp);
        set(m, Irp, IRP_F(CurrentLocation), location + 1);
        set_current_location(m, Irp, sl + sl_bytes);
        uint64_t control = get(m, sl, SL_F(Control));
        uint64_t routine = get(m, sl, SL_F(CompletionRoutine));
        uint64_t context = get(m, sl, SL_F(Context));
        bool pending = (control & SL_PENDING_RETURNED) != 0;
        set(m, Irp, IRP_F(PendingReturned), pending);
        NTSTATUS status = (NTSTATUS)get(m, io_status(m, Irp), IOSB_STATUS);
        bool cancel = get(m, Irp, IRP_F(Cancel)) != 0;
        bool invoke = (NT_SUCCESS(status) && (control & SL_INVOKE_ON_SUCCESS)) ||
                      (!NT_SUCCESS(status) && (control & SL_INVOKE_ON_ERROR)) ||
                      (cancel && (control & SL_INVOKE_ON_CANCEL));
        /* ZeroIrpStackLocation, and the routine is consumed. */
        set(m, sl, SL_F(MinorFunction), 0);
        set(m, sl, SL_F(Flags), 0);
        set(m, sl, SL_F(Control), 0);
        mm_fill(m->mm, parameters(m, sl),
                ke_types[KE_TYPE_IO_STACK_PARAMETERS].size[m->config.arch], 0);
        set(m, sl, SL_F(FileObject), 0);
        set(m, sl, SL_F(CompletionRoutine), 0);
        set(m, sl, SL_F(Context), 0);
        bool top = location + 1 > count;
        if (invoke && routine != 0) {
            PVOID_VA device = top ? 0 : get(m, sl + sl_bytes, SL_F(DeviceObject));
            PVOID_VA unload_safe_device = 0;
            if (routine == unload_safe_token(m)) {
                /* IopUnloadSafeCompletion: the real routine and context are
                 * in the block, which goes back to the pool now; the device
                 * object's reference is dropped when the routine returns. */
                uint32_t ptr = m->config.arch == KE_ARCH_X86 ? 4u : 8u;
                PVOID_VA block = context;
                routine = 0;
                context = 0;
                mm_peek(m->mm, block, &routine, ptr);
                mm_peek(m->mm, block + ptr, &context, ptr);
                mm_peek(m->mm, block + 2u * ptr, &unload_safe_device, ptr);
                if (io_device_at(m, unload_safe_device) == NULL)
                    unload_safe_device = 0; /* none was referenced */
                ke_call kernel = *call;
                kernel.driver = NULL;
                ExFreePool(&kernel, block);
            }
            io_driver *d = NULL;
            io_routine r = io_routine_of_token(m, routine, &d);
            if (r != 0) {
                ke_callout *c = push_callout(call, KE_CALLOUT_COMPLETION);
                if (c == NULL)
                    return; /* the machine stopped */
                c->routine = r;
                c->driver = d;
                c->name = "CompletionRoutine";
                c->args[0] = device;
                c->arg_types[0] = KE_TYPE_DEVICE_OBJECT;
                c->args[1] = Irp;
                c->arg_types[1] = KE_TYPE_IRP;
                c->args[2] = context;
                c->argc = 3;
                c->irp = Irp;
                c->device = device;
                c->unload_safe_device = unload_safe_device;
                c->location = (int32_t)location + 1;
                c->result = result;
                c->verify = vf_io_watched(m, d);
                c->status_in = (uint32_t)status;
                c->information_in = get(m, io_status(m, Irp), IOSB_INFO);
                c->irql_before = ke_call_irql(call);
                c->apc_disable_in =
                    call->thread != NULL ? ke_combined_apc_disable(call->thread) : 0;
                return;
            }
        } else if (pending && !top) {
            /* No routine to propagate it: the I/O manager marks the
             * location above pending itself. */
            PVOID_VA above = sl + sl_bytes;
            set(m, above, SL_F(Control), get(m, above, SL_F(Control)) | SL_PENDING_RETURNED);
        }
    }
}

void io_complete(ke_call *call, PVOID_VA Irp, uint64_t result)
{
    io_irp *irp = io_irp_at(call->m, Irp);
    if (irp == NULL)
        return;
    irp->completed = true;
    irp->completions++;
    irp->completing = true;
    /* Completed again while force pending I/O holds it (its sender took
     * STATUS_PENDING for done; I/O verification reports it, 0x209): this
     * walk takes the held one over, the verifier's resume finds nothing. */
    if (irp->pend_held && !irp->pend_armed)
        irp->pend_held = false;
    complete_walk(call, irp, result);
}

void io_complete_resume(ke_call *call, io_irp *irp)
{
    KE_CHECK(call->m, irp->pend_held && !irp->pend_armed);
    irp->pend_held = false;
    irp->completing = true;
    complete_walk(call, irp, 0);
}

void IoCompleteRequest(ke_call *call, PVOID_VA Irp, uint8_t PriorityBoost)
{
    (void)PriorityBoost; /* thread priorities are not modelled */
    uint64_t type = 0, location = 0, count = 0;
    if (!ke_field_get(call, Irp, IRP_F(Type), &type) ||
        !ke_field_get(call, Irp, IRP_F(CurrentLocation), &location) ||
        !ke_field_get(call, Irp, IRP_F(StackCount), &count))
        return; /* the read faulted: freed special pool, unmapped */
    /* The kernel's own check, verified or not: not an IRP, or one whose
     * completion already ran up past its last stack location (its memory
     * still says so, freed or not). P1 the IRP; P2, the source line in
     * Windows, is not modelled (0). */
    if (type != IO_TYPE_IRP || (int8_t)location > (int8_t)(count + 1)) {
        char detail[96];
        snprintf(detail, sizeof detail, "IRP 0x%llX: Type %llu, CurrentLocation %d of %llu",
                 (unsigned long long)Irp, (unsigned long long)type, (int8_t)location,
                 (unsigned long long)count);
        const uint64_t p[4] = {Irp, 0, 0, 0};
        kd_raise_full(call, RULE_kirp_completed_twice, 0x44, p, NULL, detail);
        return;
    }
    ke_machine *m = call->m;
    if (ke_hook_wanted(m, KE_EVENT_IRP_COMPLETE)) {
        uint64_t device = 0;
        PVOID_VA sl = current_location(m, Irp);
        if ((int8_t)location <= (int8_t)count)
            ke_field_get(call, sl, SL_F(DeviceObject), &device);
        ke_event ev = {.kind = KE_EVENT_IRP_COMPLETE,
                       .irql = m->cpus[call->exec->cpu].irql,
                       .ddi = call->ddi,
                       .call = call,
                       .exec = call->exec,
                       .thread = call->thread,
                       .driver = call->driver,
                       .address = Irp,
                       .device = device};
        ke_hook(m, &ev);
        if (ke_stopped(m))
            return;
    }
    io_complete(call, Irp, 0);
}

uint64_t io_callout_end(ke_call *call, uint64_t result)
{
    ke_machine *m = call->m;
    ke_exec *e = call->exec;
    KE_CHECK(m, e->callout_count > 0);
    ke_callout c = e->callouts[--e->callout_count];
    io_irp *irp = io_irp_at(m, c.irp);
    switch ((ke_callout_kind)c.kind) {
    case KE_CALLOUT_DISPATCH:
        if (irp != NULL) {
            KE_CHECK(m, irp->dispatching > 0);
            irp->dispatching--;
        }
        if (c.verify)
            vf_io_dispatch_returned(call, &c, irp, (NTSTATUS)result);
        if (irp != NULL && irp->pend_armed && c.location == (int32_t)irp->pend_location)
            result = (uint32_t)vf_pend_returned(call, irp, (NTSTATUS)result); /* 0x200 */
        /* Its completion came during the dispatch and reached the top
         * (walked past the last location; not one a completion routine
         * stopped with STATUS_MORE_PROCESSING_REQUIRED, nor one force
         * pending I/O holds): the I/O manager's free was left to now. */
        if (irp != NULL && irp->dispatching == 0 &&
            (irp->origin == IO_IRP_SYNCHRONOUS || irp->origin == IO_IRP_USER ||
             irp->origin == IO_IRP_POWER) &&
            irp->completed && !irp->completing &&
            (int8_t)get(m, irp->va, IRP_F(CurrentLocation)) > (int8_t)(irp->stack_count + 1))
            io_irp_free(call, irp);
        if (c.step == IO_STEP_PO_REQUEST)
            return (uint32_t)STATUS_PENDING; /* PoRequestPowerIrp's own result */
        return (uint32_t)result;
    case KE_CALLOUT_COMPLETION:
        if (c.verify)
            vf_io_completion_returned(call, &c, irp, (NTSTATUS)result);
        if (c.unload_safe_device != 0 && !ke_stopped(m)) {
            /* IopUnloadSafeCompletion's ObDereferenceObject: the routine
             * has returned, its driver may go now. */
            io_device *dev = io_device_at(m, c.unload_safe_device);
            if (dev != NULL)
                io_device_dereference(call, dev);
        }
        if (ke_stopped(m) || irp == NULL)
            return c.result;
        if ((NTSTATUS)result == STATUS_MORE_PROCESSING_REQUIRED) {
            irp->completing = false; /* the routine owns the IRP again */
            irp->in_flight = false;
            return c.result;
        }
        complete_walk(call, irp, c.result);
        return c.result;
    case KE_CALLOUT_CANCEL:
        return c.result;
    case KE_CALLOUT_CSQ:
        return io_csq_callout_end(call, &c, result);
    case KE_CALLOUT_STARTIO:
        return io_startio_callout_end(call, &c);
    case KE_CALLOUT_POWER_COMPLETE:
        return po_callout_end(call, &c);
    case KE_CALLOUT_SYNCHRONIZE:
    case KE_CALLOUT_QUERY_ROUTINE:
    case KE_CALLOUT_REGISTRY:
    case KE_CALLOUT_DMA:
        break;
    }
    KE_CHECK(m, false);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Cancellation                                                             */
/* ------------------------------------------------------------------------ */

void IoAcquireCancelSpinLock(ke_call *call, KIRQL *Irql)
{
    ke_acquire_spin_lock_as(call, io_of(call->m)->cancel_lock, Irql, KE_LOCK_CANCEL_SPIN);
}

void IoReleaseCancelSpinLock(ke_call *call, KIRQL Irql)
{
    ke_release_spin_lock_as(call, io_of(call->m)->cancel_lock, Irql, KE_LOCK_CANCEL_SPIN);
}

uint32_t IoSetCancelRoutine(ke_call *call, PVOID_VA Irp, uint32_t CancelRoutine)
{
    /* InterlockedExchangePointer on Irp->CancelRoutine: one store. */
    uint64_t old = 0;
    if (!ke_field_get(call, Irp, IRP_F(CancelRoutine), &old))
        return 0;
    uint64_t token = call->driver != NULL ? io_routine_token(call->driver, CancelRoutine) : 0;
    ke_field_set(call, Irp, IRP_F(CancelRoutine), token);
    io_driver *d = NULL;
    return io_routine_of_token(call->m, old, &d);
}

bool IoCancelIrp(ke_call *call, PVOID_VA Irp)
{
    ke_machine *m = call->m;
    uint64_t type = 0;
    if (!ke_field_get(call, Irp, IRP_F(Type), &type))
        return false;
    KIRQL old = 0;
    IoAcquireCancelSpinLock(call, &old);
    if (call->spin)
        return false; /* made again when the lock is free */
    ke_field_set(call, Irp, IRP_F(Cancel), 1);
    uint64_t token = 0;
    ke_field_get(call, Irp, IRP_F(CancelRoutine), &token);
    ke_field_set(call, Irp, IRP_F(CancelRoutine), 0);
    if (token != 0 && token == io_csq_cancel_token(m)) {
        /* A cancel-safe queue's IRP: the I/O manager's own cancel routine,
         * which calls the queue's callbacks. */
        ke_field_set(call, Irp, IRP_F(CancelIrql), old);
        io_csq_cancel(call, Irp);
        return true;
    }
    io_driver *d = NULL;
    io_routine r = io_routine_of_token(m, token, &d);
    if (r == 0) {
        IoReleaseCancelSpinLock(call, old);
        return false;
    }
    /* The cancel routine runs with the cancel lock held; it releases it
     * with Irp->CancelIrql. */
    ke_field_set(call, Irp, IRP_F(CancelIrql), old);
    PVOID_VA sl = current_location(m, Irp);
    ke_callout *c = push_callout(call, KE_CALLOUT_CANCEL);
    if (c == NULL)
        return false; /* the machine stopped */
    c->routine = r;
    c->driver = d;
    c->name = "CancelRoutine";
    c->args[0] = get(m, sl, SL_F(DeviceObject));
    c->arg_types[0] = KE_TYPE_DEVICE_OBJECT;
    c->args[1] = Irp;
    c->arg_types[1] = KE_TYPE_IRP;
    c->argc = 2;
    c->irp = Irp;
    c->result = true;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Requests the I/O manager builds                                          */
/* ------------------------------------------------------------------------ */

/* An IRP for `dev` with its first location set up; NULL on failure. */
static PVOID_VA build_irp(ke_call *call, io_device *dev, io_irp_origin origin, uint8_t major,
                          PVOID_VA *first)
{
    ke_machine *m = call->m;
    uint64_t stack_size = get(m, dev->va, KE_FIELD(DEVICE_OBJECT, StackSize));
    PVOID_VA Irp = io_irp_create(call, (uint8_t)stack_size, origin, call->driver);
    if (Irp == 0)
        return 0;
    *first = current_location(m, Irp) - io_stack_location_bytes(m);
    set(m, *first, SL_F(MajorFunction), major);
    set(m, Irp, IRP_F(RequestorMode), 0 /* KernelMode */);
    if (origin == IO_IRP_SYNCHRONOUS) {
        io_irp_at(m, Irp)->thread = call->thread;
        set(m, tail_overlay(m, Irp), TAIL_THREAD,
            call->thread != NULL && call->thread->object != NULL ? call->thread->object->va : 0);
    }
    return Irp;
}

/* A system buffer of `bytes` (at least 1) for a buffered request, filled
 * from `source` (when given) as the caller's loads. Returns false when the
 * copy faulted or the pool is out. */
static bool system_buffer(ke_call *call, io_irp *irp, uint32_t bytes, PVOID_VA source,
                          uint32_t source_bytes)
{
    ke_machine *m = call->m;
    PVOID_VA b = ex_alloc_internal(m, NonPagedPoolNx, bytes ? bytes : 1u, 0x20206F49u /* "Io  " */);
    if (b == 0)
        return false;
    irp->system_buffer = b;
    set(m, irp->va + IRP_F(AssociatedIrp)->offset[m->config.arch], ASSOC_SYSBUF, b);
    uint8_t buf[256];
    for (uint32_t off = 0; off < source_bytes; off += sizeof buf) {
        size_t chunk = source_bytes - off < sizeof buf ? source_bytes - off : sizeof buf;
        if (!mm_access(call, source + off, buf, chunk, false))
            return false;
        mm_poke(m->mm, b + off, buf, chunk);
    }
    return true;
}

static void discard(ke_call *call, PVOID_VA Irp)
{
    io_irp *irp = io_irp_at(call->m, Irp);
    if (irp == NULL)
        return;
    ke_call kernel = *call;
    kernel.driver = NULL;
    if (irp->system_buffer != 0)
        ExFreePool(&kernel, irp->system_buffer);
    io_irp_free(call, irp);
}

PVOID_VA IoBuildDeviceIoControlRequest(ke_call *call, ULONG IoControlCode, PVOID_VA DeviceObject,
                                       PVOID_VA InputBuffer, ULONG InputBufferLength,
                                       PVOID_VA OutputBuffer, ULONG OutputBufferLength,
                                       bool InternalDeviceIoControl, PVOID_VA Event,
                                       PVOID_VA IoStatusBlock)
{
    ke_machine *m = call->m;
    io_device *dev = io_device_at(m, DeviceObject);
    if (dev == NULL)
        return 0;
    PVOID_VA sl = 0;
    uint8_t major =
        InternalDeviceIoControl ? IRP_MJ_INTERNAL_DEVICE_CONTROL : IRP_MJ_DEVICE_CONTROL;
    PVOID_VA Irp = build_irp(call, dev, IO_IRP_SYNCHRONOUS, major, &sl);
    if (Irp == 0)
        return 0;
    io_irp *irp = io_irp_at(m, Irp);
    PVOID_VA p = parameters(m, sl);
    const ke_type_id T = KE_TYPE_IO_PARAMETERS_IOCTL;
    set(m, p, ke_type_field(T, "OutputBufferLength"), OutputBufferLength);
    set(m, p, ke_type_field(T, "InputBufferLength"), InputBufferLength);
    set(m, p, ke_type_field(T, "IoControlCode"), IoControlCode);
    uint32_t method = IoControlCode & 3u;
    if (method == METHOD_NEITHER) {
        set(m, p, ke_type_field(T, "Type3InputBuffer"), InputBuffer);
        set(m, Irp, IRP_F(UserBuffer), OutputBuffer);
    } else {
        /* METHOD_BUFFERED: one system buffer for both directions. The
         * direct methods buffer the input the same way and describe the
         * output with an MDL of the caller's buffer. */
        uint32_t bytes = method == METHOD_BUFFERED && OutputBufferLength > InputBufferLength
                             ? OutputBufferLength
                             : InputBufferLength;
        if ((bytes != 0 || method == METHOD_BUFFERED) &&
            !system_buffer(call, irp, bytes, InputBuffer, InputBufferLength)) {
            if (!ke_stopped(m))
                discard(call, Irp);
            return 0;
        }
        if (method == METHOD_BUFFERED) {
            irp->copy_back = OutputBufferLength != 0;
            irp->copy_back_bytes = OutputBufferLength;
            irp->user_buffer = OutputBuffer;
            /* The I/O manager copies the answer there at completion: the
             * IRP names it (IopBuildDeviceIoControlRequest). */
            set(m, Irp, IRP_F(UserBuffer), OutputBuffer);
        } else if (OutputBufferLength != 0) {
            ke_call kernel = *call;
            kernel.driver = NULL;
            irp->mdl = IoAllocateMdl(&kernel, OutputBuffer, OutputBufferLength, false, false, 0);
            if (irp->mdl == 0) {
                discard(call, Irp);
                return 0;
            }
            MmBuildMdlForNonPagedPool(&kernel, irp->mdl);
            set(m, Irp, IRP_F(MdlAddress), irp->mdl);
        }
    }
    set(m, Irp, IRP_F(UserIosb), IoStatusBlock);
    set(m, Irp, IRP_F(UserEvent), Event);
    return Irp;
}

static PVOID_VA build_fsd(ke_call *call, io_irp_origin origin, ULONG MajorFunction,
                          PVOID_VA DeviceObject, PVOID_VA Buffer, ULONG Length,
                          PVOID_VA StartingOffset)
{
    ke_machine *m = call->m;
    io_device *dev = io_device_at(m, DeviceObject);
    if (dev == NULL || MajorFunction > IRP_MJ_MAXIMUM_FUNCTION)
        return 0;
    PVOID_VA sl = 0;
    PVOID_VA Irp = build_irp(call, dev, origin, (uint8_t)MajorFunction, &sl);
    if (Irp == 0)
        return 0;
    if (MajorFunction != IRP_MJ_READ && MajorFunction != IRP_MJ_WRITE)
        return Irp; /* flush, shutdown, PnP, power: no buffer */
    io_irp *irp = io_irp_at(m, Irp);
    uint64_t flags = get(m, DeviceObject, KE_FIELD(DEVICE_OBJECT, Flags));
    bool read = MajorFunction == IRP_MJ_READ;
    if (flags & DO_BUFFERED_IO) {
        if (!system_buffer(call, irp, Length, read ? 0 : Buffer, read ? 0 : Length)) {
            if (!ke_stopped(m))
                discard(call, Irp);
            return 0;
        }
        irp->copy_back = read;
        irp->copy_back_bytes = Length;
        irp->user_buffer = Buffer;
    } else if (flags & DO_DIRECT_IO) {
        ke_call kernel = *call;
        kernel.driver = NULL;
        irp->mdl = IoAllocateMdl(&kernel, Buffer, Length, false, false, 0);
        if (irp->mdl == 0) {
            discard(call, Irp);
            return 0;
        }
        MmBuildMdlForNonPagedPool(&kernel, irp->mdl);
        set(m, Irp, IRP_F(MdlAddress), irp->mdl);
    } else {
        set(m, Irp, IRP_F(UserBuffer), Buffer);
    }
    PVOID_VA p = parameters(m, sl);
    set(m, p, ke_type_field(KE_TYPE_IO_PARAMETERS_READ, "Length"), Length);
    uint64_t offset = 0;
    if (StartingOffset != 0 && !mm_access(call, StartingOffset, &offset, 8, false))
        return 0;
    set(m, p, ke_type_field(KE_TYPE_IO_PARAMETERS_READ, "ByteOffset"), offset);
    return Irp;
}

PVOID_VA IoBuildSynchronousFsdRequest(ke_call *call, ULONG MajorFunction, PVOID_VA DeviceObject,
                                      PVOID_VA Buffer, ULONG Length, PVOID_VA StartingOffset,
                                      PVOID_VA Event, PVOID_VA IoStatusBlock)
{
    PVOID_VA Irp = build_fsd(call, IO_IRP_SYNCHRONOUS, MajorFunction, DeviceObject, Buffer, Length,
                             StartingOffset);
    if (Irp != 0) {
        set(call->m, Irp, IRP_F(UserIosb), IoStatusBlock);
        set(call->m, Irp, IRP_F(UserEvent), Event);
    }
    return Irp;
}

PVOID_VA IoBuildAsynchronousFsdRequest(ke_call *call, ULONG MajorFunction, PVOID_VA DeviceObject,
                                       PVOID_VA Buffer, ULONG Length, PVOID_VA StartingOffset,
                                       PVOID_VA IoStatusBlock)
{
    PVOID_VA Irp = build_fsd(call, IO_IRP_ASYNCHRONOUS, MajorFunction, DeviceObject, Buffer, Length,
                             StartingOffset);
    if (Irp != 0)
        set(call->m, Irp, IRP_F(UserIosb), IoStatusBlock);
    return Irp;
}

/* ------------------------------------------------------------------------ */
/* Device stacks and symbolic links                                         */
/* ------------------------------------------------------------------------ */

io_device *io_attached_top(io_device *dev)
{
    while (dev->attached != NULL)
        dev = dev->attached;
    return dev;
}

PVOID_VA IoAttachDeviceToDeviceStack(ke_call *call, PVOID_VA SourceDevice, PVOID_VA TargetDevice)
{
    ke_machine *m = call->m;
    io_device *source = io_device_at(m, SourceDevice);
    io_device *target = io_device_at(m, TargetDevice);
    if (source == NULL || target == NULL || target->deleted)
        return 0;
    io_device *top = io_attached_top(target);
    top->attached = source;
    source->lower = top;
    /* The attachment keeps the device below alive until IoDetachDevice:
     * in a PnP removal each driver deletes its own device, the lower one
     * first, while the one above is still attached to it. */
    io_device_reference(top);
    set(m, top->va, KE_FIELD(DEVICE_OBJECT, AttachedDevice), SourceDevice);
    uint64_t below = get(m, top->va, KE_FIELD(DEVICE_OBJECT, StackSize));
    set(m, SourceDevice, KE_FIELD(DEVICE_OBJECT, StackSize), below + 1);
    return top->va;
}

void IoDetachDevice(ke_call *call, PVOID_VA TargetDevice)
{
    ke_machine *m = call->m;
    io_device *target = io_device_at(m, TargetDevice);
    if (target == NULL || target->attached == NULL)
        return;
    target->attached->lower = NULL;
    target->attached = NULL;
    set(m, TargetDevice, KE_FIELD(DEVICE_OBJECT, AttachedDevice), 0);
    io_device_dereference(call, target); /* the attachment's reference */
}

PVOID_VA IoGetAttachedDeviceReference(ke_call *call, PVOID_VA DeviceObject)
{
    io_device *dev = io_device_at(call->m, DeviceObject);
    if (dev == NULL)
        return 0;
    io_device *top = io_attached_top(dev);
    io_device_reference(top);
    return top->va;
}

/* The name in a UNICODE_STRING as ASCII, as the caller's loads. */
static bool read_name(ke_call *call, PVOID_VA s, char *out, size_t len)
{
    uint64_t length = 0, buffer = 0;
    if (!ke_field_get(call, s, KE_FIELD(UNICODE_STRING, Length), &length) ||
        !ke_field_get(call, s, KE_FIELD(UNICODE_STRING, Buffer), &buffer))
        return false;
    size_t chars = (size_t)length / 2;
    if (chars + 1 > len)
        return false;
    for (size_t i = 0; i < chars; i++) {
        uint16_t wc = 0;
        if (!mm_access(call, buffer + 2 * i, &wc, 2, false))
            return false;
        out[i] = wc >= 0x20 && wc <= 0x7E ? (char)wc : '?';
    }
    out[chars] = '\0';
    return true;
}

const char *io_symbolic_link_target(const ke_machine *m, const char *link)
{
    if (m->io == NULL)
        return NULL;
    for (const io_symlink *l = m->io->links; l != NULL; l = l->next) {
        if (strcasecmp(l->name, link) == 0)
            return l->target;
    }
    return NULL;
}

io_device *io_device_by_name(const ke_machine *m, const char *name)
{
    const char *target = io_symbolic_link_target(m, name);
    if (target != NULL)
        name = target;
    for (uint32_t i = 0; i < m->driver_count; i++) {
        for (io_device *dev = m->drivers[i]->devices; dev != NULL; dev = dev->next) {
            if (!dev->deleted && dev->name[0] != '\0' && strcasecmp(dev->name, name) == 0)
                return dev;
        }
    }
    /* The PDOs of the PnP manager's root bus (a device interface's link
     * names one). */
    for (io_device *dev = m->pnp != NULL ? m->pnp->bus.devices : NULL; dev != NULL;
         dev = dev->next) {
        if (!dev->deleted && strcasecmp(dev->name, name) == 0)
            return dev;
    }
    return NULL;
}

NTSTATUS IoCreateSymbolicLink(ke_call *call, PVOID_VA SymbolicLinkName, PVOID_VA DeviceName)
{
    char name[128], target[128];
    if (!read_name(call, SymbolicLinkName, name, sizeof name) ||
        !read_name(call, DeviceName, target, sizeof target))
        return ke_stopped(call->m) ? STATUS_ACCESS_VIOLATION : STATUS_OBJECT_NAME_INVALID;
    if (name[0] != '\\')
        return STATUS_OBJECT_PATH_SYNTAX_BAD;
    if (io_symbolic_link_target(call->m, name) != NULL)
        return STATUS_OBJECT_NAME_COLLISION;
    io_manager *io = io_of(call->m);
    io_symlink *l = calloc(1, sizeof *l);
    if (l == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    snprintf(l->name, sizeof l->name, "%s", name);
    snprintf(l->target, sizeof l->target, "%s", target);
    /* Appended: links are found in creation order. */
    io_symlink **p = &io->links;
    while (*p != NULL)
        p = &(*p)->next;
    *p = l;
    return STATUS_SUCCESS;
}

bool io_symbolic_link_add(ke_machine *m, const char *name, const char *target)
{
    if (io_symbolic_link_target(m, name) != NULL)
        return false;
    io_manager *io = io_of(m);
    io_symlink *l = calloc(1, sizeof *l);
    if (l == NULL)
        return false;
    snprintf(l->name, sizeof l->name, "%s", name);
    snprintf(l->target, sizeof l->target, "%s", target);
    io_symlink **p = &io->links;
    while (*p != NULL)
        p = &(*p)->next;
    *p = l;
    return true;
}

void io_symbolic_link_remove(ke_machine *m, const char *name)
{
    if (m->io == NULL)
        return;
    for (io_symlink **p = &m->io->links; *p != NULL; p = &(*p)->next) {
        if (strcasecmp((*p)->name, name) == 0) {
            io_symlink *l = *p;
            *p = l->next;
            free(l);
            return;
        }
    }
}

NTSTATUS IoDeleteSymbolicLink(ke_call *call, PVOID_VA SymbolicLinkName)
{
    char name[128];
    if (!read_name(call, SymbolicLinkName, name, sizeof name))
        return ke_stopped(call->m) ? STATUS_ACCESS_VIOLATION : STATUS_OBJECT_NAME_INVALID;
    io_manager *io = io_of(call->m);
    for (io_symlink **p = &io->links; *p != NULL; p = &(*p)->next) {
        if (strcasecmp((*p)->name, name) == 0) {
            io_symlink *l = *p;
            *p = l->next;
            free(l);
            return STATUS_SUCCESS;
        }
    }
    return STATUS_OBJECT_NAME_NOT_FOUND;
}

/* ------------------------------------------------------------------------ */
/* I/O timers                                                               */
/* ------------------------------------------------------------------------ */

/* The device's KTIMER and KDPC, in nonpaged pool after the I/O manager's
 * IO_TIMER header (not modelled). */
static PVOID_VA timer_of(const ke_machine *m, const io_device *dev)
{
    return dev->timer_va;
}

static PVOID_VA timer_dpc_of(const ke_machine *m, const io_device *dev)
{
    return dev->timer_va + ke_types[KE_TYPE_KTIMER].size[m->config.arch];
}

NTSTATUS IoInitializeTimer(ke_call *call, PVOID_VA DeviceObject, uint32_t TimerRoutine,
                           PVOID_VA Context)
{
    ke_machine *m = call->m;
    io_device *dev = io_device_at(m, DeviceObject);
    if (dev == NULL || dev->deleted)
        return STATUS_INVALID_PARAMETER;
    if (dev->timer_va == 0) {
        uint32_t bytes = ke_types[KE_TYPE_KTIMER].size[m->config.arch] +
                         ke_types[KE_TYPE_KDPC].size[m->config.arch];
        dev->timer_va = ex_alloc_internal(m, NonPagedPoolNx, bytes, 0x6D546F49u /* "IoTm" */);
        if (dev->timer_va == 0)
            return STATUS_INSUFFICIENT_RESOURCES;
        ke_call kernel = *call;
        kernel.driver = NULL;
        KeInitializeTimer(&kernel, timer_of(m, dev));
    }
    /* The DPC belongs to the driver: its routine is the driver's. */
    ke_call owner = *call;
    owner.driver = dev->driver;
    KeInitializeDpc(&owner, timer_dpc_of(m, dev), TimerRoutine, Context);
    ke_dpc *d = des_map_get(&m->dpcs, timer_dpc_of(m, dev));
    KE_CHECK(m, d != NULL);
    d->io_timer_device = DeviceObject;
    dev->timer_initialized = true;
    return STATUS_SUCCESS;
}

void IoStartTimer(ke_call *call, PVOID_VA DeviceObject)
{
    ke_machine *m = call->m;
    io_device *dev = io_device_at(m, DeviceObject);
    if (dev == NULL || !dev->timer_initialized || dev->timer_started)
        return;
    ke_call kernel = *call;
    kernel.driver = NULL;
    /* Once a second, at DISPATCH_LEVEL, from the next second on. */
    KeSetTimerEx(&kernel, timer_of(m, dev), -10000000ll, 1000, timer_dpc_of(m, dev));
    dev->timer_started = true;
}

void IoStopTimer(ke_call *call, PVOID_VA DeviceObject)
{
    ke_machine *m = call->m;
    io_device *dev = io_device_at(m, DeviceObject);
    if (dev == NULL || !dev->timer_started)
        return;
    ke_call kernel = *call;
    kernel.driver = NULL;
    KeCancelTimer(&kernel, timer_of(m, dev));
    dev->timer_started = false;
}

void io_device_timer_delete(ke_call *call, io_device *dev)
{
    if (dev->timer_va == 0)
        return;
    ke_call kernel = *call;
    kernel.driver = NULL;
    KeCancelTimer(&kernel, timer_of(call->m, dev));
    KeRemoveQueueDpc(&kernel, timer_dpc_of(call->m, dev));
    free(des_map_remove(&call->m->dpcs, timer_dpc_of(call->m, dev))); /* its record goes */
    ExFreePool(&kernel, dev->timer_va);
    dev->timer_va = 0;
    dev->timer_initialized = false;
    dev->timer_started = false;
}
