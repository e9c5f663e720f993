/*
 * device.c - device objects: IoCreateDevice, IoDeleteDevice.
 *
 * A DEVICE_OBJECT lives in nonpaged pool with its device extension right
 * after it, as the I/O manager lays them out; the fields drivers read are
 * at their wdm.h offsets (ke/types.h). Each device object references its
 * DRIVER_OBJECT, so a driver's image stays until its last device object is
 * gone: IoDeleteDevice drops the creation reference, and a device that a
 * queued work item still references is freed when the item has run.
 *
 * Precondition of both DDIs (WDK): PASSIVE_LEVEL for IoCreateDevice, <=
 * APC_LEVEL for IoDeleteDevice; Driver Verifier checks those only with DDI
 * compliance checking, which drvsim does not simulate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "io/wmi.h"
#include "kd/kd.h"
#include "ke/types.h"
#include "mm/mm.h"

#define DEVICE_POOL_TAG IO_DEVICE_POOL_TAG
/* DEVOBJ_EXTENSION: the I/O manager's own part, after the extension. Only
 * its header (Type, Size, DeviceObject) is modelled. */
#define IO_TYPE_DEVICE_OBJECT_EXTENSION 13
#define DEVOBJ_EXTENSION_BYTES_X64      0x10u
#define DEVOBJ_EXTENSION_BYTES_X86      0x8u

io_device *io_device_at(const ke_machine *m, PVOID_VA va)
{
    return des_map_get(&m->devices, va);
}

/* The name in a UNICODE_STRING as ASCII (a character above 0x7E as '?'),
 * read as the caller's own loads. False when it faulted or is too long. */
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

/* Whether a live device object has this name (object names are case
 * insensitive). Every driver's devices, in registration order. */
static bool name_taken(const ke_machine *m, const char *name)
{
    for (uint32_t i = 0; i < m->driver_count; i++) {
        for (const io_device *dev = m->drivers[i]->devices; dev != NULL; dev = dev->next) {
            if (!dev->deleted && strcasecmp(dev->name, name) == 0)
                return true;
        }
    }
    return false;
}

static void write_field(ke_machine *m, PVOID_VA va, const ke_field *f, uint64_t v)
{
    ke_arch arch = m->config.arch;
    KE_CHECK(m, mm_poke(m->mm, va + f->offset[arch], &v, ke_field_size(arch, f)));
}

/* The driver whose DRIVER_OBJECT is at va, or NULL. */
static io_driver *driver_of_object(const ke_machine *m, PVOID_VA va)
{
    for (uint32_t i = 0; i < m->driver_count; i++) {
        if (m->drivers[i]->loaded && m->drivers[i]->driver_object == va)
            return m->drivers[i];
    }
    return NULL;
}

/* DRIVER_OBJECT.DeviceObject: the head of the driver's device list. */
static void write_device_list(ke_machine *m, io_driver *d)
{
    PVOID_VA head = d->devices != NULL ? d->devices->va : 0;
    uint32_t offset = m->config.arch == KE_ARCH_X86 ? 4u : 8u;
    KE_CHECK(
        m, mm_poke(m->mm, d->driver_object + offset, &head, m->config.arch == KE_ARCH_X86 ? 4 : 8));
}

NTSTATUS IoCreateDevice(ke_call *call, PVOID_VA DriverObject, ULONG DeviceExtensionSize,
                        PVOID_VA DeviceName, ULONG DeviceType, ULONG DeviceCharacteristics,
                        bool Exclusive, PVOID_VA *DeviceObject)
{
    ke_machine *m = call->m;
    *DeviceObject = 0;
    io_driver *d = driver_of_object(m, DriverObject);
    if (d == NULL)
        return STATUS_INVALID_PARAMETER; /* not a driver object: ObCreateObject refuses it */
    char name[sizeof((io_device *)0)->name] = "";
    if (DeviceName != 0) {
        if (!read_name(call, DeviceName, name, sizeof name)) {
            if (ke_stopped(m))
                return STATUS_ACCESS_VIOLATION;
            return STATUS_OBJECT_NAME_INVALID;
        }
        if (name[0] != '\\')
            return STATUS_OBJECT_PATH_SYNTAX_BAD;
        if (name_taken(m, name))
            return STATUS_OBJECT_NAME_COLLISION;
    }
    return io_create_device(call, d, DeviceExtensionSize, name, DeviceType, DeviceCharacteristics,
                            Exclusive, DeviceObject);
}

