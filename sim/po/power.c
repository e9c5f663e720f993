/*
 * power.c - the power manager.
 *
 * Device power IRPs: PoRequestPowerIrp builds an IRP_MJ_POWER request
 * (IRP_MN_SET_POWER, IRP_MN_QUERY_POWER with Parameters.Power.Type
 * DevicePowerState, or IRP_MN_WAIT_WAKE), Irp->IoStatus.Status
 * STATUS_NOT_SUPPORTED, and sends it to the top of the stack holding the
 * device, as Windows does; it returns STATUS_PENDING. When the IRP's
 * completion reaches the top, the requester's PREQUEST_POWER_COMPLETE runs
 * (DeviceObject, MinorFunction, PowerState, Context, IoStatus) and the IRP
 * is freed: the usual power policy owner's pattern of an S-IRP pended until
 * the D-IRP it requested completes.
 *
 * System transitions (SetSystemPowerState, lua/pnp.c): every started device
 * gets IRP_MN_QUERY_POWER for the new S-state (none for shutdown or a return
 * to S0), then IRP_MN_SET_POWER; sleeping, in the reverse of their arrival,
 * waking in arrival order. A veto of the query (its failure, returned) is
 * followed by IRP_MN_SET_POWER for the working state S0 to the devices
 * queried, as the power manager cancels a query. The S-IRPs are sent at
 * PASSIVE_LEVEL from the harness thread (Windows sends them from its power
 * worker thread; a stack without DO_POWER_PAGABLE may get its power IRPs at
 * DISPATCH_LEVEL on Windows, which drvsim does not do). Windows Vista and
 * later need no PoStartNextPowerIrp: it exists and does nothing.
 *
 * A device power IRP requested above PASSIVE_LEVEL (a power policy owner's
 * S-IRP completion routine runs at DISPATCH_LEVEL when the S-IRP completed
 * there) for a stack whose top has DO_POWER_PAGABLE is not sent from the
 * requester's context: the power manager queues it to a system worker
 * thread, which sends it at PASSIVE_LEVEL, as Windows' power IRP worker
 * does, so the stack's DispatchPower routines run at the IRQL their flag
 * asks for. The request holds the top device until the IRP completes.
 *
 * Idle detection keeps the counter PoSetDeviceBusy clears; the idle
 * timeouts do not send IRPs (no idle timer runs in drvsim).
 */
#include <stdlib.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "ex/work.h"
#include "ke/types.h"
#include "mm/mm.h"
#include "po/po.h"

#define PO_POOL_TAG                0x6F507750u /* "PwPo" */
#define STATUS_INVALID_PARAMETER_2 ((NTSTATUS)0xC00000F0u)

typedef struct po_idle {
    PVOID_VA device, counter;
    struct po_idle *next;
} po_idle;

