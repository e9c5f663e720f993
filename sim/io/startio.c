/*
 * startio.c - the I/O manager's StartIo queue: IoStartPacket,
 * IoStartNextPacket, IoStartNextPacketByKey, IoSetStartIoAttributes.
 *
 * A driver that sets DriverObject->DriverStartIo lets the I/O manager
 * serialise its requests: IoStartPacket puts the IRP in the device
 * object's DeviceQueue (Irp->Tail.Overlay.DeviceQueueEntry) at
 * DISPATCH_LEVEL, or, when the device is idle, makes it the device's
 * CurrentIrp and calls the driver's StartIo routine at once; the driver
 * calls IoStartNextPacket(ByKey) when it finishes one, which takes the next
 * IRP off the queue (or marks the device idle) and calls StartIo for it.
 *
 * The cancel routine: with a CancelFunction, IoStartPacket sets it as the
 * IRP's cancel routine under the cancel spin lock, and an IRP found
 * cancelled as it is queued has CancelFunction called at once, with the
 * cancel lock held, as IoCancelIrp would. With Cancelable, IoStartNextPacket
 * takes the next IRP under the cancel spin lock, so that the driver's
 * cancel routine (which compares Irp with CurrentIrp) sees one state or the
 * other. IoSetStartIoAttributes: NonCancelable clears the cancel routine of
 * an IRP as StartIo gets it; DeferredStartIo makes an IoStartNextPacket
 * called inside StartIo wait until that StartIo returns, instead of calling
 * StartIo again recursively (Windows keeps the flags and the count in the
 * device's DEVOBJ_EXTENSION; drvsim in its device record).
 *
 * StartIo and the cancel routine run as callouts (KE_CALLOUT_STARTIO):
 * io_startio_callout_end lowers the IRQL IoStartPacket raised and starts a
 * deferred next packet.
 */
#include "ddi_table.h"
#include "io/io.h"
#include "ke/types.h"
#include "mm/mm.h"

/* What a StartIo callout's end does. */
enum startio_step {
    STEP_STARTIO_PACKET = 1, /* StartIo from IoStartPacket: lower the IRQL */
    STEP_STARTIO_NEXT,       /* StartIo from IoStartNextPacket(ByKey) */
    STEP_CANCEL_PACKET,      /* CancelFunction from IoStartPacket: lower the IRQL */
};

static PVOID_VA device_queue(const ke_machine *m, PVOID_VA DeviceObject)
{
    return DeviceObject + KE_FIELD(DEVICE_OBJECT, DeviceQueue)->offset[m->config.arch];
}

static PVOID_VA queue_entry(const ke_machine *m, PVOID_VA Irp)
{
    ke_arch arch = m->config.arch;
    return Irp + KE_FIELD(IRP, Tail)->offset[arch] +
           KE_FIELD(IRP_TAIL_OVERLAY, DeviceQueueEntry)->offset[arch];
}

/* The driver's StartIo (DriverObject->DriverStartIo, as its memory holds
 * it) called for Irp, the IRQL to return to in `old` when IoStartPacket
 * raised it. */
static void call_startio(ke_call *call, io_device *dev, PVOID_VA Irp, enum startio_step step,
                         KIRQL old)
{
    ke_machine *m = call->m;
    ke_call kernel = *call;
    kernel.driver = NULL;
    uint64_t driver_object = 0, token = 0;
    ke_field_get(&kernel, dev->va, KE_FIELD(DEVICE_OBJECT, DriverObject), &driver_object);
    ke_field_get(&kernel, driver_object, KE_FIELD(DRIVER_OBJECT, DriverStartIo), &token);
    io_driver *d = NULL;
    io_routine r = io_routine_of_token(m, token, &d);
    if (r == 0) {
        /* No StartIo: Windows calls through the NULL pointer and faults;
         * drvsim raises the fault as the kernel's access to address 0. */
        uint8_t byte = 0;
        mm_access(&kernel, token, &byte, 1, false);
        return;
    }
    ke_callout *c = io_push_callout(call, KE_CALLOUT_STARTIO);
    if (c == NULL)
        return; /* the machine stopped */
    if (dev->startio_deferred) {
        dev->startio_running++;
        c->result = 1; /* counted in startio_running: its end uncounts it */
    }
    c->routine = r;
    c->driver = d;
    c->name = "StartIo";
    c->args[0] = dev->va;
    c->arg_types[0] = KE_TYPE_DEVICE_OBJECT;
    c->args[1] = Irp;
    c->arg_types[1] = KE_TYPE_IRP;
    c->argc = 2;
    c->irp = Irp;
    c->device = dev->va;
    c->step = (uint8_t)step;
    c->old_irql = old;
}

