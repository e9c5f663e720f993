/*
 * driver.c - driver images: registration, load (DriverEntry) and unload
 * (DriverUnload), with their DRIVER_OBJECT in simulated memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ex/pool.h"
#include "io/io.h"
#include "io/wmi.h"
#include "mm/mm.h"
#include "vf/vf.h"

#define IO_TYPE_DRIVER         4
#define DRIVER_OBJECT_SIZE_X64 0x150u
#define DRIVER_OBJECT_SIZE_X86 0xA8u
/* DRIVER_OBJECT.DriverName's offset (wdm.h layouts). */
#define DRIVER_NAME_OFFSET_X64 0x38u
#define DRIVER_NAME_OFFSET_X86 0x1Cu

io_driver *io_register_driver(ke_machine *m, const char *name, bool graphics, void *host)
{
    io_driver *d = calloc(1, sizeof *d);
    io_driver **grown = realloc(m->drivers, (m->driver_count + 1) * sizeof *grown);
    if (d == NULL || grown == NULL) {
        free(d);
        if (grown != NULL)
            m->drivers = grown;
        return NULL;
    }
    m->drivers = grown;
    /* The trace numbers drivers with one byte; 0xFF means "none". */
    KE_CHECK(m, m->driver_count < 0xFF);
    d->index = m->driver_count;
    snprintf(d->name, sizeof d->name, "%s", name);
    snprintf(d->service, sizeof d->service, "%s", name);
    char *dot = strrchr(d->service, '.');
    if (dot != NULL && strcasecmp(dot, ".sys") == 0)
        *dot = '\0';
    d->graphics = graphics;
    d->host = host;
    d->image_base = mm_region_base(m->config.arch, MM_REGION_SYSTEM_IMAGES) +
                    (PVOID_VA)d->index * IO_IMAGE_STRIDE;
    d->image_size = PAGE_SIZE;
    m->drivers[m->driver_count++] = d;
    return d;
}

io_driver *io_find_driver(const ke_machine *m, const char *name)
{
    for (uint32_t i = 0; i < m->driver_count; i++) {
        if (strcasecmp(m->drivers[i]->name, name) == 0)
            return m->drivers[i];
    }
    return NULL;
}

static void trace_driver(ke_machine *m, uint16_t type, const io_driver *d)
{
    des_rec rec;
    ke_trace_begin(m, &rec, type);
    des_rec_u8(&rec, ke_trace_driver(d));
    if (type == KE_TR_LOAD) {
        des_rec_str(&rec, d->name);
        des_rec_u8(&rec, d->verified);
    }
    ke_trace_commit(m, &rec);
}

NTSTATUS io_load_begin(ke_call *call, io_driver *d)
{
    ke_machine *m = call->m;
    if (d->loaded)
        return STATUS_IMAGE_ALREADY_LOADED;
    if (!mm_map(m->mm, d->image_base, d->image_size / PAGE_SIZE, 0, false))
        ke_panic(m, __FILE__, __LINE__, "out of host memory mapping a driver image");

    /* The DRIVER_OBJECT, with its DriverName (a UNICODE_STRING) pointing at
     * "\Driver\<service>" stored right after the object. */
    bool x86 = m->config.arch == KE_ARCH_X86;
    uint32_t size = x86 ? DRIVER_OBJECT_SIZE_X86 : DRIVER_OBJECT_SIZE_X64;
    char name[80];
    int name_chars = snprintf(name, sizeof name, "\\Driver\\%s", d->service);
    uint16_t name_bytes = (uint16_t)(2 * name_chars);
    d->driver_object =
        ex_alloc_internal(m, NonPagedPool, size + name_bytes + 2u, 0x76697244u /* "Driv" */);
    if (d->driver_object == 0)
        return STATUS_INSUFFICIENT_RESOURCES;
    uint16_t header[2] = {IO_TYPE_DRIVER, (uint16_t)size};
    mm_poke(m->mm, d->driver_object, header, sizeof header);
    PVOID_VA buffer = d->driver_object + size;
    for (int i = 0; i < name_chars; i++) {
        uint16_t wc = (uint8_t)name[i];
        mm_poke(m->mm, buffer + 2u * (uint64_t)i, &wc, 2);
    }
    d->name_string = d->driver_object + (x86 ? DRIVER_NAME_OFFSET_X86 : DRIVER_NAME_OFFSET_X64);
    uint16_t lengths[2] = {name_bytes, (uint16_t)(name_bytes + 2u)};
    mm_poke(m->mm, d->name_string, lengths, sizeof lengths);
    if (x86) {
        uint32_t p32 = (uint32_t)buffer;
        mm_poke(m->mm, d->name_string + 4, &p32, 4);
    } else {
        mm_poke(m->mm, d->name_string + 8, &buffer, 8);
    }

    d->unload = 0;
    memset(d->major, 0, sizeof d->major);
    d->loaded = true;
    d->devices = NULL;
    d->object_refs = 0;
    d->unload_pending = false;
    vf_driver_loading(m, d);
    if (d->verified)
        d->counters[DRVSIM_DC_Loads]++;
    trace_driver(m, KE_TR_LOAD, d);
    return STATUS_SUCCESS;
}

