/*
 * wmi.c - IoWMIRegistrationControl and the kernel's ETW provider routines
 * (EtwRegister, EtwUnregister, EtwWrite, EtwEventEnabled).
 *
 * A device object registered with WMI is a data provider: WMI sends it
 * IRP_MJ_SYSTEM_CONTROL requests whose Parameters.WMI.ProviderId is the
 * device (the harness' WmiRequest, lua/pnp.c); a driver handles those
 * addressed to its device and passes the others down, as WmiSystemControl
 * dispatches them. WMIREG_FLAG_CALLBACK registers a WMIENTRY callback
 * instead. No WMI consumer or ETW session runs in drvsim: EtwWrite has no
 * listener (STATUS_SUCCESS, nothing logged), EtwEventEnabled is FALSE and an
 * ETW enable callback is never called.
 */
#include <stdlib.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "io/wmi.h"
#include "mm/mm.h"

#define ETW_REG_TAG  0x52777445u /* "EtwR" */
#define ETW_REG_SIZE 0x40u

static io_wmi *wmi_of(ke_machine *m)
{
    if (m->wmi == NULL) {
        m->wmi = calloc(1, sizeof *m->wmi);
        if (m->wmi == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory for WMI");
    }
    return m->wmi;
}

static io_wmi_reg *find(const ke_machine *m, PVOID_VA va, bool callback)
{
    for (io_wmi_reg *r = m->wmi != NULL ? m->wmi->regs : NULL; r != NULL; r = r->next) {
        if (r->va == va && r->callback == callback)
            return r;
    }
    return NULL;
}

io_wmi_reg *io_wmi_device(const ke_machine *m, PVOID_VA device)
{
    return find(m, device, false);
}

io_wmi_reg *io_wmi_callback_of(const ke_machine *m, const io_driver *d)
{
    for (io_wmi_reg *r = m->wmi != NULL ? m->wmi->regs : NULL; r != NULL; r = r->next) {
        if (r->callback && r->driver == d)
            return r;
    }
    return NULL;
}

io_etw_reg *io_etw_of(const ke_machine *m, const io_driver *d)
{
    for (io_etw_reg *e = m->wmi != NULL ? m->wmi->etw : NULL; e != NULL; e = e->next) {
        if (e->driver == d)
            return e;
    }
    return NULL;
}

io_etw_reg *io_etw_at(const ke_machine *m, PVOID_VA handle)
{
    for (io_etw_reg *e = m->wmi != NULL ? m->wmi->etw : NULL; e != NULL; e = e->next) {
        if (e->handle == handle)
            return e;
    }
    return NULL;
}

static void unlink_reg(ke_machine *m, io_wmi_reg *r)
{
    for (io_wmi_reg **p = &m->wmi->regs; *p != NULL; p = &(*p)->next) {
        if (*p == r) {
            *p = r->next;
            break;
        }
    }
    if (r->driver != NULL && r->driver->wmi_registrations > 0)
        r->driver->wmi_registrations--;
    free(r);
}

NTSTATUS IoWMIRegistrationControl(ke_call *call, PVOID_VA DeviceObject, ULONG Action)
{
    ke_machine *m = call->m;
    bool callback = (Action & WMIREG_FLAG_CALLBACK) != 0;
    ULONG action = Action & 0xFFu;
    if (!callback && io_device_at(m, DeviceObject) == NULL)
        return STATUS_INVALID_PARAMETER;
    io_wmi_reg *r = find(m, DeviceObject, callback);
    switch (action) {
    case WMIREG_ACTION_REGISTER: {
        if (r != NULL)
            return STATUS_OBJECT_NAME_COLLISION; /* WmipRegisterDevice: already a provider */
        io_wmi *w = wmi_of(m);
        r = calloc(1, sizeof *r);
        if (r == NULL)
            return STATUS_INSUFFICIENT_RESOURCES;
        r->driver = callback ? call->driver : io_device_at(m, DeviceObject)->driver;
        r->callback = callback;
        r->va = DeviceObject;
        io_wmi_reg **tail = &w->regs;
        while (*tail != NULL)
            tail = &(*tail)->next;
        *tail = r;
        if (r->driver != NULL)
            r->driver->wmi_registrations++;
        return STATUS_SUCCESS;
    }
    case WMIREG_ACTION_DEREGISTER:
        if (r == NULL)
            return STATUS_INVALID_PARAMETER;
        unlink_reg(m, r);
        return STATUS_SUCCESS;
    case WMIREG_ACTION_REREGISTER:
    case WMIREG_ACTION_UPDATE_GUIDS:
    case WMIREG_ACTION_BLOCK_IRPS:
        return r != NULL ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
    default:
        return STATUS_INVALID_PARAMETER;
    }
}

NTSTATUS EtwRegister(ke_call *call, PVOID_VA ProviderId, uint32_t EnableCallback,
                     PVOID_VA CallbackContext, uint64_t *RegHandle)
{
    (void)EnableCallback; /* no ETW session enables a provider in drvsim */
    (void)CallbackContext;
    ke_machine *m = call->m;
    *RegHandle = 0;
    uint8_t guid[16];
    if (!mm_access(call, ProviderId, guid, sizeof guid, false))
        return STATUS_ACCESS_VIOLATION;
    io_wmi *w = wmi_of(m);
    io_etw_reg *e = calloc(1, sizeof *e);
    PVOID_VA block =
        e != NULL ? ex_alloc_internal(m, NonPagedPoolNx, ETW_REG_SIZE, ETW_REG_TAG) : 0;
    if (block == 0) {
        free(e);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    mm_fill(m->mm, block, ETW_REG_SIZE, 0);
    mm_poke(m->mm, block, guid, sizeof guid);
    e->driver = call->driver;
    e->handle = block;
    e->site = ke_caller_code(call);
    io_etw_reg **tail = &w->etw;
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = e;
    if (e->driver != NULL)
        e->driver->etw_registrations++;
    *RegHandle = block;
    return STATUS_SUCCESS;
}

static void etw_free(ke_call *call, io_etw_reg *e)
{
    ke_machine *m = call->m;
    for (io_etw_reg **p = &m->wmi->etw; *p != NULL; p = &(*p)->next) {
        if (*p == e) {
            *p = e->next;
            break;
        }
    }
    if (e->driver != NULL && e->driver->etw_registrations > 0)
        e->driver->etw_registrations--;
    ke_call kernel = *call;
    kernel.driver = NULL;
    ExFreePool(&kernel, e->handle);
    free(e);
}

NTSTATUS EtwUnregister(ke_call *call, uint64_t RegHandle)
{
    io_etw_reg *e = io_etw_at(call->m, RegHandle);
    if (e == NULL)
        return STATUS_INVALID_HANDLE;
    etw_free(call, e);
    return STATUS_SUCCESS;
}

NTSTATUS EtwWrite(ke_call *call, uint64_t RegHandle, PVOID_VA EventDescriptor, PVOID_VA ActivityId,
                  ULONG UserDataCount, PVOID_VA UserData)
{
    (void)EventDescriptor;
    (void)ActivityId;
    (void)UserDataCount;
    (void)UserData;
    return io_etw_at(call->m, RegHandle) != NULL ? STATUS_SUCCESS : STATUS_INVALID_HANDLE;
}

bool EtwEventEnabled(ke_call *call, uint64_t RegHandle, PVOID_VA EventDescriptor)
{
    (void)call;
    (void)RegHandle;
    (void)EventDescriptor;
    return false; /* no session listens */
}

void io_wmi_device_deleted(ke_machine *m, PVOID_VA device)
{
    io_wmi_reg *r = m->wmi != NULL ? find(m, device, false) : NULL;
    if (r != NULL)
        unlink_reg(m, r);
}

void io_wmi_driver_unloaded(ke_call *call, io_driver *d)
{
    ke_machine *m = call->m;
    if (m->wmi == NULL)
        return;
    io_wmi_reg *r;
    while ((r = io_wmi_callback_of(m, d)) != NULL)
        unlink_reg(m, r);
    io_etw_reg *e;
    while ((e = io_etw_of(m, d)) != NULL)
        etw_free(call, e);
}

void io_wmi_destroy(ke_machine *m)
{
    if (m->wmi == NULL)
        return;
    for (io_wmi_reg *r = m->wmi->regs; r != NULL;) {
        io_wmi_reg *next = r->next;
        free(r);
        r = next;
    }
    for (io_etw_reg *e = m->wmi->etw; e != NULL;) {
        io_etw_reg *next = e->next;
        free(e);
        e = next;
    }
    free(m->wmi);
    m->wmi = NULL;
}