NTSTATUS io_create_device(ke_call *call, io_driver *d, ULONG DeviceExtensionSize,
                          const char *name, ULONG DeviceType, ULONG DeviceCharacteristics,
                          bool Exclusive, PVOID_VA *DeviceObject)
{
    ke_machine *m = call->m;
    PVOID_VA DriverObject = d->driver_object;
    *DeviceObject = 0;
    bool x86 = m->config.arch == KE_ARCH_X86;
    uint32_t align = x86 ? 8u : 16u;
    uint32_t object_bytes = ke_types[KE_TYPE_DEVICE_OBJECT].size[m->config.arch];
    uint64_t extension_bytes = ((uint64_t)DeviceExtensionSize + align - 1) & ~(uint64_t)(align - 1);
    uint32_t devobj_ext_bytes = x86 ? DEVOBJ_EXTENSION_BYTES_X86 : DEVOBJ_EXTENSION_BYTES_X64;
    uint64_t total = object_bytes + extension_bytes + devobj_ext_bytes;
    if (total > 0xFFFFu)
        return STATUS_INVALID_PARAMETER; /* the object's Size is a USHORT */
    PVOID_VA va = ex_alloc_internal(m, NonPagedPoolNx, total, DEVICE_POOL_TAG);
    io_device *dev = calloc(1, sizeof *dev);
    if (va == 0 || dev == NULL) {
        free(dev);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    if (!des_map_put(&m->devices, va, dev))
        ke_panic(m, __FILE__, __LINE__, "out of host memory creating a device object");
    dev->va = va;
    dev->serial = ++m->devices_created;
    dev->driver = d;
    dev->references = 1;
    snprintf(dev->name, sizeof dev->name, "%s", name);

    PVOID_VA extension = DeviceExtensionSize != 0 ? va + object_bytes : 0;
    PVOID_VA devobj_ext = va + object_bytes + extension_bytes;
    write_field(m, va, KE_FIELD(DEVICE_OBJECT, Type), IO_TYPE_DEVICE);
    write_field(m, va, KE_FIELD(DEVICE_OBJECT, Size), object_bytes + extension_bytes);
    write_field(m, va, KE_FIELD(DEVICE_OBJECT, DriverObject), DriverObject);
    write_field(m, va, KE_FIELD(DEVICE_OBJECT, Flags),
                DO_DEVICE_INITIALIZING | (Exclusive ? DO_EXCLUSIVE : 0));
    write_field(m, va, KE_FIELD(DEVICE_OBJECT, Characteristics), DeviceCharacteristics);
    write_field(m, va, KE_FIELD(DEVICE_OBJECT, DeviceExtension), extension);
    write_field(m, va, KE_FIELD(DEVICE_OBJECT, DeviceType), DeviceType);
    write_field(m, va, KE_FIELD(DEVICE_OBJECT, StackSize), 1);
    write_field(m, va, KE_FIELD(DEVICE_OBJECT, DeviceObjectExtension), devobj_ext);
    /* KeInitializeDeviceQueue(&DeviceObject->DeviceQueue): IoStartPacket's
     * queue (startio.c). */
    ke_call kernel = *call;
    kernel.driver = NULL;
    KeInitializeDeviceQueue(&kernel,
                            va + KE_FIELD(DEVICE_OBJECT, DeviceQueue)->offset[m->config.arch]);
    uint16_t header[2] = {IO_TYPE_DEVICE_OBJECT_EXTENSION, (uint16_t)devobj_ext_bytes};
    KE_CHECK(m, mm_poke(m->mm, devobj_ext, header, sizeof header));
    KE_CHECK(m, mm_poke(m->mm, devobj_ext + (x86 ? 4 : 8), &va, x86 ? 4 : 8));

    /* The newest device heads the driver's list, as IoCreateDevice links it. */
    if (d->devices != NULL)
        write_field(m, va, KE_FIELD(DEVICE_OBJECT, NextDevice), d->devices->va);
    dev->next = d->devices;
    d->devices = dev;
    d->object_refs++;
    write_device_list(m, d);
    *DeviceObject = va;
    return STATUS_SUCCESS;
}

void io_device_reference(io_device *dev)
{
    dev->references++;
}

void io_device_dereference(ke_call *call, io_device *dev)
{
    ke_machine *m = call->m;
    KE_CHECK(m, dev->references > 0);
    if (--dev->references > 0)
        return;
    if (!dev->deleted) {
        /*
         * The last reference of a device never deleted: a driver
         * dereferenced a device object more often than it referenced it
         * (the creation reference belongs to IoDeleteDevice). The object is
         * still on its driver's list (and in the namespace if named): a
         * count of zero is illegal for its state. Windows' object manager
         * would free it here and the corruption would surface later, at
         * the next use of the freed device (commonly the owner's
         * IoDeleteDevice driving the count below zero, 0x18 again); drvsim
         * stops at the dereference itself, with REFERENCE_BY_POINTER: P1
         * the object type (IO_TYPE_DEVICE), P2 the object, P3 its handle
         * count (0: kernel code holds no handle), P4 its pointer count (0).
         * The record stays as it was, at count zero.
         */
        const uint64_t p[4] = {IO_TYPE_DEVICE, dev->va, 0, 0};
        kd_raise_full(call, RULE_kob_reference_by_pointer, 0x18, p, NULL,
                      "the last reference of a device object that was never deleted "
                      "(IoDeleteDevice owns the one IoCreateDevice gives)");
        return;
    }
    /* The last reference of a device deleted before: the object goes, and
     * with it its reference on the driver object. */
    io_driver *d = dev->driver;
    des_map_remove(&m->devices, dev->va);
    ke_call kernel = *call;
    kernel.driver = NULL; /* the object manager frees it, not the caller */
    ExFreePool(&kernel, dev->va);
    free(dev);
    io_driver_dereference(call, d);
}

void IoDeleteDevice(ke_call *call, PVOID_VA DeviceObject)
{
    ke_machine *m = call->m;
    io_device *dev = io_device_at(m, DeviceObject);
    if (dev == NULL || dev->deleted) {
        /* Not a device object (or one deleted before): the I/O manager
         * reads its fields as a device object's; a bad pointer faults. */
        uint16_t type = 0;
        mm_access(call, DeviceObject, &type, sizeof type, false);
        return;
    }
    io_driver *d = dev->driver;
    io_device_timer_delete(call, dev);
    io_wmi_device_deleted(m, DeviceObject); /* a registration left goes with it */
    /* Off the driver's list and out of the namespace at once; the memory
     * stays while references remain. */
    io_device *prev = NULL;
    for (io_device *p = d->devices; p != dev; p = p->next)
        prev = p;
    if (prev != NULL) {
        prev->next = dev->next;
        write_field(m, prev->va, KE_FIELD(DEVICE_OBJECT, NextDevice),
                    dev->next != NULL ? dev->next->va : 0);
    } else {
        d->devices = dev->next;
    }
    write_device_list(m, d);
    dev->next = NULL;
    dev->deleted = true;
    dev->name[0] = '\0';
    io_device_dereference(call, dev);
}

void io_devices_destroy(ke_machine *m)
{
    for (size_t i = 0; i < m->devices.capacity; i++)
        free(m->devices.slots[i].value);
    des_map_fini(&m->devices);
}