static po_manager *po_of(ke_machine *m)
{
    if (m->po == NULL) {
        m->po = calloc(1, sizeof *m->po);
        if (m->po == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory creating the power manager");
        m->po->system_state = PowerSystemWorking;
    }
    return m->po;
}

static void set(ke_machine *m, PVOID_VA va, const ke_field *f, uint64_t v)
{
    ke_arch arch = m->config.arch;
    mm_poke(m->mm, va + f->offset[arch], &v, ke_field_size(arch, f));
}

/* The worker thread's half of a request made above PASSIVE_LEVEL. */
static void send_passive(ke_call *call, void *context)
{
    po_request *r = context;
    IoCallDriver(call, r->top, r->irp);
}

NTSTATUS PoRequestPowerIrp(ke_call *call, PVOID_VA DeviceObject, uint8_t MinorFunction,
                           ULONG PowerState, uint32_t CompletionFunction, PVOID_VA Context,
                           PVOID_VA Irp)
{
    ke_machine *m = call->m;
    io_device *dev = io_device_at(m, DeviceObject);
    if (dev == NULL || dev->deleted)
        return STATUS_INVALID_PARAMETER;
    if (MinorFunction != IRP_MN_SET_POWER && MinorFunction != IRP_MN_QUERY_POWER &&
        MinorFunction != IRP_MN_WAIT_WAKE)
        return STATUS_INVALID_PARAMETER_2;
    io_device *top = io_attached_top(dev);
    ke_call kernel = *call;
    kernel.driver = NULL;
    uint64_t stack = 0;
    mm_peek(m->mm, top->va + KE_FIELD(DEVICE_OBJECT, StackSize)->offset[m->config.arch], &stack, 1);
    po_request *r = calloc(1, sizeof *r);
    PVOID_VA va = r != NULL ? io_irp_create(&kernel, (uint8_t)stack, IO_IRP_POWER, NULL) : 0;
    if (va == 0) {
        free(r);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    ke_arch arch = m->config.arch;
    PVOID_VA iosb = va + KE_FIELD(IRP, IoStatus)->offset[arch];
    set(m, iosb, KE_FIELD(IO_STATUS_BLOCK, Status), (uint32_t)STATUS_NOT_SUPPORTED);
    PVOID_VA sl = IoGetNextIrpStackLocation(&kernel, va);
    set(m, sl, KE_FIELD(IO_STACK_LOCATION, MajorFunction), IRP_MJ_POWER);
    set(m, sl, KE_FIELD(IO_STACK_LOCATION, MinorFunction), MinorFunction);
    PVOID_VA p = sl + KE_FIELD(IO_STACK_LOCATION, Parameters)->offset[arch];
    if (MinorFunction == IRP_MN_WAIT_WAKE) {
        set(m, p, KE_FIELD(IO_PARAMETERS_QUERY_ID, PowerState), PowerState);
    } else {
        set(m, p, KE_FIELD(IO_PARAMETERS_POWER, Type), DevicePowerState);
        PVOID_VA state = p + KE_FIELD(IO_PARAMETERS_POWER, State)->offset[arch];
        set(m, state, KE_FIELD(POWER_STATE, DeviceState), PowerState);
    }
    r->irp = va;
    r->device = DeviceObject;
    r->minor = MinorFunction;
    r->state = PowerState;
    r->routine = CompletionFunction; /* a routine of the calling driver */
    r->driver = call->driver;
    r->context = Context;
    po_manager *po = po_of(m);
    r->next = po->requests;
    po->requests = r;
    if (Irp != 0) {
        /* The optional PIRP *Irp: the caller's variable gets the IRP. */
        uint32_t bytes = arch == KE_ARCH_X86 ? 4u : 8u;
        if (!mm_access(call, Irp, &va, bytes, true))
            return STATUS_ACCESS_VIOLATION;
    }
    uint64_t flags = 0;
    mm_peek(m->mm, top->va + KE_FIELD(DEVICE_OBJECT, Flags)->offset[arch], &flags, 4);
    if (ke_call_irql(call) > PASSIVE_LEVEL && (flags & DO_POWER_PAGABLE) != 0) {
        r->top = top->va;
        if (!ex_queue_kernel_work(&kernel, send_passive, r, CriticalWorkQueue, PO_POOL_TAG)) {
            /* No pool for the work item: the request fails whole. */
            po->requests = r->next;
            free(r);
            io_irp *irp = io_irp_at(m, va);
            if (irp != NULL)
                io_irp_free(&kernel, irp);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        io_device_reference(top);
        return STATUS_PENDING;
    }
    IoCallDriver(call, top->va, va);
    if (call->callout) {
        /* The request's own result is STATUS_PENDING, whatever the stack
         * returns: the dispatch callout or the completion chain it began
         * carries it (io_callout_end). */
        ke_callout *c = &call->exec->callouts[call->exec->callout_count - 1];
        if (c->kind == KE_CALLOUT_DISPATCH)
            c->step = IO_STEP_PO_REQUEST;
        else
            c->result = (uint32_t)STATUS_PENDING;
    }
    return STATUS_PENDING;
}

static po_request *request_of(ke_machine *m, PVOID_VA irp, bool unlink)
{
    if (m->po == NULL)
        return NULL;
    for (po_request **p = &m->po->requests; *p != NULL; p = &(*p)->next) {
        if ((*p)->irp == irp) {
            po_request *r = *p;
            if (unlink)
                *p = r->next;
            return r;
        }
    }
    return NULL;
}

static void release(ke_call *call, io_irp *irp)
{
    po_request *r = request_of(call->m, irp->va, true);
    io_device *top = r != NULL && r->top != 0 ? io_device_at(call->m, r->top) : NULL;
    free(r);
    if (top != NULL) {
        ke_call kernel = *call;
        kernel.driver = NULL;
        io_device_dereference(&kernel, top); /* the reference a deferred send held */
    }
    irp->completing = false;
    if (irp->dispatching == 0)
        io_irp_free(call, irp); /* else when its dispatch routine returns */
}

void po_request_completed(ke_call *call, io_irp *irp, uint64_t result)
{
    po_request *r = request_of(call->m, irp->va, false);
    if (r == NULL || r->routine == 0) {
        release(call, irp);
        return;
    }
    ke_callout *c = io_push_callout(call, KE_CALLOUT_POWER_COMPLETE);
    if (c == NULL)
        return;             /* the machine stopped */
    irp->completing = true; /* the IRP stays for the callback */
    c->routine = r->routine;
    c->driver = r->driver;
    c->name = "PowerCompletion";
    c->args[0] = r->device;
    c->arg_types[0] = KE_TYPE_DEVICE_OBJECT;
    c->args[1] = r->minor;
    c->arg_types[1] = KE_ARG_INTEGER;
    c->args[2] = r->state;
    c->arg_types[2] = KE_ARG_INTEGER;
    c->args[3] = r->context;
    c->args[4] = irp->va + KE_FIELD(IRP, IoStatus)->offset[call->m->config.arch];
    c->arg_types[4] = KE_TYPE_IO_STATUS_BLOCK;
    c->argc = 5;
    c->returns = KE_RETURNS_NOTHING;
    c->irp = irp->va;
    c->result = result;
}

uint64_t po_callout_end(ke_call *call, const ke_callout *c)
{
    io_irp *irp = io_irp_at(call->m, c->irp);
    if (irp != NULL && !ke_stopped(call->m))
        release(call, irp);
    return c->result;
}

ULONG PoSetPowerState(ke_call *call, PVOID_VA DeviceObject, ULONG Type, ULONG State)
{
    io_device *dev = io_device_at(call->m, DeviceObject);
    if (dev == NULL)
        return 0;
    /* The previous state; a device starts in D0, the system in S0. */
    if (Type == SystemPowerState)
        return po_of(call->m)->system_state;
    ULONG old = dev->power_state != 0 ? dev->power_state : PowerDeviceD0;
    dev->power_state = (uint8_t)State;
    return old;
}

PVOID_VA PoRegisterSystemState(ke_call *call, PVOID_VA StateHandle, ULONG Flags)
{
    (void)Flags;
    if (StateHandle != 0)
        return StateHandle; /* the flags of an existing registration change */
    PVOID_VA h = ex_alloc_internal(call->m, NonPagedPoolNx, 16, PO_POOL_TAG);
    if (h != 0)
        mm_fill(call->m->mm, h, 16, 0);
    return h;
}

void PoUnregisterSystemState(ke_call *call, PVOID_VA StateHandle)
{
    ke_call kernel = *call;
    kernel.driver = NULL;
    if (StateHandle != 0)
        ExFreePool(&kernel, StateHandle);
}

void PoSetSystemState(ke_call *call, ULONG Flags)
{
    (void)call;
    (void)Flags; /* ES_SYSTEM_REQUIRED and friends: no idle timer to reset */
}

PVOID_VA PoRegisterDeviceForIdleDetection(ke_call *call, PVOID_VA DeviceObject,
                                          ULONG ConservationIdleTime, ULONG PerformanceIdleTime,
                                          ULONG State)
{
    (void)State;
    ke_machine *m = call->m;
    po_manager *po = po_of(m);
    po_idle **slot = (po_idle **)&po->idle;
    for (po_idle **p = slot; *p != NULL; p = &(*p)->next) {
        if ((*p)->device == DeviceObject) {
            if (ConservationIdleTime == 0 && PerformanceIdleTime == 0) {
                po_idle *i = *p;
                *p = i->next;
                ke_call kernel = *call;
                kernel.driver = NULL;
                ExFreePool(&kernel, i->counter);
                free(i);
                return 0; /* unregistered */
            }
            return (*p)->counter;
        }
    }
    if (ConservationIdleTime == 0 && PerformanceIdleTime == 0)
        return 0;
    po_idle *i = calloc(1, sizeof *i);
    PVOID_VA counter = i != NULL ? ex_alloc_internal(m, NonPagedPoolNx, 4, PO_POOL_TAG) : 0;
    if (counter == 0) {
        free(i);
        return 0;
    }
    mm_fill(m->mm, counter, 4, 0);
    i->device = DeviceObject;
    i->counter = counter;
    i->next = *slot;
    *slot = i;
    return counter;
}

void PoSetDeviceBusy(ke_call *call, PVOID_VA IdlePointer)
{
    uint32_t zero = 0;
    mm_access(call, IdlePointer, &zero, 4, true); /* the WDK macro: *IdlePointer = 0 */
}

/* ------------------------------------------------------------------------ */
/* System transitions                                                       */
/* ------------------------------------------------------------------------ */

NTSTATUS po_system_begin(ke_machine *m, uint32_t state)
{
    if (state < PowerSystemWorking || state > PowerSystemShutdown)
        return STATUS_INVALID_PARAMETER;
    po_manager *po = po_of(m);
    po->target = state;
    /* No query before shutdown or the return to S0. */
    po->pass = state == PowerSystemWorking || state == PowerSystemShutdown ? 1u : 0u;
    po->cursor = 0;
    po->queried = 0;
    po->status = STATUS_SUCCESS;
    return STATUS_SUCCESS;
}

/* The started nodes in the order of a pass: arrival order when waking,
 * the reverse when going to sleep. */
static io_devnode *nth_started(ke_machine *m, uint32_t n, bool reverse)
{
    uint32_t count = 0;
    for (io_devnode *d = m->pnp != NULL ? m->pnp->nodes : NULL; d != NULL; d = d->next)
        count += d->state == PNP_STATE_STARTED;
    if (n >= count)
        return NULL;
    uint32_t want = reverse ? count - 1 - n : n, i = 0;
    for (io_devnode *d = m->pnp->nodes; d != NULL; d = d->next) {
        if (d->state == PNP_STATE_STARTED && i++ == want)
            return d;
    }
    return NULL;
}

io_devnode *po_system_next(ke_machine *m, pnp_op *op, uint32_t *arg, NTSTATUS last,
                           NTSTATUS *status)
{
    po_manager *po = po_of(m);
    bool sleeping = po->target != PowerSystemWorking;
    if (po->cursor > 0 && !NT_SUCCESS(last) && po->pass == 0) {
        /* A veto: the devices queried get S0 back. */
        po->status = last;
        po->queried = po->cursor; /* the vetoing device too */
        po->pass = 2;
        po->cursor = 0;
    }
    for (;;) {
        if (po->pass == 2) {
            if (po->cursor >= po->queried)
                break;
            io_devnode *n = nth_started(m, po->cursor++, true);
            *op = PNP_OP_POWER_SET;
            *arg = PowerSystemWorking;
            return n;
        }
        io_devnode *n = nth_started(m, po->cursor, sleeping);
        if (n == NULL) {
            if (po->pass == 0) {
                po->pass = 1;
                po->cursor = 0;
                continue;
            }
            po->system_state = po->target; /* every device set */
            break;
        }
        po->cursor++;
        *op = po->pass == 0 ? PNP_OP_POWER_QUERY : PNP_OP_POWER_SET;
        *arg = po->target;
        return n;
    }
    *status = po->status;
    return NULL;
}

void po_destroy(ke_machine *m)
{
    if (m->po == NULL)
        return;
    for (po_request *r = m->po->requests; r != NULL;) {
        po_request *next = r->next;
        free(r);
        r = next;
    }
    for (po_idle *i = m->po->idle; i != NULL;) {
        po_idle *next = i->next;
        free(i);
        i = next;
    }
    free(m->po);
    m->po = NULL;
}
