/*
 * object.c - the object manager's share: kernel handles and object
 * references. ZwClose, ObReferenceObjectByHandle, ObReferenceObject,
 * ObDereferenceObject.
 *
 * Handles are the kernel handles of the System process (what
 * PsCreateSystemThread gives a driver), numbered from 4 in steps of 4 with
 * the kernel-handle bit set, as Windows does. An object is freed when its
 * last reference goes; a thread object is also held by its running thread.
 */
#include <stdlib.h>

#include "cm/cm.h"
#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "kd/kd.h"
#include "ke/ke.h"
#include "ob/ob.h"

#define STATUS_INVALID_HANDLE ((NTSTATUS)0xC0000008u)

/* The kernel-handle bit of a HANDLE: the top bit, on either architecture. */
static uint64_t kernel_handle_bit(const ke_machine *m)
{
    return m->config.arch == KE_ARCH_X86 ? 0x80000000ull : 0xFFFFFFFF80000000ull;
}

uint64_t ob_create_handle(ke_machine *m, ke_object *o)
{
    uint64_t handle = kernel_handle_bit(m) | (m->next_handle * 4);
    m->next_handle++;
    if (!des_map_put(&m->handles, handle, o))
        ke_panic(m, __FILE__, __LINE__, "out of host memory creating a handle");
    o->references++;
    return handle;
}

ke_object *ob_handle_object(const ke_machine *m, uint64_t handle)
{
    return handle == 0 ? NULL : des_map_get(&m->handles, handle);
}

/* Drops a reference; the last one deletes the object (a thread's, once it
 * has ended: its ETHREAD goes back to the pool). The deleted object's record
 * stays, at count zero, as its header still reads in the freed memory until
 * the memory is reused: a later reference or dereference of it is the bug
 * the verifier (0xC4/0x3F) and the kernel (0x18) report. */
static void release(ke_call *call, ke_object *o)
{
    if (o->references <= 0) {
        /* REFERENCE_BY_POINTER: the count would go below zero. P1 the object
         * type, P2 the object, P3 its handle count, P4 its pointer count. */
        const uint64_t p[4] = {o->type, o->va, 0, (uint64_t)(o->references - 1)};
        kd_raise_full(call, RULE_kob_reference_by_pointer, 0x18, p, NULL, NULL);
        return;
    }
    o->references--;
    if (o->references == 0 && o->type == KE_OBJECT_THREAD &&
        o->thread->state == KE_THREAD_TERMINATED) {
        /* The ETHREAD's memory goes back to the pool; a pointer kept to it
         * now points at freed memory, as on Windows. */
        ke_call kernel = *call;
        kernel.driver = NULL;
        ExFreePool(&kernel, o->va);
    } else if (o->references == 0 && o->type == KE_OBJECT_NOTIFICATION_EVENT) {
        io_event_released(call, o); /* a named event, or nothing to do */
    } else if (o->references == 0 && o->type == KE_OBJECT_KEY) {
        cm_key_object_released(call, o); /* frees o */
    }
}

void ob_thread_ended(ke_machine *m, ke_thread *t)
{
    /* The thread's own reference on its object, taken at creation. Kernel
     * code drops it, in the thread's context, at the thread's IRQL. */
    ke_call call = {.m = m, .exec = &t->exec, .thread = t, .driver = NULL};
    release(&call, t->object);
}

/* ZwClose is kernel-mode code's NtClose (PreviousMode KernelMode): a handle
 * that is not valid there is a bug of the kernel's own side, and NtClose
 * stops the machine, verified or not: INVALID_KERNEL_HANDLE, P1 the handle,
 * P2 = 1 (an invalid handle; 0 would be a protected one, which drvsim does
 * not have), P3 = P4 = 0 (bug-check-0x93--invalid-kernel-handle.md). */
NTSTATUS ZwClose(ke_call *call, uint64_t Handle)
{
    ke_object *o = des_map_remove(&call->m->handles, Handle);
    if (o == NULL) {
        const uint64_t p[4] = {Handle, 1, 0, 0};
        kd_raise_full(call, RULE_kob_close_invalid_handle, 0x93, p, NULL, NULL);
        return STATUS_INVALID_HANDLE;
    }
    release(call, o);
    return STATUS_SUCCESS;
}

NTSTATUS ObReferenceObjectByHandle(ke_call *call, uint64_t Handle, ULONG DesiredAccess,
                                   PVOID_VA ObjectType, ULONG AccessMode, PVOID_VA *Object,
                                   PVOID_VA *HandleInformation)
{
    (void)DesiredAccess; /* kernel handles grant everything to kernel code */
    (void)ObjectType;    /* threads and named events: object types are not checked */
    (void)AccessMode;
    *HandleInformation = 0;
    ke_object *o = ob_handle_object(call->m, Handle);
    if (o == NULL) {
        *Object = 0;
        return STATUS_INVALID_HANDLE;
    }
    o->references++;
    *Object = o->va;
    return STATUS_SUCCESS;
}

void ObReferenceObject(ke_call *call, PVOID_VA Object)
{
    io_device *dev = io_device_at(call->m, Object);
    if (dev != NULL) {
        io_device_reference(dev); /* a device object (IoGetAttachedDeviceReference's kind) */
        return;
    }
    ke_object *o = ke_object_at(call->m, Object);
    if (o != NULL)
        o->references++;
}

void ObDereferenceObject(ke_call *call, PVOID_VA Object)
{
    io_device *dev = io_device_at(call->m, Object);
    if (dev != NULL && dev->references > 0) {
        /* A device object: the last reference of a deleted one frees it. */
        io_device_dereference(call, dev);
        return;
    }
    ke_object *o = ke_object_at(call->m, Object);
    if (o == NULL) {
        /* Not an object (or one already deleted): its header holds no
         * reference to drop. */
        const uint64_t p[4] = {0, Object, 0, 0};
        kd_raise_full(call, RULE_kob_reference_by_pointer, 0x18, p, NULL, NULL);
        return;
    }
    release(call, o);
}
