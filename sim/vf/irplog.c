/*
 * irplog.c - IRP logging (/flags 0x400): each verified device's record of
 * the last twenty IRPs it was sent (see irplog.h).
 */
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "ke/types.h"
#include "mm/mm.h"
#include "vf/irplog.h"
#include "vf/vf.h"

#define IRP_MJ_DEVICE_CONTROL          0x0E
#define IRP_MJ_INTERNAL_DEVICE_CONTROL 0x0F

void vf_irplog_free(vf_irplog *log)
{
    free(log->devices);
    memset(log, 0, sizeof *log);
}

static uint64_t peek(ke_machine *m, PVOID_VA va, const ke_field *f)
{
    uint64_t v = 0;
    mm_peek(m->mm, va + f->offset[m->config.arch], &v, ke_field_size(m->config.arch, f));
    return v;
}

/* The record of a device, made on its first IRP; NULL when the run has
 * logged VF_IRPLOG_DEVICES devices already (or the host is out of memory). */
static vf_irplog_device *record_of(vf_irplog *log, const io_device *dev)
{
    /* The newest first: a device's IRPs come in runs. */
    for (size_t i = log->count; i-- > 0;) {
        if (log->devices[i].serial == dev->serial)
            return &log->devices[i];
    }
    if (log->count == VF_IRPLOG_DEVICES)
        return NULL;
    if (log->count == log->capacity) {
        size_t cap = log->capacity == 0 ? 8 : 2 * log->capacity;
        vf_irplog_device *grown = realloc(log->devices, cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        log->devices = grown;
        log->capacity = cap;
    }
    vf_irplog_device *r = &log->devices[log->count++];
    memset(r, 0, sizeof *r);
    r->device = dev->va;
    r->serial = dev->serial;
    r->driver = dev->driver->index;
    memcpy(r->name, dev->name, sizeof r->name);
    r->name[sizeof r->name - 1] = '\0';
    return r;
}

void vf_irplog_dispatch(ke_call *call, io_device *dev, PVOID_VA Irp, PVOID_VA sl)
{
    ke_machine *m = call->m;
    (void)Irp;
    if (dev == NULL || dev->driver == NULL || !dev->driver->verified ||
        (m->vf->settings.flags & VF_FLAG_IRP_LOGGING) == 0)
        return;
    vf_irplog *log = &m->vf->irplog;
    vf_irplog_device *r = record_of(log, dev);
    if (r == NULL)
        return;
    KE_CHECK(m, r->next < VF_IRPLOG_ENTRIES && r->count <= VF_IRPLOG_ENTRIES);
    vf_irplog_entry *e = &r->ring[r->next];
    memset(e, 0, sizeof *e);
    e->seq = ++log->seq;
    e->time_100ns = m->des.now_100ns;
    e->thread = call->thread != NULL ? call->thread->id : 0;
    e->major = (uint8_t)peek(m, sl, KE_FIELD(IO_STACK_LOCATION, MajorFunction));
    e->minor = (uint8_t)peek(m, sl, KE_FIELD(IO_STACK_LOCATION, MinorFunction));
    if (e->major == IRP_MJ_DEVICE_CONTROL || e->major == IRP_MJ_INTERNAL_DEVICE_CONTROL) {
        PVOID_VA p = sl + KE_FIELD(IO_STACK_LOCATION, Parameters)->offset[m->config.arch];
        const ke_type_id T = KE_TYPE_IO_PARAMETERS_IOCTL;
        e->ioctl = (uint32_t)peek(m, p, ke_type_field(T, "IoControlCode"));
        e->input_bytes = (uint32_t)peek(m, p, ke_type_field(T, "InputBufferLength"));
        e->output_bytes = (uint32_t)peek(m, p, ke_type_field(T, "OutputBufferLength"));
    }
    /* The twenty-first replaces the first (irp-logging.md). */
    r->next = (r->next + 1) % VF_IRPLOG_ENTRIES;
    if (r->count < VF_IRPLOG_ENTRIES)
        r->count++;
    r->total++;
}

const vf_irplog_device *vf_irplog_find(const ke_machine *m, PVOID_VA device)
{
    const vf_irplog *log = &m->vf->irplog;
    /* The device object there now, if any: its own record or none, never
     * that of an earlier object at the address. */
    const io_device *dev = io_device_at(m, device);
    for (size_t i = log->count; i-- > 0;) {
        const vf_irplog_device *r = &log->devices[i];
        if (r->device == device && (dev == NULL || r->serial == dev->serial))
            return r;
    }
    return NULL;
}