/*
 * IopStartNextPacket(ByKey): under the cancel lock when Cancelable, the
 * device's next IRP (or none) becomes its CurrentIrp and StartIo is called
 * for it. False when the processor must spin (the call is made again).
 */
static bool start_next(ke_call *call, io_device *dev, bool Cancelable, bool by_key, ULONG Key)
{
    ke_machine *m = call->m;
    ke_call kernel = *call;
    kernel.driver = NULL;
    KIRQL cancel_irql = 0;
    if (Cancelable) {
        IoAcquireCancelSpinLock(&kernel, &cancel_irql);
        if (kernel.spin) {
            call->spin = true;
            return false;
        }
    }
    ke_field_set(&kernel, dev->va, KE_FIELD(DEVICE_OBJECT, CurrentIrp), 0);
    PVOID_VA entry = 0;
    if (!ke_device_queue_remove(&kernel, device_queue(m, dev->va), by_key, Key, &entry)) {
        if (Cancelable)
            IoReleaseCancelSpinLock(&kernel, cancel_irql);
        call->spin = kernel.spin;
        return false;
    }
    PVOID_VA Irp = 0;
    if (entry != 0) {
        Irp = entry - queue_entry(m, 0); /* CONTAINING_RECORD */
        ke_field_set(&kernel, dev->va, KE_FIELD(DEVICE_OBJECT, CurrentIrp), Irp);
        if (Cancelable && dev->startio_noncancelable)
            ke_field_set(&kernel, Irp, KE_FIELD(IRP, CancelRoutine), 0);
    }
    if (Cancelable)
        IoReleaseCancelSpinLock(&kernel, cancel_irql);
    if (Irp != 0)
        call_startio(call, dev, Irp, STEP_STARTIO_NEXT, 0);
    return true;
}

static io_device *device_of(ke_call *call, PVOID_VA DeviceObject)
{
    uint64_t type = 0;
    if (!ke_field_get(call, DeviceObject, KE_FIELD(DEVICE_OBJECT, Type), &type))
        return NULL; /* the read faulted */
    return io_device_at(call->m, DeviceObject);
}

void IoStartPacket(ke_call *call, PVOID_VA DeviceObject, PVOID_VA Irp, PVOID_VA Key,
                   uint32_t CancelFunction)
{
    ke_machine *m = call->m;
    io_device *dev = device_of(call, DeviceObject);
    if (dev == NULL)
        return;
    uint64_t key = 0;
    if (Key != 0 && !mm_access(call, Key, &key, 4, false))
        return;
    ke_call kernel = *call;
    kernel.driver = NULL;
    /* KeRaiseIrql(DISPATCH_LEVEL); with a cancel routine, the cancel spin
     * lock (which raises as it takes). */
    KIRQL old = ke_call_irql(call), cancel_irql = DISPATCH_LEVEL;
    uint64_t cancel_token = CancelFunction != 0 && call->driver != NULL
                                ? io_routine_token(call->driver, CancelFunction)
                                : 0;
    if (cancel_token != 0) {
        IoAcquireCancelSpinLock(&kernel, &old);
        if (kernel.spin) {
            call->spin = true;
            return;
        }
        ke_field_set(&kernel, Irp, KE_FIELD(IRP, CancelRoutine), cancel_token);
    } else if (old < DISPATCH_LEVEL) {
        ke_set_irql(call, DISPATCH_LEVEL);
    }
    bool inserted = false;
    if (!ke_device_queue_insert(&kernel, device_queue(m, DeviceObject), queue_entry(m, Irp),
                                Key != 0, (ULONG)key, &inserted)) {
        if (cancel_token != 0)
            IoReleaseCancelSpinLock(&kernel, old);
        else
            ke_set_irql(call, old);
        call->spin = kernel.spin;
        return;
    }
    if (!inserted) {
        /* The device was idle: this IRP is its current one, now. */
        ke_field_set(&kernel, DeviceObject, KE_FIELD(DEVICE_OBJECT, CurrentIrp), Irp);
        if (cancel_token != 0) {
            if (dev->startio_noncancelable)
                ke_field_set(&kernel, Irp, KE_FIELD(IRP, CancelRoutine), 0);
            IoReleaseCancelSpinLock(&kernel, cancel_irql);
        }
        call_startio(call, dev, Irp, STEP_STARTIO_PACKET, old);
        if (!call->callout)
            ke_set_irql(call, old);
        return;
    }
    /* Queued. Cancelled meanwhile: the cancel routine runs now, with the
     * cancel lock held, as IoCancelIrp would have run it. */
    uint64_t cancelled = 0;
    if (cancel_token != 0)
        ke_field_get(&kernel, Irp, KE_FIELD(IRP, Cancel), &cancelled);
    if (cancelled != 0) {
        ke_field_set(&kernel, Irp, KE_FIELD(IRP, CancelIrql), cancel_irql);
        ke_field_set(&kernel, Irp, KE_FIELD(IRP, CancelRoutine), 0);
        ke_callout *c = io_push_callout(call, KE_CALLOUT_STARTIO);
        if (c == NULL)
            return; /* the machine stopped */
        c->routine = CancelFunction;
        c->driver = call->driver;
        c->name = "CancelRoutine";
        c->args[0] = DeviceObject;
        c->arg_types[0] = KE_TYPE_DEVICE_OBJECT;
        c->args[1] = Irp;
        c->arg_types[1] = KE_TYPE_IRP;
        c->argc = 2;
        c->irp = Irp;
        c->device = DeviceObject;
        c->step = STEP_CANCEL_PACKET;
        c->old_irql = old;
        return;
    }
    if (cancel_token != 0)
        IoReleaseCancelSpinLock(&kernel, cancel_irql);
    ke_set_irql(call, old); /* KeLowerIrql(oldIrql) */
}

