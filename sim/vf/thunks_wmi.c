/*
 * thunks_wmi.c - miscellaneous checks (/flags 0x800) of WMI and ETW
 * registrations: a device object deleted while registered with WMI
 * (0xC4/0xDB), EtwUnregister of a handle that is not a registration
 * (0xC4/0xDC), and, when the driver unloads, a WMI callback (0xC4/0xDA) or
 * an ETW provider (0xC4/0xDD) it left registered.
 */
#include "io/wmi.h"
#include "kd/kd.h"
#include "vf/thunks.h"

bool vf_wmi_device_deleting(ke_call *call, PVOID_VA DeviceObject)
{
    if (call->m->wmi == NULL || io_wmi_device(call->m, DeviceObject) == NULL ||
        !vf_rule_enabled(call, RULE_wmi_delete_device_registered))
        return false;
    kd_raise(call, RULE_wmi_delete_device_registered, DeviceObject, 0, 0);
    return true;
}

void vf_wmi_unload_check(ke_call *call, io_driver *d)
{
    if (call->m->wmi == NULL)
        return;
    io_wmi_reg *r = io_wmi_callback_of(call->m, d);
    if (r != NULL && vf_rule_enabled(call, RULE_wmi_unload_callback_registered)) {
        kd_raise(call, RULE_wmi_unload_callback_registered, d->image_base, r->va, 0);
        return;
    }
    io_etw_reg *e = io_etw_of(call->m, d);
    if (e != NULL && vf_rule_enabled(call, RULE_etw_unload_registered))
        kd_raise(call, RULE_etw_unload_registered, e->site, d->image_base, e->handle);
}

static NTSTATUS vf_EtwUnregister(ke_call *call, uint64_t RegHandle)
{
    if (io_etw_at(call->m, RegHandle) == NULL &&
        vf_rule_enabled(call, RULE_etw_unregister_invalid)) {
        kd_raise(call, RULE_etw_unregister_invalid, RegHandle, 0, 0);
        return STATUS_INVALID_HANDLE;
    }
    return EtwUnregister(call, RegHandle);
}

void vf_patch_imports_wmi(ddi_imports *imports)
{
    imports->EtwUnregister = vf_EtwUnregister;
}
