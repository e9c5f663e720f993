/*
 * thunks.h - what the verifier's thunk files share (private to sim/vf):
 * thunks.c (IRQL, pool, MDLs, Rtl strings, and the import table),
 * thunks_ke.c (interrupts, spin locks, fast mutexes and regions, executive
 * resources, waits and object references), thunks_io.c (work items,
 * lookaside lists, I/O verification).
 */
#ifndef DRVSIM_VF_THUNKS_H
#define DRVSIM_VF_THUNKS_H

#include "ddi_table.h"
#include "vf/vf.h"

static inline uint64_t *counter(ke_call *call, enum drvsim_global_counter which)
{
    return &call->m->vf->counters[which];
}

/* Force IRQL checking (0x2): a verified driver went to DISPATCH_LEVEL or
 * above (a raise, a spin lock, a synchronized call): pageable memory leaves
 * the working set, and Trims counts it. */
void vf_force_irql_trim(ke_call *call);

/* Low resources simulation for one allocating call: true when it is failed
 * deliberately, with a raise of STATUS_INSUFFICIENT_RESOURCES set when the
 * request asked for one (else the caller returns NULL or its status). */
bool vf_inject_pool(ke_call *call, ULONG PoolType, ULONG Tag, bool raise);

/* The thunks of thunks_ke.c and thunks_io.c into a verified image's imports. */
void vf_patch_imports_ke(ddi_imports *imports);
void vf_patch_imports_io(ddi_imports *imports);
void vf_patch_imports_cm(ddi_imports *imports); /* thunks_cm.c: the registry */
void vf_patch_imports_wmi(ddi_imports *imports); /* thunks_wmi.c: WMI and ETW */
/* Miscellaneous checks of WMI and ETW (thunks_wmi.c): a device deleted
 * while registered (true: raised), and a driver unloading with a callback
 * or a provider registered. */
bool vf_wmi_device_deleting(ke_call *call, PVOID_VA DeviceObject);
void vf_wmi_unload_check(ke_call *call, io_driver *d);

#endif /* DRVSIM_VF_THUNKS_H */