static void start_next_packet(ke_call *call, PVOID_VA DeviceObject, bool Cancelable, bool by_key,
                              ULONG Key)
{
    io_device *dev = device_of(call, DeviceObject);
    if (dev == NULL)
        return;
    if (dev->startio_deferred && dev->startio_running > 0) {
        /* Inside StartIo: the next packet starts when it returns. */
        dev->next_pending = true;
        dev->next_cancelable = Cancelable;
        dev->next_by_key = by_key;
        dev->next_key = Key;
        return;
    }
    start_next(call, dev, Cancelable, by_key, Key);
}

void IoStartNextPacket(ke_call *call, PVOID_VA DeviceObject, bool Cancelable)
{
    start_next_packet(call, DeviceObject, Cancelable, false, 0);
}

void IoStartNextPacketByKey(ke_call *call, PVOID_VA DeviceObject, bool Cancelable, ULONG Key)
{
    start_next_packet(call, DeviceObject, Cancelable, true, Key);
}

void IoSetStartIoAttributes(ke_call *call, PVOID_VA DeviceObject, bool DeferredStartIo,
                            bool NonCancelable)
{
    io_device *dev = device_of(call, DeviceObject);
    if (dev == NULL)
        return;
    /* The flags only accumulate, as Windows ORs them into StartIoFlags. */
    dev->startio_deferred |= DeferredStartIo;
    dev->startio_noncancelable |= NonCancelable;
}

uint64_t io_startio_callout_end(ke_call *call, const ke_callout *c)
{
    ke_machine *m = call->m;
    if (ke_stopped(m))
        return 0;
    io_device *dev = io_device_at(m, c->device);
    if (c->step != STEP_CANCEL_PACKET && dev != NULL && c->result == 1) {
        KE_CHECK(m, dev->startio_running > 0);
        dev->startio_running--;
        if (dev->next_pending && dev->startio_running == 0) {
            /* The IoStartNextPacket StartIo made, deferred until now. */
            dev->next_pending = false;
            if (!start_next(call, dev, dev->next_cancelable, dev->next_by_key, dev->next_key)) {
                /* Another processor holds a lock: try again later. drvsim
                 * does not spin a callout's end; the start stays pending. */
                call->spin = false;
                dev->next_pending = true;
            }
            if (call->callout) {
                /* The next StartIo returns to the same place. */
                ke_callout *next = &call->exec->callouts[call->exec->callout_count - 1];
                next->step = c->step;
                next->old_irql = c->old_irql;
                return 0;
            }
        }
    }
    if (c->step == STEP_STARTIO_PACKET || c->step == STEP_CANCEL_PACKET)
        ke_set_irql(call, c->old_irql); /* KeLowerIrql(oldIrql) */
    return 0;
}
