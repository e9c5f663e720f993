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
#include "mm/mm.h"
#include "ob/ob.h"
#include "ps/ps.h"


#define STATUS_HANDLE_NOT_CLOSABLE ((NTSTATUS)0xC0000235u)

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
    } else if (o->references == 0 && o->ob_created) {
        ob_object_deleted(call, o); /* an application's event: its memory goes */
    } else if (o->references == 0 && o->type == KE_OBJECT_NOTIFICATION_EVENT) {
        io_event_released(call, o); /* a named event, or nothing to do */
    } else if (o->references == 0 && o->type == KE_OBJECT_KEY) {
        cm_key_object_released(call, o); /* frees o */
    } else if (o->references == 0 && o->type == KE_OBJECT_FILE) {
        io_fs_file_released(call, o); /* frees o */
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
/*
 * ZwClose from kernel mode: an invalid handle is 0x93 (P2 1), and so is a
 * handle protected from close (P2 0): ObSetHandleAttributes set
 * ProtectFromClose on it, and only a caller that clears the flag first may
 * close it (bug-check-0x93--invalid-kernel-handle.md).
 */
NTSTATUS ZwClose(ke_call *call, uint64_t Handle)
{
    if (des_map_get(&call->m->protected_handles, Handle) != NULL) {
        const uint64_t p[4] = {Handle, 0, 0, 0};
        kd_raise_full(call, RULE_kob_close_protected_handle, 0x93, p, NULL, NULL);
        return STATUS_HANDLE_NOT_CLOSABLE;
    }
    ke_object *o = des_map_remove(&call->m->handles, Handle);
    if (o == NULL) {
        const uint64_t p[4] = {Handle, 1, 0, 0};
        kd_raise_full(call, RULE_kob_close_invalid_handle, 0x93, p, NULL, NULL);
        return STATUS_INVALID_HANDLE;
    }
    if (o->type == KE_OBJECT_FILE)
        io_fs_cleanup(call, o); /* the handle's close is the file's cleanup */
    release(call, o);
    return STATUS_SUCCESS;
}

/*
 * ObSetHandleAttributes (ntifs.h): sets a kernel handle's
 * OBJECT_HANDLE_FLAG_INFORMATION, { BOOLEAN Inherit; BOOLEAN
 * ProtectFromClose; }. Kernel handles are never inherited, so Inherit only
 * has to be valid; ProtectFromClose makes ZwClose refuse the handle (0x93,
 * P2 0, from kernel mode) until it is cleared again. A handle that is not
 * one of the kernel's is STATUS_INVALID_HANDLE.
 */
NTSTATUS ObSetHandleAttributes(ke_call *call, uint64_t Handle, PVOID_VA HandleFlags,
                               ULONG PreviousMode)
{
    (void)PreviousMode; /* the caller's mode: a kernel handle is checked as one */
    ke_object *o = ob_handle_object(call->m, Handle);
    if (o == NULL)
        return STATUS_INVALID_HANDLE;
    uint8_t flags[2];
    if (!mm_access(call, HandleFlags, flags, sizeof flags, false))
        return STATUS_ACCESS_VIOLATION;
    if (flags[1] != 0) {
        if (!des_map_put(&call->m->protected_handles, Handle, o))
            ke_panic(call->m, __FILE__, __LINE__, "out of host memory protecting a handle");
    } else {
        des_map_remove(&call->m->protected_handles, Handle);
    }
    return STATUS_SUCCESS;
}

/* NtCurrentProcess() and NtCurrentThread(): the pseudo-handles. */
#define OB_CURRENT_PROCESS_HANDLE 0xFFFFFFFFFFFFFFFFull
#define OB_CURRENT_THREAD_HANDLE  0xFFFFFFFFFFFFFFFEull

bool ob_is_pseudo_handle(const ke_machine *m, uint64_t handle)
{
    uint64_t mask = m->config.arch == KE_ARCH_X86 ? 0xFFFFFFFFull : ~0ull;
    return (handle & mask) == (OB_CURRENT_PROCESS_HANDLE & mask) ||
           (handle & mask) == (OB_CURRENT_THREAD_HANDLE & mask);
}

bool ob_is_kernel_handle(const ke_machine *m, uint64_t handle)
{
    uint64_t kbit = kernel_handle_bit(m);
    return (handle & kbit) == kbit && !ob_is_pseudo_handle(m, handle);
}

/*
 * ObReferenceObjectByHandle: the object a handle names, referenced. A
 * kernel handle (its top bit set) is valid in KernelMode only: UserMode
 * never reaches the kernel's table. Other handles are the current
 * process's (an application's: CreateFile, CreateEvent, OpenProcess, or a
 * driver's ObOpenObjectByPointer in that context), and the pseudo-handles
 * name the current process and thread. ObjectType, when not NULL, must be
 * the object's (STATUS_OBJECT_TYPE_MISMATCH); in UserMode the handle must
 * have been granted DesiredAccess (STATUS_ACCESS_DENIED). *HandleInformation
 * is the access the handle grants (every right for a kernel handle).
 */
NTSTATUS ObReferenceObjectByHandle(ke_call *call, uint64_t Handle, ULONG DesiredAccess,
                                   PVOID_VA ObjectType, ULONG AccessMode, PVOID_VA *Object,
                                   PVOID_VA *HandleInformation)
{
    ke_machine *m = call->m;
    *Object = 0;
    *HandleInformation = 0;
    ob_type_id type = OB_TYPE_NONE;
    PVOID_VA object = 0;
    ULONG granted = 0;
    uint64_t mask = m->config.arch == KE_ARCH_X86 ? 0xFFFFFFFFull : ~0ull;
    uint64_t kbit = kernel_handle_bit(m);
    if ((Handle & mask) == (OB_CURRENT_PROCESS_HANDLE & mask)) {
        type = OB_TYPE_PROCESS;
        object = call->thread->process->eprocess;
        granted = ob_map_access(type, OB_GENERIC_ALL);
    } else if ((Handle & mask) == (OB_CURRENT_THREAD_HANDLE & mask)) {
        type = OB_TYPE_THREAD;
        object = call->thread->object->va;
        granted = ob_map_access(type, OB_GENERIC_ALL);
    } else if ((Handle & kbit) == kbit) {
        ke_object *o = AccessMode == OB_KERNEL_MODE ? ob_handle_object(m, Handle) : NULL;
        if (o == NULL)
            return STATUS_INVALID_HANDLE;
        object = o->va;
        type = ob_object_type(m, object);
        granted = ob_map_access(type, OB_GENERIC_ALL);
    } else if (!ob_user_handle_lookup(m, call->thread->process, Handle, &type, &object,
                                      &granted)) {
        /* An application's open file: the I/O manager's handles. */
        io_file *f = io_file_of_handle(m, Handle);
        if (f == NULL || f->process != call->thread->process)
            return STATUS_INVALID_HANDLE;
        type = OB_TYPE_FILE;
        object = f->file_object;
        granted = ob_map_access(type, OB_GENERIC_ALL);
    }
    if (ObjectType != 0 && ob_type_at(m->config.arch, ObjectType) != type)
        return STATUS_OBJECT_TYPE_MISMATCH;
    if (AccessMode != OB_KERNEL_MODE && (ob_map_access(type, DesiredAccess) & ~granted) != 0)
        return STATUS_ACCESS_DENIED;
    ob_reference(call, object);
    *Object = object;
    *HandleInformation = granted;
    return STATUS_SUCCESS;
}

void ObReferenceObject(ke_call *call, PVOID_VA Object)
{
    ps_process *p = ps_process_at(call->m, Object);
    if (p != NULL) {
        p->references++; /* a process: its object outlives its threads */
        return;
    }
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
    ps_process *p = ps_process_at(call->m, Object);
    if (p != NULL) {
        /* A process: drvsim counts the references drivers and handles took;
         * dropping one more than they did would free the kernel's own. */
        if (p->references <= 0) {
            const uint64_t params[4] = {ob_type_va(call->m->config.arch, OB_TYPE_PROCESS),
                                        Object, 0, (uint64_t)(p->references - 1)};
            kd_raise_full(call, RULE_kob_reference_by_pointer, 0x18, params, NULL, NULL);
            return;
        }
        p->references--;
        return;
    }
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
        const uint64_t params[4] = {0, Object, 0, 0};
        kd_raise_full(call, RULE_kob_reference_by_pointer, 0x18, params, NULL, NULL);
        return;
    }
    release(call, o);
}