PVOID_VA io_image_storage(ke_machine *m, io_driver *d, uint32_t bytes, uint32_t align)
{
    KE_CHECK(m, align != 0 && (align & (align - 1)) == 0);
    PVOID_VA data = d->image_base + d->image_size;
    if (d->data_next == 0)
        d->data_next = data;
    PVOID_VA va = (d->data_next + align - 1) & ~(PVOID_VA)(align - 1);
    /* The last page of the range is the PAGE section's. */
    if (bytes > d->image_base + IO_IMAGE_STRIDE - PAGE_SIZE - va)
        return 0;
    PVOID_VA first_page = va & ~(PVOID_VA)(PAGE_SIZE - 1);
    PVOID_VA end = va + (bytes ? bytes : 1);
    uint64_t pages = (end - first_page + PAGE_SIZE - 1) / PAGE_SIZE;
    if (!mm_map(m->mm, first_page, pages, 0, false))
        ke_panic(m, __FILE__, __LINE__, "out of host memory mapping a driver's data");
    d->data_next = end;
    return va;
}

PVOID_VA io_page_section(ke_machine *m, io_driver *d)
{
    PVOID_VA va = d->image_base + IO_IMAGE_STRIDE - PAGE_SIZE;
    if (!d->page_section_mapped) {
        if (!mm_map(m->mm, va, 1, 0xCC /* int 3 filler, as linkers pad code */, true))
            ke_panic(m, __FILE__, __LINE__, "out of host memory mapping a PAGE section");
        d->page_section_mapped = true;
    }
    return va;
}

static void unload_image(ke_call *call, io_driver *d)
{
    if (d->page_section_mapped) {
        mm_unmap(call->m->mm, d->image_base + IO_IMAGE_STRIDE - PAGE_SIZE, 1);
        d->page_section_mapped = false;
    }
    d->unloading = false;
    d->unload_thread = NULL;
    /* The image's data goes with it: a pointer into it faults from now on. */
    if (d->data_next != 0) {
        PVOID_VA data = d->image_base + d->image_size;
        mm_unmap(call->m->mm, data, (d->data_next - data + PAGE_SIZE - 1) / PAGE_SIZE);
        if (call->m->remove_locks != NULL)
            io_remove_locks_freed(call->m, data, d->data_next);
        d->data_next = 0;
    }
    if (d->driver_extension != 0) {
        ke_call kernel = *call;
        kernel.driver = NULL;
        ExFreePool(&kernel, d->driver_extension);
        d->driver_extension = 0;
    }
    io_wmi_driver_unloaded(call, d);
    d->pnp_loaded = false;
    d->loaded = false;
    d->unload = 0;
    trace_driver(call->m, KE_TR_UNLOAD, d);
}

void io_load_end(ke_call *call, io_driver *d, NTSTATUS status)
{
    if (!NT_SUCCESS(status))
        unload_image(call, d); /* DriverUnload is not called for a failed load */
}

NTSTATUS io_unload_begin(ke_call *call, io_driver *d)
{
    if (!d->loaded)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    if (d->unload == 0 || d->unload_pending)
        return STATUS_INVALID_DEVICE_REQUEST; /* no DriverUnload, or already unloading */
    d->unloading = true;
    d->unload_thread = call->thread;
    return STATUS_SUCCESS;
}

/* The image goes: the verifier's unload checks first (Windows makes them
 * where the image is unmapped), then its memory. */
static void finish_unload(ke_call *call, io_driver *d)
{
    d->unload_pending = false;
    if (d->verified) {
        vf_driver_unloaded(call, d);
        if (ke_stopped(call->m))
            return; /* the bug check shows the image as it was */
    }
    unload_image(call, d);
}

void io_unload_end(ke_call *call, io_driver *d)
{
    if (d->verified)
        d->counters[DRVSIM_DC_Unloads]++;
    d->unload = 0;
    /* DriverUnload has returned: the driver is no longer "unloading" for
     * the 0x61 check even if the image stays for a device object, whose
     * queued work item may rightly still run and allocate. */
    d->unloading = false;
    d->unload_thread = NULL;
    if (d->object_refs > 0) {
        /* A device object is left (not deleted, or deleted and still
         * referenced by a queued work item): it references the driver
         * object, so the image stays until the last one goes. */
        d->unload_pending = true;
        return;
    }
    finish_unload(call, d);
}

void io_driver_dereference(ke_call *call, io_driver *d)
{
    KE_CHECK(call->m, d->object_refs > 0);
    if (--d->object_refs == 0 && d->unload_pending)
        finish_unload(call, d);
}
